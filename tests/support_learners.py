"""Helpers for learner-model tests: a tiny school in a temporary SQLite database."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

from assistant.container import Assistant, build_assistant
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.mastery import ProficiencyScaleRule
from assistant.learners.types import MasteryEstimate, Observation
from assistant.settings import BUNDLED_KNOWLEDGE, Settings
from tests.support_homes import copied_home

MATH = "Waypoint Middle-School Mathematics: Ratios, Proportional Reasoning and Expressions"
EVIDENCE_HEADER = (
    "learner_id",
    "competency",
    "score",
    "observed_at",
    "max_score",
    "evidence_type",
    "source",
    "note",
)
CLASSES = [
    ["class_id", "name", "framework", "focus"],
    ["M1", "Maths one", MATH, "M.6.RP.6"],
    ["M2", "Maths two", MATH, ""],
]
PEOPLE = [
    ["user_id", "role", "name", "learner_id", "grade", "classes", "children"],
    ["adm", "admin", "Ada Admin", "", "", "", ""],
    ["t1", "teacher", "Tess One", "", "", "M1", ""],
    ["t2", "teacher", "Theo Two", "", "", "M2", ""],
    ["s1", "student", "Anna Able", "A", "6", "M1", ""],
    ["s2", "student", "Ben Baker", "B", "6", "M1", ""],
    ["", "student", "Cleo Cole", "C", "6", "M2", ""],
    ["p1", "parent", "Pat Able", "", "", "", "A"],
]


def write_csv(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def small_school(tmp_path: Path, **settings: object) -> Assistant:
    """An assistant over a fresh database with the tiny roster above (no embedding model): a
    copy of one imported once per process (tests/support_homes), or imported into `tmp_path`'s
    home again when that exists already."""
    home = tmp_path / "home"
    if not copied_home(home, ("small", *sorted(settings.items())), _roster_school(settings)):
        return _import_roster(tmp_path, settings)
    write_csv(tmp_path / "classes.csv", CLASSES)  # the files the roster was imported from
    write_csv(tmp_path / "people.csv", PEOPLE)
    return build_assistant(Settings(profile="test", home=home, **settings))


def _import_roster(folder: Path, settings: dict[str, object]) -> Assistant:
    built = build_assistant(Settings(profile="test", home=folder / "home", **settings))
    classes = write_csv(folder / "classes.csv", CLASSES)
    people = write_csv(folder / "people.csv", PEOPLE)
    built.roster_importer.import_files([classes, people], LOCAL_ADMIN)
    return built


def _roster_school(settings: dict[str, object]) -> Callable[[Path], Assistant]:
    return lambda folder: _import_roster(folder, settings)


def evidence_file(tmp_path: Path, rows: Sequence[Sequence[object]], name: str = "ev.csv") -> Path:
    return write_csv(tmp_path / name, [EVIDENCE_HEADER, *rows])


def bundled_catalog() -> FrameworkCatalog:
    return FrameworkCatalog.load(BUNDLED_KNOWLEDGE)


def estimates_from(
    catalog: FrameworkCatalog, evidence: dict[str, list[tuple[float, str]]]
) -> dict[str, MasteryEstimate]:
    """Scale-rule estimates (window 4, decay 0.5) from {code: [(level, 'YYYY-MM-DD'), ...]}."""
    rule = ProficiencyScaleRule(4, 0.5)
    found: dict[str, MasteryEstimate] = {}
    for code, pieces in evidence.items():
        entry = catalog.lookup(code)
        assert entry is not None, code
        history = [
            Observation(datetime.combine(date.fromisoformat(day), datetime.min.time()), lv, n)
            for n, (lv, day) in enumerate(pieces)
        ]
        found[entry.identifier] = rule.estimate(
            entry.identifier, history, catalog.scale(entry.identifier)
        )
    return found


def math_id(catalog: FrameworkCatalog) -> str:
    framework = catalog.framework(MATH)
    assert framework is not None
    return framework.identifier


def code_of(catalog: FrameworkCatalog, identifier: str) -> str:
    return catalog.entry(identifier).code


def credentials_school(tmp_path: Path, code: str = "M.6.RP.1") -> Assistant:
    """A small school where A is proficient on `code` by evidence (three 3s) and B at 2 on it:
    the credential tests' school."""
    built = small_school(tmp_path)
    rows = [
        ["A", code, "3", "2026-09-01", "", "quiz", "q1", "private note about Anna"],
        ["A", code, "3", "2026-09-15", "", "quiz", "q2", ""],
        ["A", code, "3", "2026-10-01", "", "project", "p1", ""],
        ["B", code, "2", "2026-10-01", "", "quiz", "q1", ""],
    ]
    built.evidence_importer.import_file(evidence_file(tmp_path, rows), LOCAL_ADMIN)
    return built
