"""Proof that a learner is gone: rows that still name them, and raw bytes that still hold them.

Rows: every text column of every table of the learner database, of the index records and of
the embedded vector store file is searched for the strong terms (see subject.py), and the free
text that describes people also for the first name alone. Bytes: the SQLite files themselves
(the database and its `-wal` log) are read as bytes and searched for the strong terms, which
finds what deleted rows left behind in free pages, slack space and older page copies of the
log. A raw match inside a longer word that a live row holds ("L0012" when L001 was forgotten)
is not counted. On PostgreSQL and a Chroma server the files are not on this machine: the
report says what was checked instead.

Each store scans itself (`types.PrivacyScannable`: `learners.text_scan.LearnerDatabaseScan`,
`index.records.IndexRecords`, `index.vectorstore.EmbeddedStoreFile`): it returns the rows a
cheap case-insensitive search finds and its files; the patterns here confirm each row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.privacy.sqlite_files import files_of
from assistant.privacy.subject import FREE_TEXT_COLUMNS, Subject
from assistant.types import PrivacyScannable

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
# Said when a store has no file on this machine; the vector store's before the row scans.
NO_FILE_NOTES = {LEARNER_DB: POSTGRES_NOTE, VECTOR_STORE: SERVER_STORE_NOTE}
SCANS_NOTED_FIRST = (VECTOR_STORE,)
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
        for (offset, length), words in self.shapes.items():  # a loop: called for every match
            if at >= offset and data[at - offset : at - offset + length].lower() in words:
                return True
        return False


class Prover:
    """Scans each store (the learner database, the index records, the vector store file) through
    `PrivacyScannable`: its rows that may name the learner, confirmed here, then its files'
    bytes."""

    def __init__(self, stores: Sequence[PrivacyScannable]) -> None:
        self.stores = tuple(stores)

    def prove(self, subject: Subject, *, removal_pending: bool = False) -> ProofReport:
        words = _LongerWords(subject.unanchored)
        notes = [VECTOR_INDEX_NOTE]
        on_disk = {store.scan_label: store.scan_files() for store in self.stores}
        notes += [NO_FILE_NOTES[label] for label in SCANS_NOTED_FIRST if _missing(on_disk, label)]
        tables: list[TableScan] = []
        for store in self.stores:
            tables += _confirm(store, subject, words, notes)
        notes += [NO_FILE_NOTES[label] for label in (LEARNER_DB,) if _missing(on_disk, label)]
        notes.append(BYTES_NOTE)
        # After every row scan: the longer words that live rows hold are known by now.
        files = [
            FileScan(label, file.name, count_places(file, subject.raw, words))
            for label, paths in on_disk.items()
            for path in paths
            if path.is_file()
            for file in files_of(path)
        ]
        return ProofReport(
            subject.learner_id,
            tuple(tables),
            tuple(files),
            tuple(notes),
            removal_pending,
            database_files_checked=bool(on_disk.get(LEARNER_DB)),
        )


def _missing(on_disk: dict[str, list[Path]], label: str) -> bool:
    return label in on_disk and not on_disk[label]


def _confirm(
    store: PrivacyScannable, subject: Subject, words: _LongerWords, notes: list[str]
) -> list[TableScan]:
    """The store's candidate rows, confirmed by the subject's patterns, per table."""
    found = []
    for table in store.rows_naming(
        subject.needles(), subject.needles(weak=True), FREE_TEXT_COLUMNS
    ):
        if table.problem:
            notes.append(f"{store.scan_label}: {table.problem}")
            continue
        rows = 0
        for index, row in enumerate(table.rows):
            words.learn(row)
            weak = table.free_text[index] if table.free_text else ()
            if subject.named_in(*row) or subject.named_in(*weak, weak=True):
                rows += 1
        found.append(TableScan(store.scan_label, table.table, rows))
    return found


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
