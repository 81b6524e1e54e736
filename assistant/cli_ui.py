"""`waypoint ui`: start the Streamlit app (it prepares the index and demo school itself)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from assistant.settings import PACKAGE_ROOT

if TYPE_CHECKING:
    from assistant.container import Assistant

APP = PACKAGE_ROOT.parent / "ui" / "app.py"


def add_ui_command(commands: Any) -> None:
    ui = commands.add_parser("ui", help="start the app in the browser (Streamlit)")
    ui.add_argument("--port", type=int, help="port (default: setting ui_port, 8501)")
    ui.add_argument(
        "--address",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    ui.set_defaults(handler=cmd_ui)


def streamlit_command(port: int, address: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]


def cmd_ui(args: argparse.Namespace, assistant: Assistant) -> int:
    port = args.port or assistant.settings.ui_port
    command = streamlit_command(port, args.address)
    print(f"Waypoint is starting on http://{args.address}:{port} (Ctrl+C stops it)")
    sys.stdout.flush()
    os.execv(command[0], command)
    return 0  # not reached
