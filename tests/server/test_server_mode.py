"""The integration suite against the server configuration: a Chroma server and PostgreSQL.

The `servers` fixture (tests/servers.py) starts both; the suite then runs in a subprocess with
WAYPOINT_TEST_BACKEND=server, which points every test at them with a collection and a database
of its own. The same tests run against the embedded configuration in the main session.

Left out here (they run in the embedded configuration as usual):
- test_load.py: twenty browsers on the app at once measure the Streamlit sessions, not the
  stores, and take longer than the whole rest of this run;
- test_store_unavailable.py: it damages the embedded store's files and starts (and kills) a
  Chroma server of its own, so it covers both configurations by itself;
- test_answer_quality_gate.py: it measures the answers (175 questions), not the stores;
- test_retriever_contract.py: it holds the fake retriever to the real one; the real side is the
  same code in both configurations;
- test_browser.py, test_browser_chrome.py: they check what Chromium renders and requests; the
  app on the server stores is covered by the AppTest suite (test_app.py), which runs here.
- test_chat_engine.py, test_injections.py, test_section_texts.py, test_chat_llm.py: they check
  how answers are composed from what the retriever returns; the retriever on the server stores
  is covered here by test_bundled_search.py, test_retrieval_quality.py, test_chat_learners.py
  and the app and CLI suites (this keeps CI within its time).
A test about the embedded files themselves is marked `tests.servers.embedded_only`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.servers import RunningServers

REPO = Path(__file__).resolve().parents[2]
NOT_IN_SERVER_MODE = (
    "test_load.py",
    "test_store_unavailable.py",
    "test_answer_quality_gate.py",
    "test_retriever_contract.py",
    "test_browser.py",
    "test_browser_chrome.py",
    "test_chat_engine.py",
    "test_injections.py",
    "test_section_texts.py",
    "test_chat_llm.py",
)
BUDGET_SECONDS = 40 * 60  # a hard stop; about 10 minutes on two quiet cores


def test_the_integration_suite_passes_against_chroma_server_and_postgresql(
    servers: RunningServers, record_property: Callable[[str, object], None]
) -> None:
    env = {**os.environ, **servers.env(), "WAYPOINT_PROFILE": "test"}
    command = [sys.executable, "-m", "pytest", "tests/integration", "-x", "-q"]
    command += ["-p", "no:cacheprovider", "-p", "tests.servers"]
    command += [f"--ignore=tests/integration/{name}" for name in NOT_IN_SERVER_MODE]
    started = time.monotonic()
    done = subprocess.run(
        command,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUDGET_SECONDS,
        check=False,
    )
    seconds = time.monotonic() - started
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "(no output)"
    record_property("server", f"server mode (Chroma server + PostgreSQL): {summary}")
    assert done.returncode == 0, (
        f"the integration suite failed in server mode ({seconds:.0f} s):\n"
        f"{done.stdout[-8000:]}\n{done.stderr[-2000:]}"
    )
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) > 0, summary
