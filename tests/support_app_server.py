"""The real Streamlit server on 127.0.0.1 for browser and load tests, and Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant.cli_ui import streamlit_command

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed (.ci/run installs it with apt)")
        pytest.skip("Chromium is not installed (apt install chromium)")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def app_server(home: Path, log_dir: Path, **env: str) -> Iterator[str]:
    """`streamlit run ui/app.py` on this home; yields its URL once it answers its health check."""
    port = free_port()
    environment = {
        **os.environ,
        "WAYPOINT_HOME": str(home),
        "WAYPOINT_PROFILE": "test",
        "HF_HUB_OFFLINE": "1",
        **env,
    }
    log_path = log_dir / f"server-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            # what `waypoint ui` runs, started outside the repository (no config.toml there)
            streamlit_command(port, "127.0.0.1", 20),
            cwd=log_dir,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                        if reply.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(log_path.read_text())
                time.sleep(0.5)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
