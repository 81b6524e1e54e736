"""The record manager: which chunks of which file are in the vector store.

A SQLite file under WAYPOINT_HOME. A chunk's record is written only after its vector, so a crash
mid-ingest leaves records that under-report, and the next run completes the work. Each file's new
state is one transaction (SQLite rolls a half-written one back when its writer dies), and a
`dirty` flag, set before the first vector write of a run and cleared when the run ends, tells the
next run that the vector store may hold vectors no record names.
"""

from __future__ import annotations

import json
import sqlite3
import struct
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.errors import StoreUnavailableError
from assistant.index.sqlite_scan import rows_naming_in
from assistant.types import Chunk, TableRows

# Set before a run's first vector write, cleared when it ends: while set, the vector store may
# disagree with these records and the next ingest compares and repairs them.
VERIFY_FLAG = "verify_vectors"
# Set when the embedding cache holds only vectors of indexed text (chunks): always, since
# typed questions are never cached on disk; a cache written by an earlier version, which also
# cached them, gets it once forget-learner has dropped the rest.
DOCUMENT_VECTORS_FLAG = "cache_holds_only_document_vectors"
# The name of the embedder (model and backend) that wrote the vector store's vectors.
EMBEDDER = "embedder"

SCHEMA = """
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    root TEXT NOT NULL,
    path TEXT NOT NULL,
    source TEXT NOT NULL,
    text TEXT NOT NULL,
    metadata TEXT NOT NULL,
    indexed_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_file ON chunks(root, path);
CREATE INDEX IF NOT EXISTS chunks_by_source ON chunks(source);
CREATE TABLE IF NOT EXISTS files (
    root TEXT NOT NULL,
    path TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    kind TEXT NOT NULL,
    indexed_at REAL NOT NULL,
    PRIMARY KEY (root, path)
);
CREATE TABLE IF NOT EXISTS frameworks (
    identifier TEXT NOT NULL,
    root TEXT NOT NULL,
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    PRIMARY KEY (root, path)
);
CREATE TABLE IF NOT EXISTS embedding_cache (
    key TEXT PRIMARY KEY,
    vector BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS text_checks (key TEXT PRIMARY KEY, flagged INTEGER NOT NULL);
"""


@dataclass(frozen=True)
class FileRecord:
    root: str
    path: str
    fingerprint: str
    kind: str


