"""`waypoint --help`, `waypoint ui` and commands that need no model start without the heavy
packages: torch, transformers, sentence-transformers and the Chroma client load only when a
text is embedded or the vector store is opened. The app's sign-in page renders before any of
them (and before onnxruntime or LangChain) loads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "transformers", "sentence_transformers", "langchain_chroma", "chromadb")


def loaded_after(code: str, tmp_path: Path) -> set[str]:
    """Which HEAVY packages a fresh interpreter has imported after running `code`."""
    report = f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    script = f"{code}\nimport json, sys\n{report}"
    env = {"WAYPOINT_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "code",
    [
        # `waypoint --help` (the whole parser) and what `waypoint ui` runs before it hands over
        # to Streamlit
        "from assistant.cli import build_parser; build_parser().format_help()\n"
        "from assistant.cli_ui import streamlit_command",
        # a command that needs no model (the services built but not asked to embed), and what
        # the app imports to render its sign-in page (the preparation runs afterwards)
        "import assistant.app.bootstrap, assistant.app.identity, assistant.app.texts\n"
        "from assistant.container import build_assistant\n"
        "from assistant.settings import Settings\n"
        "a = build_assistant(Settings(profile='test'))\n"
        "a.retriever; a.indexer; a.chat; a.records.frameworks()",
    ],
    ids=["help-and-ui", "services-and-sign-in"],
)
def test_no_heavy_import_before_a_text_is_embedded(code: str, tmp_path: Path) -> None:
    assert loaded_after(code, tmp_path) == set()


def test_a_fresh_home_embeds_with_the_shipped_graph_exporting_nothing(tmp_path: Path) -> None:
    """The default backend on an empty home: no torch here, no export (a child process that
    would import it) nor anything written under the home's models folder."""
    code = (
        "from pathlib import Path\n"
        "from assistant.retrieval.embeddings import make_embedder\n"
        f"models = Path({str(tmp_path / 'home' / 'models')!r})\n"
        "e = make_embedder('all-MiniLM-L6-v2', backend='onnx-int8', cache_dir=models)\n"
        "assert len(e.embed_query('How do report cards work?')) == 384\n"
        "assert not models.exists(), sorted(models.iterdir())"
    )
    assert loaded_after(code, tmp_path) == set()


# What the sign-in page may not wait for: the model's runtimes, the vector store, LangChain.
BEFORE_SIGN_IN = (*HEAVY, "onnxruntime", "langchain", "langchain_core", "langchain_text_splitters")
SIGN_IN = f"""
import json, os, sys
import streamlit as st
from streamlit.testing.v1 import AppTest
from ui import session
session.cookie = lambda: ""  # a first visit: the browser sends no session cookie
loaded = []
title = st.title

def spy(*args, **kwargs):  # the moment the sign-in page's title is rendered
    loaded.append(sorted(m for m in {BEFORE_SIGN_IN!r} if m in sys.modules))
    return title(*args, **kwargs)

st.title = spy
app = AppTest.from_file("ui/app.py", default_timeout=120)
app.run()
print(json.dumps({{"titles": [t.value for t in app.title], "loaded": loaded}}), flush=True)
os._exit(0)  # not waiting for the preparation the page started after its title
"""


def test_the_sign_in_page_renders_before_any_heavy_import(tmp_path: Path) -> None:
    env = {"WAYPOINT_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", SIGN_IN],
        cwd=REPO,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["titles"] == ["Waypoint"]
    assert seen["loaded"] == [[]]


def test_waypoint_ui_hands_over_to_streamlit_without_building_the_assistant(
    tmp_path: Path,
) -> None:
    code = (
        "import os\n"
        "os.execv = lambda *command: None  # where Streamlit would replace this process\n"
        "from assistant.cli import main\n"
        "assert main(['ui', '--port', '8999']) == 0\n"
        "assert 'assistant.container' not in sys.modules"
    )
    assert loaded_after(f"import sys\n{code}", tmp_path) == set()
