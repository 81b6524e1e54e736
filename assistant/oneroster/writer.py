"""Writing a OneRoster 1.2 CSV set (bulk) to a folder or a .zip, formula-safe.

Every file goes through assistant/csv_safety.py, so a cell that could start a formula gets an
apostrophe in front (the reader takes it off again). Columns are the binding's, in its order;
`status` and `dateLastModified` are blank, as a bulk file has them.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from assistant.csv_safety import csv_text
from assistant.oneroster.spec import MANIFEST_FILES, MANIFEST_VERSION, ONEROSTER_VERSION, TABLES

Rows = Sequence[Mapping[str, str]]
NOT_A_GUID = re.compile(r"[^0-9A-Za-z./@_-]")
SYSTEM = ("Waypoint", "waypoint")


def guid(text: str) -> str:
    """A sourcedId made of text (characters the binding does not allow become `_`)."""
    return NOT_A_GUID.sub("_", text)[:255]


def ceds_grade(grade: str) -> str:
    """Waypoint's grade "6" as the CEDS grade "06" OneRoster uses."""
    return grade.zfill(2) if grade.isdigit() and len(grade) == 1 else grade


def split_name(name: str) -> tuple[str, str]:
    """Given and family name: the last word is the family name."""
    words = name.split()
    if len(words) < 2:
        return name, name
    return " ".join(words[:-1]), words[-1]


def set_files(
    tables: Mapping[str, Rows], extra_columns: Mapping[str, Sequence[str]] | None = None
) -> dict[str, str]:
    """The text of each file of the set, manifest.csv included (tables by binding name)."""
    extra = extra_columns or {}
    files: dict[str, str] = {}
    manifest = [
        ["manifest.version", MANIFEST_VERSION],
        ["oneroster.version", ONEROSTER_VERSION],
    ]
    for name in MANIFEST_FILES:
        manifest.append([f"file.{name}", "bulk" if name in tables else "absent"])
    manifest += [["source.systemName", SYSTEM[0]], ["source.systemCode", SYSTEM[1]]]
    files["manifest.csv"] = csv_text(manifest, ["propertyName", "value"])
    for name, rows in tables.items():
        columns = [*TABLES[name].columns, *extra.get(name, ())]
        cells = [[row.get(column, "") for column in columns] for row in rows]
        files[TABLES[name].file_name] = csv_text(cells, columns)
    return files


def write_files(files: Mapping[str, str], out: Path) -> list[Path]:
    """Write to a .zip when `out` ends in .zip, else into the folder `out` (made if needed)."""
    if out.suffix.lower() == ".zip":
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(files):
                archive.writestr(name, files[name])
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in sorted(files):
        path = out / name
        path.write_text(files[name], encoding="utf-8", newline="")
        written.append(path)
    return written
