"""The wheel, installed (not editable) into a fresh virtual environment, runs on its own files.

The venv reuses this machine's installed dependencies (--system-site-packages) and the build
backend installed with the dev extra (--no-build-isolation), so nothing is downloaded. Every
command runs outside the source checkout, so nothing is found there by accident.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from assistant.container import Assistant

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 600


def _run(command: list[str | Path], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    environment.update(env)
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def _checked(done: subprocess.CompletedProcess[str], what: str) -> str:
    assert done.returncode == 0, f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    _checked(_run([*build, "--quiet", "-w", dist, REPO], dist), "building the wheel")
    (built,) = dist.glob("waypoint_cbe-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh venv with the wheel installed."""
    root = tmp_path_factory.mktemp("venv")
    _checked(_run([sys.executable, "-m", "venv", "--system-site-packages", root], root), "venv")
    pip = [root / "bin" / "python", "-m", "pip", "install", "--no-deps", "--quiet", wheel]
    _checked(_run(pip, root), "installing the wheel")
    return root / "bin"


def test_the_wheel_holds_one_package_with_the_knowledge_prompts_and_app_as_its_data(
    wheel: Path,
) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == {"assistant"}  # no top-level `ui` or `evals` in site-packages
    for shipped in (
        "assistant/_bundled/knowledge/frameworks/waypoint-math-ratios-expressions.json",
        "assistant/_bundled/knowledge/demo/roster.csv",
        "assistant/_bundled/prompts/answers.yaml",
        "assistant/_bundled/ui/app.py",
        "assistant/_bundled/models/all-MiniLM-L6-v2-onnx-int8-r2.onnx",  # no export on first use
        "assistant/_bundled/models/all-MiniLM-L6-v2-onnx-int8-r2.json",
        "assistant/learners/migrations/env.py",
    ):
        assert shipped in names


def test_an_installed_wheel_finds_its_bundled_files_and_keeps_a_checkouts_home(
    venv: Path, bundled_assistant: Assistant, tmp_path: Path
) -> None:
    """A home indexed from the source checkout (the session's bundled index) is reused as it
    is: the index names bundled files by a stable root and path, not by where they lie."""
    home = tmp_path / "home"
    shutil.copytree(bundled_assistant.settings.home, home)
    env = {"WAYPOINT_HOME": str(home), "WAYPOINT_PROFILE": "test"}
    show = (
        "from assistant import cli_ui, settings as s\n"
        "from assistant.retrieval.shipped_graph import SHIPPED_MODELS\n"
        "print(s.BUNDLED_KNOWLEDGE, cli_ui.APP, SHIPPED_MODELS)"
    )
    where = _run([venv / "python", "-c", show], tmp_path)
    knowledge, app, models = map(Path, _checked(where, "finding the bundled files").split())
    assert models.is_relative_to(venv.parent) and any(models.glob("*.onnx"))
    assert knowledge.is_relative_to(venv.parent) and (knowledge / "frameworks").is_dir()
    assert app.is_relative_to(venv.parent) and app.is_file()  # what `waypoint ui` runs
    ingest = _run([venv / "waypoint", "ingest", "--json"], tmp_path, **env)
    report = json.loads(_checked(ingest, "waypoint ingest"))
    assert report["problems"] == [] and report["files"] > 50
    assert report["chunks_added"] == 0 and report["files_removed"] == 0, report
    asked = _run([venv / "waypoint", "ask", "What is a unit rate?", "--json"], tmp_path, **env)
    answer = json.loads(_checked(asked, "waypoint ask"))
    assert answer["citations"], answer
    assert "Traceback" not in asked.stderr + ingest.stderr


def test_waypoint_eval_says_the_evaluation_is_not_installed(venv: Path, tmp_path: Path) -> None:
    done = _run([venv / "waypoint", "eval"], tmp_path, WAYPOINT_HOME=str(tmp_path / "home"))
    assert done.returncode == 2
    assert "evaluation (evals/" in done.stderr and "not installed" in done.stderr
    assert "Traceback" not in done.stderr
