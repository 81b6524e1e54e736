"""Four scripted learners for the leader figures, worked out by hand in the tests.

Period 1 to 30 October 2026 (30 days). The catalog's prerequisites used: M.6.RP.3 builds on
M.6.RP.1, M.6.RP.4 on M.6.RP.3; M.6.RP.1 and H.SD.A.1 build on nothing. Scale rule: window 4,
decay 0.5, proficient at 3.

Anna (A)  RP.1 3 on 20 Sep (proficient before the period); RP.1 4 on 5 Oct (already mastered);
          RP.3 2 on 6 Oct, 3 on 13 Oct (average (0.5*2 + 3) / 1.5 = 2.67 -> 3: reached after
          7 days); RP.4 4 on 5 Nov (after the period: never read). Last evidence 13 Oct.
Ben (B)   RP.4 2 on 2, 9 and 20 Oct (RP.3 has no evidence: not ready, three times; stuck from
          20 Oct: two pieces below the bar, 18 days, no new high); RP.1 3 on 27 Oct (reached
          the same day); H.SD.A.1 3 on 15 Oct (habits: reached the same day).
Cleo (C)  RP.1 1 on 1 and 3 Oct (stuck: twice at the lowest level), 2 on 10 Oct (not stuck:
          9 days), 2 on 16 Oct (stuck again: 15 days, no new high); the teacher sets level 3 on
          28 Oct (proficient, reached 27 days after 1 Oct; an override is never stuck).
          Last evidence 16 Oct: exactly 14 days before the period ends.
Dev (D)   no evidence at all.

Classes: K1 (mathematics) Anna, Ben, Cleo; K2 (habits of success) Ben, Dev.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from assistant.container import Assistant, build_assistant
from assistant.learners.access import LOCAL_ADMIN
from assistant.settings import Settings
from tests.support_homes import copied_home
from tests.support_learners import EVIDENCE_HEADER, MATH, write_csv

HABITS = "Waypoint Habits of Success"
START, END = date(2026, 10, 1), date(2026, 10, 30)
EVIDENCE = (  # learner, code, level, day
    ("A", "M.6.RP.1", 3, "2026-09-20"),
    ("A", "M.6.RP.1", 4, "2026-10-05"),
    ("A", "M.6.RP.3", 2, "2026-10-06"),
    ("A", "M.6.RP.3", 3, "2026-10-13"),
    ("A", "M.6.RP.4", 4, "2026-11-05"),
    ("B", "M.6.RP.4", 2, "2026-10-02"),
    ("B", "M.6.RP.4", 2, "2026-10-09"),
    ("B", "M.6.RP.4", 2, "2026-10-20"),
    ("B", "M.6.RP.1", 3, "2026-10-27"),
    ("B", "H.SD.A.1", 3, "2026-10-15"),
    ("C", "M.6.RP.1", 1, "2026-10-01"),
    ("C", "M.6.RP.1", 1, "2026-10-03"),
    ("C", "M.6.RP.1", 2, "2026-10-10"),
    ("C", "M.6.RP.1", 2, "2026-10-16"),
)
DECISION = (
    "C",
    "M.6.RP.1",
    3,
    "t1",
    "Conference: explained ratios on a tape diagram",
    datetime(2026, 10, 28, 15),
)
LEARNERS = ("A", "B", "C", "D")
NAMES = {"A": "Anna Able", "B": "Ben Baker", "C": "Cleo Cole", "D": "Dev Dunn"}
CLASSES = [
    ["class_id", "name", "framework", "focus"],
    ["K1", "Maths K1", MATH, ""],
    ["K2", "Advisory K2", HABITS, ""],
]
PEOPLE = [
    ["user_id", "role", "name", "learner_id", "grade", "classes", "children"],
    ["adm", "admin", "Ada Admin", "", "", "", ""],
    ["lead", "leader", "Lee Leader", "", "", "", ""],
    ["t1", "teacher", "Tess One", "", "", "K1;K2", ""],
    ["sA", "student", NAMES["A"], "A", "6", "K1", ""],
    ["sB", "student", NAMES["B"], "B", "6", "K1;K2", ""],
    ["sC", "student", NAMES["C"], "C", "6", "K1", ""],
    ["sD", "student", NAMES["D"], "D", "6", "K2", ""],
    ["pA", "parent", "Pat Able", "", "", "", "A"],
]


def leader_school(tmp_path: Path) -> Assistant:
    """The four learners in a fresh database (no embedding model): a copy of one loaded once
    per process (tests/support_homes), or loaded into `tmp_path`'s home when that exists."""
    if not copied_home(tmp_path / "home", "leaders", _load_school):
        return _load_school(tmp_path)
    for name, rows in _files():
        write_csv(tmp_path / name, rows)  # the files the school was loaded from
    return build_assistant(Settings(profile="test", home=tmp_path / "home"))


def _files() -> list[tuple[str, list[list[object]]]]:
    evidence = [
        [lid, code, level, day, "", "classwork", "K", ""] for lid, code, level, day in EVIDENCE
    ]
    return [
        ("classes.csv", CLASSES),
        ("people.csv", PEOPLE),
        ("ev.csv", [EVIDENCE_HEADER, *evidence]),
    ]


def _load_school(tmp_path: Path) -> Assistant:
    built = build_assistant(Settings(profile="test", home=tmp_path / "home"))
    files = {name: write_csv(tmp_path / name, rows) for name, rows in _files()}
    built.roster_importer.import_files([files["classes.csv"], files["people.csv"]], LOCAL_ADMIN)
    built.evidence_importer.import_file(files["ev.csv"], LOCAL_ADMIN, allow_future=True)
    learner, code, level, by, reason, at = DECISION
    entry = built.catalog.lookup(code)
    assert entry is not None
    built.learner_store.add_override(
        learner, entry.identifier, level, decided_by=by, reason=reason, decided_at=at
    )
    return built
