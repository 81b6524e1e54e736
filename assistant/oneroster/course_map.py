"""The course-map file: which framework a OneRoster course follows (classes carry none).

A CSV with the columns `course_code` (a course's `courseCode`) and `framework` (a framework's
CASE identifier or title). Every bad row is a Problem naming the file and line.
"""

from __future__ import annotations

from pathlib import Path

from assistant.csv_rows import read_csv, shown
from assistant.errors import CsvImportError
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.oneroster.errors import OneRosterFileError, Problem


def read_course_map(
    path: Path, catalog: FrameworkCatalog, problems: list[Problem], max_bytes: int
) -> dict[str, str]:
    """Course code: framework identifier."""
    try:
        _, rows, _ = read_csv(
            path, ("course_code", "framework"), OneRosterFileError, max_bytes=max_bytes
        )
    except CsvImportError as exc:
        problems.extend(Problem(path.name, p.line, p.reason) for p in exc.problems)
        return {}
    found: dict[str, str] = {}
    lines: dict[str, int] = {}
    for row in rows:
        code, name = row.get("course_code"), row.get("framework")
        framework = catalog.framework(name) if name else None
        if not code:
            problems.append(Problem(path.name, row.line, "course_code is empty"))
        elif code in lines:
            reason = f"course_code {code!r} is already on line {lines[code]}"
            problems.append(Problem(path.name, row.line, reason))
        elif framework is None:
            problems.append(Problem(path.name, row.line, f"unknown framework {shown(name)}"))
        else:
            lines[code] = row.line
            found[code] = framework.identifier
    return found
