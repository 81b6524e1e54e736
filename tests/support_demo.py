"""The demo school built once per test process, copied for each test or module that asks.

Loading the demo school (a few hundred learners, their evidence and interventions) takes seconds;
copying the home folder it leaves takes milliseconds. Each copy is private: tests may write to it.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from assistant.container import build_assistant
from assistant.demo.load import DemoLoadReport, load_demo
from assistant.learners.access import LOCAL_ADMIN
from assistant.settings import Settings

_TEMPLATES: dict[bool, Path] = {}
_REPORTS: dict[bool, DemoLoadReport] = {}


def _build(home: Path, *, interventions: bool) -> DemoLoadReport:
    built = build_assistant(Settings(profile="test", home=home))
    report = load_demo(
        built.roster_importer,
        built.evidence_importer,
        built.overrides,
        LOCAL_ADMIN,
        interventions=(
            (lambda path: built.interventions.import_file(path, allow_future=True))
            if interventions
            else None
        ),
    )
    built.records.close()
    built.learner_db.dispose()  # the last connection closed: the SQLite logs are folded in
    return report


def _template(*, interventions: bool) -> Path:
    if interventions not in _TEMPLATES:
        folder = Path(tempfile.mkdtemp(prefix="waypoint-demo-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _REPORTS[interventions] = _build(folder / "home", interventions=interventions)
        _TEMPLATES[interventions] = folder / "home"
    return _TEMPLATES[interventions]


def copy_demo_home(home: Path, *, interventions: bool = True) -> Path:
    """Fill `home` (which must not exist yet) with a private copy of the demo school's home:
    the learner database and index records `load_demo` leaves, with the demo's interventions
    imported or not. No embedding model is loaded."""
    shutil.copytree(_template(interventions=interventions), home)
    return home


def demo_load_report(*, interventions: bool = True) -> DemoLoadReport:
    """What loading the demo school into a new database reported (the load the copies come
    from)."""
    _template(interventions=interventions)
    return _REPORTS[interventions]
