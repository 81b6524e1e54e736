"""Shared pieces of the fuzz tests: Hypothesis profiles, hostile cell values, database dumps.

Profiles: "ci" (the default: a short, deterministic budget that runs with every `pytest`) and
"long" (2,000 examples per test, random each run), chosen with WAYPOINT_FUZZ=long.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Hypothesis caches (Unicode tables, constants) outside the repository; set it to keep them.
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", str(Path(tempfile.gettempdir()) / "waypoint-hypothesis")
)
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import select

from assistant.container import Assistant
from assistant.learners.db import (
    ClassFocus,
    ClassTeacher,
    Enrolment,
    Evidence,
    EvidenceImport,
    Guardianship,
    Learner,
    MasteryOverride,
    SchoolClass,
    User,
)

REPO = Path(__file__).resolve().parents[2]
FRAMEWORKS = REPO / "knowledge" / "frameworks"
CASE_SAMPLES = REPO / "tests" / "data" / "case"  # copies of ../shared/case-samples

settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=2000,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = "long" if os.environ.get("WAYPOINT_FUZZ", "").strip().lower() == "long" else "ci"


def fuzz(share: float = 1.0) -> settings:
    """The active profile's settings, with `share` of its examples (for the costlier tests)."""
    base = settings.get_profile(PROFILE)
    return settings(base, max_examples=max(5, round(base.max_examples * share)))


# Cells a spreadsheet could run as formulas (OWASP), and other hostile text.
FORMULAS = (
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.invalid","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "=1+1\n=2+2",
)
HOSTILE_TEXT = (
    *FORMULAS,
    "",
    " ",
    "\u00e9l\u00e8ve \u2013 \u00fcber",
    "\ufeffbom",
    "a,b;c",
    '"quoted"',
    "x" * 300,
)
hostile_text = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=20),
)


def csv_line(cells: list[str]) -> str:
    """One CSV record by hand (so that cells with quotes, commas and breaks stay hostile)."""
    quoted = []
    for cell in cells:
        if any(ch in cell for ch in ',"\r\n'):
            quoted.append('"' + cell.replace('"', '""') + '"')
        else:
            quoted.append(cell)
    return ",".join(quoted)


ENCODINGS = ("utf-8", "utf-8-sig", "utf-16")
encodings = st.sampled_from(ENCODINGS)
newlines = st.sampled_from(("\n", "\r\n"))


def write_text_file(path: Path, lines: list[str], encoding: str, newline: str) -> Path:
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


TABLES = (
    (User, User.id),
    (Learner, Learner.id),
    (SchoolClass, SchoolClass.id),
    (ClassTeacher, ClassTeacher.class_id),
    (Enrolment, Enrolment.class_id),
    (Guardianship, Guardianship.parent_id),
    (ClassFocus, ClassFocus.class_id),
    (EvidenceImport, EvidenceImport.id),
    (Evidence, Evidence.id),
    (MasteryOverride, MasteryOverride.id),
)


def dump(school: Assistant) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every learner-data table, in a stable order (audit logs left out)."""
    found: dict[str, list[tuple[object, ...]]] = {}
    with school.learner_db.session() as session:
        for model, _ in TABLES:
            columns = [c for c in model.__table__.columns]
            rows = session.execute(select(*columns)).all()
            found[model.__tablename__] = sorted(
                (tuple(row) for row in rows), key=lambda r: tuple(map(repr, r))
            )
    return found


@contextmanager
def peak_memory() -> Iterator[list[int]]:
    """The peak of Python allocations in the block, in bytes (one-element list, set on exit)."""
    import tracemalloc

    result = [0]
    tracemalloc.start()
    try:
        yield result
    finally:
        result[0] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


def sparse_file(path: Path, size: int) -> Path:
    """A file of `size` bytes that takes no disk space (and no time to make)."""
    with path.open("wb") as handle:
        handle.truncate(size)
    return path
