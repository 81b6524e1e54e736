"""`waypoint ui`: start the Streamlit app (it prepares the index and demo school itself)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from assistant.settings import bundled_path

if TYPE_CHECKING:
    from assistant.settings import Settings

APP = bundled_path("ui") / "app.py"  # in a wheel, ui/ is package data (see settings.bundled_path)


# The accent colour of buttons, tabs and chosen options: dark enough for a 4.5:1 contrast as
# text on the light tint Streamlit puts behind it (its default red is not: WCAG 2.2 AA).
PRIMARY_COLOUR = "#a3122a"


def add_ui_command(commands: Any) -> None:
    ui = commands.add_parser("ui", help="start the app in the browser (Streamlit)")
    ui.add_argument("--port", type=int, help="port (default: setting ui_port, 8501)")
    ui.add_argument(
        "--address",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    # Only the settings: the app builds its own assistant (building one here, to throw it
    # away at the hand-over, cost seconds before Streamlit even started).
    ui.set_defaults(settings_handler=cmd_ui)


def streamlit_command(port: int, address: str, max_upload_mb: int = 25) -> list[str]:
    """The Streamlit command line with every option Waypoint relies on, so the app behaves the
    same from any working directory (Streamlit reads .streamlit/config.toml only from the one
    it starts in): no usage statistics, no Deploy button or developer menu, no error details
    or server paths in the browser, and the upload limit of the app's own settings."""
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
        "--server.maxUploadSize",
        str(max_upload_mb),
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--client.showErrorDetails",
        "none",
        "--theme.primaryColor",
        PRIMARY_COLOUR,
    ]


def upload_limit_mb(max_upload_bytes: int, max_file_bytes: int) -> int:
    """Streamlit's one upload limit, in whole megabytes: the larger of the app's two limits
    (evidence CSVs, knowledge files); each importer then applies its own."""
    largest = max(max_upload_bytes, max_file_bytes)
    return max(1, -(-largest // (1024 * 1024)))


def cmd_ui(args: argparse.Namespace, settings: Settings) -> int:
    port = args.port or settings.ui_port
    limit = upload_limit_mb(settings.max_upload_bytes, settings.ingest.max_file_bytes)
    command = streamlit_command(port, args.address, limit)
    print(f"Waypoint is starting on http://{args.address}:{port} (Ctrl+C stops it)")
    sys.stdout.flush()
    os.execv(command[0], command)
    return 0  # not reached
