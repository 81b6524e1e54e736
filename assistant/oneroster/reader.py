"""Reading a OneRoster CSV set from a folder or a .zip: the manifest, then the files it names.

Every file goes through the project's CSV reader (upload limit, UTF-8, NULs, malformed CSV,
repeated columns) with the binding's required columns; a problem in one file does not stop
the others from being read, so that one error lists them all. Cells lose the apostrophe that
Waypoint's formula-safe writer puts in front of a cell that could start a formula.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from assistant.csv_rows import CsvRow, parse_csv, read_bytes, shown
from assistant.csv_safety import unescape_cell
from assistant.errors import CsvImportError, RowProblem
from assistant.oneroster.errors import OneRosterFileError, Problem
from assistant.oneroster.spec import (
    MANIFEST_FILES,
    MANIFEST_VERSION,
    MODES,
    ONEROSTER_VERSION,
    TABLES,
)

MANIFEST = "manifest.csv"


@dataclass(frozen=True)
class SourceFile:
    name: str
    mode: str  # bulk or delta
    rows: tuple[CsvRow, ...]
    header: tuple[str, ...]


@dataclass
class OneRosterSet:
    """The files of a set by table name (only those the manifest lists as bulk or delta)."""

    source: str
    modes: dict[str, str] = field(default_factory=dict)
    files: dict[str, SourceFile] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    system: str = ""

    def rows(self, table: str) -> tuple[CsvRow, ...]:
        found = self.files.get(table)
        return found.rows if found else ()

    def mode(self, table: str) -> str:
        return self.modes.get(table, "absent")


class _Blobs:
    """The bytes of a set's files by name, from a folder or a zip (one folder level allowed)."""

    def __init__(self, path: Path, max_bytes: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.members: dict[str, zipfile.ZipInfo] = {}
        if path.is_file():
            try:
                self.archive: zipfile.ZipFile | None = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise OneRosterFileError(
                    path.name, [_row_problem(f"not a zip file ({exc})")]
                ) from exc
            for info in self.archive.infolist():
                if not info.is_dir():
                    self.members.setdefault(PurePosixPath(info.filename).name, info)
        elif path.is_dir():
            self.archive = None
        else:
            raise OneRosterFileError(path.name, [_row_problem("no such folder or zip file")])

    def has(self, name: str) -> bool:
        if self.archive is not None:
            return name in self.members
        return (self.path / name).is_file()

    def read(self, name: str) -> bytes:
        if self.archive is None:
            return read_bytes(self.path / name, OneRosterFileError, self.max_bytes)
        info = self.members[name]
        if info.file_size > self.max_bytes:
            reason = (
                f"the file is {info.file_size:,} bytes, over the upload limit of "
                f"{self.max_bytes:,} bytes"
            )
            raise OneRosterFileError(name, [_row_problem(reason)])
        with self.archive.open(info) as handle:
            raw = handle.read(self.max_bytes + 1)
        if len(raw) > self.max_bytes:
            raise OneRosterFileError(name, [_row_problem("the file is over the upload limit")])
        return raw

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()


def read_set(path: Path, max_bytes: int) -> OneRosterSet:
    """The set's manifest and files; problems are collected, not raised (except for a path
    that is neither a folder nor a zip file, raised as OneRosterFileError)."""
    blobs = _Blobs(path, max_bytes)
    found = OneRosterSet(path.name)
    try:
        if not blobs.has(MANIFEST):
            found.problems.append(Problem(MANIFEST, 1, "missing: every OneRoster set has one"))
            return found
        manifest = _read(blobs, MANIFEST, ("propertyname", "value"), found.problems)
        if manifest is None:
            return found
        found.modes, found.system = _manifest(manifest, found.problems)
        for table, mode in sorted(found.modes.items()):
            if mode == "absent" or table not in TABLES:
                continue
            name = TABLES[table].file_name
            if not blobs.has(name):
                reason = f"the manifest says file.{table} is {mode}, but {name} is not in the set"
                found.problems.append(Problem(MANIFEST, 1, reason))
                continue
            required = tuple(c.lower() for c in TABLES[table].required)
            read = _read(blobs, name, required, found.problems)
            if read is not None:
                header, rows = read
                found.files[table] = SourceFile(name, mode, rows, header)
    finally:
        blobs.close()
    return found


def _read(
    blobs: _Blobs, name: str, required: tuple[str, ...], problems: list[Problem]
) -> tuple[tuple[str, ...], tuple[CsvRow, ...]] | None:
    try:
        raw = blobs.read(name)
        header, rows = parse_csv(raw, Path(name), required, OneRosterFileError)
        cells = tuple(
            CsvRow(row.line, {k: unescape_cell(v) for k, v in row.values.items()}) for row in rows
        )
    except CsvImportError as exc:
        problems.extend(Problem(name, p.line, p.reason) for p in exc.problems)
        return None
    return tuple(header), cells


def _manifest(
    read: tuple[tuple[str, ...], tuple[CsvRow, ...]], problems: list[Problem]
) -> tuple[dict[str, str], str]:
    _, rows = read
    properties: dict[str, tuple[str, int]] = {}
    for row in rows:
        name, value = row.get("propertyname"), row.get("value")
        if name in properties:
            where = properties[name][1]
            problems.append(Problem(MANIFEST, row.line, f"{name} is already on line {where}"))
            continue
        properties[name] = (value, row.line)
    for name, wanted in (
        ("manifest.version", MANIFEST_VERSION),
        ("oneroster.version", ONEROSTER_VERSION),
    ):
        value, line = properties.get(name, ("", 1))
        if value != wanted:
            got = f"is {shown(value)}" if value else "is missing"
            problems.append(Problem(MANIFEST, line, f"{name} {got}; it must be {wanted}"))
    modes: dict[str, str] = {}
    known = {f"file.{name}": name for name in MANIFEST_FILES}
    for name, (value, line) in properties.items():
        if not name.startswith("file."):
            continue
        if name not in known:
            problems.append(Problem(MANIFEST, line, f"unknown file property {shown(name)}"))
        elif value not in MODES:
            problems.append(
                Problem(MANIFEST, line, f"{name} is {shown(value)}; use absent, bulk or delta")
            )
        else:
            modes[known[name]] = value
    return modes, properties.get("source.systemName", ("", 0))[0]


def _row_problem(reason: str) -> RowProblem:
    return RowProblem(1, reason)
