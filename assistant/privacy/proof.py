"""Proof that a learner is gone: rows that still name them, and raw bytes that still hold them.

Rows: every text column of every table of the learner database, of the index records and of
the embedded vector store file is searched for the strong terms (see subject.py), and the free
text that describes people also for the first name alone. Bytes: the SQLite files themselves
(the database and its `-wal` log) are read as bytes and searched for the strong terms, which
finds what deleted rows left behind in free pages, slack space and older page copies of the
log. A raw match inside a longer word that a live row holds ("L0012" when L001 was forgotten)
is not counted. On PostgreSQL and a Chroma server the files are not on this machine: the
report says what was checked instead.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import MetaData, String, or_, select

from assistant.learners.db import LearnerDatabase
from assistant.privacy.sqlite_files import files_of, open_sqlite, sqlite_file
from assistant.privacy.subject import FREE_TEXT_COLUMNS, Subject

LEARNER_DB, INDEX_RECORDS, VECTOR_STORE = "learner database", "index records", "vector store"
VECTOR_INDEX_NOTE = (
    "vector index: holds only knowledge chunks (guides, resources, framework entries) that "
    "`waypoint ingest` reads from files; learner data is never indexed. Its documents are the "
    "chunks table of the index records, scanned above."
)
BYTES_NOTE = (
    "raw bytes: the SQLite files and their -wal logs were searched for the id, the student "
    "account and the forms of the full name; the first name alone is checked in rows only"
)
POSTGRES_NOTE = (
    "learner database: PostgreSQL, rows checked through SQL only; the server's files were not "
    "read. PostgreSQL keeps the bytes of deleted rows in its table files until they are reused "
    "or the tables rewritten (VACUUM FULL, which locks them while it runs), and in its "
    "write-ahead log, replicas and backups"
)
SERVER_STORE_NOTE = (
    "vector store: no embedded Chroma file here (a Chroma server, or none built yet): a "
    "server's files are not on this machine and were not checked; it holds only knowledge "
    "chunks, never learner data"
)
BLOCK = 8 * 1024 * 1024  # bytes read at a time
OVERLAP = 64 * 1024  # kept between blocks: longer than any term and any longer word around it


@dataclass(frozen=True)
class TableScan:
    database: str
    table: str
    rows: int  # rows with a text column that names the learner

    def as_json(self) -> dict[str, object]:
        return {"database": self.database, "table": self.table, "rows": self.rows}


@dataclass(frozen=True)
class FileScan:
    database: str
    file: str  # the file's name (no folder)
    places: int  # places in its bytes that hold the id, the account or the name

    def as_json(self) -> dict[str, object]:
        return {"database": self.database, "file": self.file, "places": self.places}


@dataclass(frozen=True)
class ProofReport:
    learner_id: str
    tables: tuple[TableScan, ...]
    files: tuple[FileScan, ...] = ()
    notes: tuple[str, ...] = ()
    # Another program had the database open: its deleted bytes stay until every program has
    # closed it (the app restarts).
    removal_pending: bool = False
    # False on PostgreSQL: the learner database's own files are the server's, not read here.
    database_files_checked: bool = True

    @property
    def remaining(self) -> int:
        return sum(scan.rows for scan in self.tables)

    @property
    def leftover(self) -> int:
        return sum(scan.places for scan in self.files)

    @property
    def clean(self) -> bool:
        return self.remaining == 0 and self.leftover == 0 and not self.removal_pending

    def places_in(self, database: str) -> int:
        return sum(scan.places for scan in self.files if scan.database == database)

    def as_json(self) -> dict[str, object]:
        return {
            "learner_id": self.learner_id,
            "clean": self.clean,
            "remaining": self.remaining,
            "leftover_bytes": self.leftover,
            "removal_pending": self.removal_pending,
            "database_files_checked": self.database_files_checked,
            "tables": [scan.as_json() for scan in self.tables],
            "files": [scan.as_json() for scan in self.files],
            "notes": list(self.notes),
        }


@dataclass
class _LongerWords:
    """Longer words that contain a term but are something else ("L0012" when L001 is
    forgotten, "stu.L0012"), learnt from live rows: raw bytes that spell one are not counted."""

    pattern: re.Pattern[str]
    shapes: dict[tuple[int, int], set[bytes]] = field(default_factory=dict)

    def learn(self, values: Iterable[object]) -> None:
        for text in values:
            if isinstance(text, str):
                for match in self.pattern.finditer(text):
                    self._learn_one(text, *match.span())

    def _learn_one(self, text: str, start: int, end: int) -> None:
        left, right = start, end
        while left > 0 and text[left - 1].isalnum():
            left -= 1
        while right < len(text) and text[right].isalnum():
            right += 1
        if (left, right) != (start, end):
            word = text[left:right].encode().lower()
            offset = len(text[left:start].encode())
            self.shapes.setdefault((offset, len(word)), set()).add(word)

    def explain(self, data: bytes, at: int) -> bool:
        return any(
            at >= offset and data[at - offset : at - offset + length].lower() in words
            for (offset, length), words in self.shapes.items()
        )


class Prover:
    """Scans the learner database, the index records and the vector store file."""

    def __init__(
        self, db: LearnerDatabase, index_file: Path, chroma_file: Path | None = None
    ) -> None:
        self.db = db
        self.index_file = index_file
        self.chroma_file = chroma_file

    def prove(self, subject: Subject, *, removal_pending: bool = False) -> ProofReport:
        words = _LongerWords(subject.unanchored)
        notes = [VECTOR_INDEX_NOTE]
        others = [(INDEX_RECORDS, self.index_file)]
        if self.chroma_file is not None and self.chroma_file.is_file():
            others.append((VECTOR_STORE, self.chroma_file))
        else:
            notes.append(SERVER_STORE_NOTE)
        tables = self._scan_learner_db(subject, words)
        for label, path in others:
            tables += _scan_sqlite(label, path, subject, words, notes)
        learner_file = sqlite_file(self.db.url)
        if learner_file is None:
            notes.append(POSTGRES_NOTE)
        on_disk = ([(LEARNER_DB, learner_file)] if learner_file else []) + others
        notes.append(BYTES_NOTE)
        # After every row scan: the longer words that live rows hold are known by now.
        files = [
            FileScan(label, file.name, count_places(file, subject.raw, words))
            for label, path in on_disk
            if path.is_file()
            for file in files_of(path)
        ]
        return ProofReport(
            subject.learner_id,
            tuple(tables),
            tuple(files),
            tuple(notes),
            removal_pending,
            database_files_checked=learner_file is not None,
        )

    def _scan_learner_db(self, subject: Subject, words: _LongerWords) -> list[TableScan]:
        meta = MetaData()
        meta.reflect(self.db.engine)
        found = []
        with self.db.session() as session:
            for table in meta.sorted_tables:
                columns = [c for c in table.columns if isinstance(c.type, String)]
                free = [f"{table.name}.{c.name}" in FREE_TEXT_COLUMNS for c in columns]
                rows = 0
                if columns:
                    prefilter = or_(
                        *(subject.like(c, weak=w) for c, w in zip(columns, free, strict=True))
                    )
                    for row in session.execute(select(*columns).where(prefilter)):
                        words.learn(row)
                        weak = [v for v, w in zip(row, free, strict=True) if w]
                        if subject.named_in(*row) or subject.named_in(*weak, weak=True):
                            rows += 1
                found.append(TableScan(LEARNER_DB, table.name, rows))
        return found


def _scan_sqlite(
    label: str, path: Path, subject: Subject, words: _LongerWords, notes: list[str]
) -> list[TableScan]:
    """Rows naming the learner in every table (text columns) of a SQLite file."""
    if not path.is_file():
        return []
    found = []
    needles = subject.needles()
    conn = open_sqlite(path, read_only=True)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "ORDER BY name"
            )
        ]
        for table in tables:
            columns = _text_columns(conn, table)
            if not columns:
                found.append(TableScan(label, table, 0))
                continue
            where = " OR ".join(
                f"lower(\"{c}\") LIKE ? ESCAPE '\\'" for c in columns for _ in needles
            )
            params = [f"%{_like(n)}%" for _ in columns for n in needles]
            names = ", ".join(f'"{c}"' for c in columns)
            try:
                rows = 0
                for row in conn.execute(f'SELECT {names} FROM "{table}" WHERE {where}', params):
                    words.learn(row)
                    rows += subject.named_in(*row)
            except sqlite3.DatabaseError as exc:
                # e.g. a full-text index whose module this Python lacks: its text is also in
                # its content table, which is scanned.
                notes.append(f"{label}: {table} not scanned ({exc})")
                continue
            found.append(TableScan(label, table, rows))
    finally:
        conn.close()
    return found


def _like(needle: str) -> str:
    return needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    columns = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
    return [
        str(column[1])
        for column in columns
        if not column[2] or any(t in str(column[2]).upper() for t in ("TEXT", "CHAR", "CLOB"))
    ]


def count_places(path: Path, pattern: re.Pattern[bytes], words: _LongerWords | None = None) -> int:
    """How many places in a file's bytes match the pattern (and are not part of a longer word a
    live row holds). Read a block at a time; a file that is gone counts nothing."""
    count = 0
    try:
        with path.open("rb") as handle:
            tail, counted = b"", 0  # counted: offset in `data` from which matches are new
            while True:
                block = handle.read(BLOCK)
                data = tail + block
                last = len(block) < BLOCK
                limit = len(data) if last else max(len(data) - OVERLAP, counted)
                count += _count(data, pattern, words, counted, limit)
                if last:
                    return count
                keep = min(len(data), 2 * OVERLAP)
                tail, counted = data[-keep:], limit - (len(data) - keep)
    except FileNotFoundError:
        return count


def _count(
    data: bytes, pattern: re.Pattern[bytes], words: _LongerWords | None, start: int, stop: int
) -> int:
    """Matches that begin in data[start:stop]; matched from the beginning of `data`, so that a
    match that began before `start` is not found again from its middle."""
    found = 0
    for match in pattern.finditer(data):
        if match.start() >= stop:
            break
        if match.start() >= start and (words is None or not words.explain(data, match.start())):
            found += 1
    return found