class IndexRecords:
    """Records of indexed files and chunks, the framework summaries and the embedding cache.
    A `PrivacyScannable` store: a privacy proof reads its rows and its file."""

    scan_label = "index records"

    def __init__(self, db_path: Path) -> None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self.db_path = db_path
        self._local = threading.local()
        try:
            with self._connect() as conn:
                conn.executescript(SCHEMA)
                if conn.execute("SELECT 1 FROM embedding_cache LIMIT 1").fetchone() is None:
                    conn.execute(
                        "INSERT OR IGNORE INTO meta VALUES (?, '1')", (DOCUMENT_VECTORS_FLAG,)
                    )
        except sqlite3.Error as exc:
            self.close()
            raise StoreUnavailableError(
                f"the index records in {db_path} cannot be opened: {exc}; remove that file and "
                "run `waypoint ingest` to rebuild it"
            ) from exc

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.db_path, timeout=30)
            conn.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten with zeros
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        with conn:
            yield conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # files -----------------------------------------------------------------
    def file(self, root: str, path: str) -> FileRecord | None:
        row = (
            self._connection()
            .execute(
                "SELECT root, path, fingerprint, kind FROM files WHERE root=? AND path=?",
                (root, path),
            )
            .fetchone()
        )
        return FileRecord(*row) if row else None

    def files_under(self, root: str) -> list[FileRecord]:
        rows = (
            self._connection()
            .execute("SELECT root, path, fingerprint, kind FROM files WHERE root=?", (root,))
            .fetchall()
        )
        return [FileRecord(*row) for row in rows]

    def chunk_ids(self, root: str, path: str) -> set[str]:
        rows = (
            self._connection()
            .execute("SELECT id FROM chunks WHERE root=? AND path=?", (root, path))
            .fetchall()
        )
        return {row[0] for row in rows}

    def commit_file(
        self,
        record: FileRecord,
        added: Sequence[Chunk],
        removed: Iterable[str],
        framework: tuple[str, str, dict[str, object]] | None = None,
    ) -> None:
        """Record one file's new state in a single transaction."""
        now = time.time()
        with self._connect() as conn:
            conn.executemany("DELETE FROM chunks WHERE id=?", [(cid,) for cid in removed])
            conn.executemany(
                "INSERT OR REPLACE INTO chunks VALUES (?,?,?,?,?,?,?)",
                [
                    (
                        c.id,
                        record.root,
                        record.path,
                        c.source,
                        c.text,
                        json.dumps(c.metadata, sort_keys=True),
                        now,
                    )
                    for c in added
                ],
            )
            conn.execute(
                "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?)",
                (record.root, record.path, record.fingerprint, record.kind, now),
            )
            conn.execute(
                "DELETE FROM frameworks WHERE root=? AND path=?", (record.root, record.path)
            )
            if framework is not None:
                identifier, title, summary = framework
                conn.execute(
                    "INSERT OR REPLACE INTO frameworks VALUES (?,?,?,?,?)",
                    (
                        identifier,
                        record.root,
                        record.path,
                        title,
                        json.dumps(summary, sort_keys=True),
                    ),
                )
            self._bump_generation(conn)

    def forget_file(self, root: str, path: str) -> None:
        with self._connect() as conn:
            conn.execute("DELETE FROM chunks WHERE root=? AND path=?", (root, path))
            conn.execute("DELETE FROM files WHERE root=? AND path=?", (root, path))
            conn.execute("DELETE FROM frameworks WHERE root=? AND path=?", (root, path))
            self._bump_generation(conn)

    # chunks ----------------------------------------------------------------
    def all_chunks(self) -> list[Chunk]:
        rows = (
            self._connection()
            .execute("SELECT id, source, text, metadata FROM chunks ORDER BY rowid")
            .fetchall()
        )
        return [Chunk(id=r[0], source=r[1], text=r[2], metadata=json.loads(r[3])) for r in rows]

    def source_chunks(self, source: str) -> list[tuple[str, Chunk]]:
        """Every chunk of one source (a guide's path, a framework's title) with the root it was
        indexed from, in the order they were recorded."""
        rows = (
            self._connection()
            .execute(
                "SELECT root, id, source, text, metadata FROM chunks WHERE source=? ORDER BY rowid",
                (source,),
            )
            .fetchall()
        )
        return [
            (str(r[0]), Chunk(id=r[1], source=r[2], text=r[3], metadata=json.loads(r[4])))
            for r in rows
        ]

    def chunk_texts(self) -> Iterator[str]:
        for (text,) in self._connection().execute("SELECT text FROM chunks"):
            yield str(text)

    def rows_naming(
        self,
        needles: Sequence[str],
        weak_needles: Sequence[str] = (),
        free_text: frozenset[str] = frozenset(),
    ) -> list[TableRows]:
        """Rows of every table holding a needle (the records hold no free text about people,
        so the weak needles are not used)."""
        return rows_naming_in(self.db_path, needles)

    def scan_files(self) -> list[Path]:
        return [self.db_path] if self.db_path.is_file() else []

    def frameworks(self) -> list[dict[str, object]]:
        rows = self._connection().execute(
            "SELECT identifier, root, path, title, summary FROM frameworks ORDER BY title"
        )
        return [
            {"identifier": r[0], "root": r[1], "path": r[2], "title": r[3], **json.loads(r[4])}
            for r in rows
        ]

    def chunk_count(self) -> int:
        row = self._connection().execute("SELECT COUNT(*) FROM chunks").fetchone()
        return int(row[0])

    def generation(self) -> int:
        row = self._connection().execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def bump_generation(self) -> None:
        """Say that what the index holds changed although no record did (an ingest run that
        wrote the vector store only: restored, re-embedded or rewrote vectors), so that readers
        keyed on the generation (the retriever's copy of the vectors) read it again."""
        with self._connect() as conn:
            self._bump_generation(conn)

    @staticmethod
    def _bump_generation(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO meta VALUES ('generation', '1') ON CONFLICT(key) DO UPDATE "
            "SET value = CAST(value AS INTEGER) + 1"
        )

    # run state -------------------------------------------------------------
    def flag(self, key: str) -> bool:
        row = self._connection().execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return bool(row and row[0] == "1")

    def set_flag(self, key: str, on: bool) -> None:
        with self._connect() as conn:
            if on:
                conn.execute("INSERT OR REPLACE INTO meta VALUES (?, '1')", (key,))
            else:
                conn.execute("DELETE FROM meta WHERE key=?", (key,))

    def embedder(self) -> str | None:
        """The embedder (model and backend) whose vectors the vector store holds; None for an
        index written before this was recorded (by the torch backend, the only one then)."""
        row = (
            self._connection().execute("SELECT value FROM meta WHERE key=?", (EMBEDDER,)).fetchone()
        )
        return str(row[0]) if row else None

    def set_embedder(self, name: str) -> None:
        with self._connect() as conn:
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (EMBEDDER, name))

    # embedding cache ---------------------------------------------------------
    def get_many(self, keys: Sequence[str]) -> dict[str, list[float]]:
        return {key: row.tolist() for key, row in self.get_rows(keys).items()}

    def get_rows(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """`get_many` as float32 rows read straight from the stored bytes (read-only)."""
        found, conn = dict[str, np.ndarray](), self._connection()
        for start in range(0, len(keys), 500):
            batch = list(keys[start : start + 500])
            marks = ",".join("?" * len(batch))
            sql = f"SELECT key, vector FROM embedding_cache WHERE key IN ({marks})"
            for key, blob in conn.execute(sql, batch):
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, items: dict[str, list[float]]) -> None:
        with self._connect() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO embedding_cache VALUES (?, ?)",
                [(key, struct.pack(f"{len(vec)}f", *vec)) for key, vec in items.items()],
            )

    # verdicts of checks on indexed text, by a key of the text and the checks (never the text)
    def checks(self, keys: Sequence[str]) -> dict[str, bool]:
        conn, found = self._connection(), dict[str, bool]()
        for start in range(0, len(keys), 500):
            batch = list(keys[start : start + 500])
            marks = ",".join("?" * len(batch))
            sql = f"SELECT key, flagged FROM text_checks WHERE key IN ({marks})"
            found.update((key, bool(flagged)) for key, flagged in conn.execute(sql, batch))
        return found

    def put_checks(self, verdicts: dict[str, bool]) -> None:
        with self._connect() as conn:
            sql = "INSERT OR REPLACE INTO text_checks VALUES (?, ?)"
            conn.executemany(sql, [(key, int(flagged)) for key, flagged in verdicts.items()])

    def holds_only_document_vectors(self) -> bool:
        return self.flag(DOCUMENT_VECTORS_FLAG)

    def keep_only_vectors(self, keys: Iterable[str]) -> int:
        """Drop every cached vector whose key is not one of these; afterwards the cache holds
        only document vectors. Returns how many were dropped."""
        with self._connect() as conn:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS keep_vectors (key TEXT PRIMARY KEY)")
            conn.execute("DELETE FROM keep_vectors")
            conn.executemany("INSERT OR IGNORE INTO keep_vectors VALUES (?)", ((k,) for k in keys))
            cursor = conn.execute(
                "DELETE FROM embedding_cache WHERE key NOT IN (SELECT key FROM keep_vectors)"
            )
            conn.execute("DELETE FROM keep_vectors")
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, '1')", (DOCUMENT_VECTORS_FLAG,))
            return max(cursor.rowcount, 0)
