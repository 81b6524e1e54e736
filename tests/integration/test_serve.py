"""`waypoint serve`: the app and the API as two processes on the embedded stores, for real.

While both run, LTI launches go to the API process (each writes the login state, the nonce,
just-in-time accounts, the audit log and a hand-off) and this test process, standing in for
the app's process (the same library code the pages call), writes audited changes to the same
SQLite file and redeems each hand-off the API issued: nothing is refused as locked, every
hand-off works once across the two processes, and the API never takes the ingest lock (the
app's process is the one ingest writer). Ctrl+C stops both. Kept light: one start of each."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import func, select, text

from assistant.cli import main
from assistant.cli_api import run_together
from assistant.container import build_assistant
from assistant.ingest.writelock import WriteLock
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.db import AuditRow, Learner
from assistant.settings import Settings
from tests.fakes.embedder import FakeEmbedder
from tests.fakes.lms import CLIENT_ID, ISSUER, running_lms
from tests.support_app_server import free_port

LAUNCHES = 12
READY_SECONDS = 180  # a slow machine's first start of Streamlit and the API


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"waypoint serve ended early ({process.returncode})"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} did not answer")


def _closed(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_serve_runs_the_app_and_the_api_safely_together_and_stops_both(tmp_path: Path) -> None:
    home = tmp_path / "home"
    school = build_assistant(Settings(profile="test", home=home), embedder=FakeEmbedder())
    with running_lms() as lms:
        assert (
            main(["lti", "add-platform", *lms.registration()], make_assistant=lambda: school) == 0
        )
        ui_port, api_port = free_port(), free_port()
        env = {
            **os.environ,
            "WAYPOINT_HOME": str(home),
            "WAYPOINT_PROFILE": "test",
            "HF_HUB_OFFLINE": "1",
        }
        serve = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "serve", "--ui-port", str(ui_port),
             "--api-port", str(api_port)],
            env=env,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            api = f"http://127.0.0.1:{api_port}"
            _wait_until_up(f"{api}/lti/jwks.json", serve)
            _wait_until_up(f"http://127.0.0.1:{ui_port}/_stcore/health", serve)
            with WriteLock(home / "ingest.lock", wait=False):  # the app's ingest holds it
                redeemed = _launch_while_writing(api, school, lms)
            assert len(redeemed) == LAUNCHES
            with school.learner_db.session() as session:
                journal = session.execute(text("PRAGMA journal_mode")).scalar()
                audited = session.scalar(
                    select(func.count()).select_from(AuditRow).where(AuditRow.user_id == "lti:1")
                )
            assert journal == "wal" and audited == LAUNCHES
            serve.send_signal(signal.SIGINT)  # Ctrl+C
            assert serve.wait(60) == 0
        finally:
            if serve.poll() is None:
                serve.kill()
                serve.wait()
        assert _closed(api_port) and _closed(ui_port)
    school.learner_db.dispose()


def _launch_while_writing(api: str, school: object, lms: object) -> set[str]:
    """LAUNCHES launches through the API process while this process writes audited changes to
    the same database; the hand-offs the API issued, each redeemed here once."""
    from assistant.container import Assistant
    from tests.fakes.lms import FakeLms

    assert isinstance(school, Assistant) and isinstance(lms, FakeLms)
    problems: list[BaseException] = []
    done = threading.Event()

    def app_side() -> None:  # the app's process: audited writes of its own
        try:
            number = 0
            while not done.is_set():
                with school.learner_db.session() as session:
                    session.add(Learner(id=f"app-{number}", name=f"App learner {number}"))
                school.audit.record(LOCAL_ADMIN, "change", [f"app-{number}"], "app writes")
                number += 1
        except BaseException as exc:
            problems.append(exc)

    writer = threading.Thread(target=app_side)
    writer.start()
    redeemed: set[str] = set()
    try:
        with httpx.Client(base_url=api, timeout=60) as client:
            for number in range(LAUNCHES):
                login = client.get(
                    "/lti/login", params={"iss": ISSUER, "login_hint": "h", "client_id": CLIENT_ID}
                )
                assert login.status_code == 302, login.text
                query = parse_qs(urlparse(login.headers["location"]).query)
                token = lms.id_token(query["nonce"][0], f"together-{number}", ["Learner"])
                landing = client.post(
                    "/lti/launch", data={"id_token": token, "state": query["state"][0]}
                )
                assert landing.status_code == 303, landing.text
                handoff = parse_qs(urlparse(landing.headers["location"]).query)["handoff"][0]
                found = school.lti.handoffs.redeem(handoff)  # issued there, redeemed here
                assert found is not None and school.lti.handoffs.redeem(handoff) is None
                redeemed.add(found.user_id)
    finally:
        done.set()
        writer.join()
    assert problems == []
    return redeemed


def test_serve_stops_the_other_process_when_one_ends(capsys: pytest.CaptureFixture[str]) -> None:
    python = [sys.executable, "-c"]
    code = run_together(
        {
            "app": [*python, "import time; time.sleep(600)"],
            "api": [*python, "raise SystemExit(3)"],
        },
        stop_seconds=30,
    )
    assert code == 3
    assert "api stopped (exit code 3)" in capsys.readouterr().err
