"""The SQLite files Waypoint owns, at the level of bytes on disk.

SQLite deletes a row by marking its space free; the bytes stay in the file until reused unless
`secure_delete` is on, which overwrites them with zeros (every connection Waypoint opens turns it
on; see assistant/learners/db.py and assistant/index/records.py). In WAL mode a change is
first appended to the `-wal` file, beside the older copies of the pages it changed, and reaches
the database file at a checkpoint. After forgetting, a TRUNCATE checkpoint copies every change
into the database file and empties the log. It cannot finish while another connection (the app)
is reading an older snapshot: then the old bytes stay until every program has closed the
database, when SQLite checkpoints and removes the log itself.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

SECURE_DELETE = "PRAGMA secure_delete=ON"
CHECKPOINT_ATTEMPTS = 4
CHECKPOINT_WAIT = 0.25  # seconds each attempt waits for readers, and between attempts
SIDE_FILES = ("-wal", "-journal")  # hold page images; "-shm" holds only an index of the log


@dataclass(frozen=True)
class Checkpoint:
    """The outcome of a TRUNCATE checkpoint: complete when every logged page reached the
    database file and the log was emptied."""

    complete: bool
    log_frames: int  # pages in the log (-1: the database is not in WAL mode)
    copied_frames: int
    error: str = ""


def open_sqlite(path: Path, *, read_only: bool = False, timeout: float = 30) -> sqlite3.Connection:
    """A connection to one of Waypoint's SQLite files, with secure_delete on."""
    if read_only:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout)
    else:
        conn = sqlite3.connect(path, timeout=timeout)
    conn.execute(SECURE_DELETE)
    return conn


def files_of(path: Path) -> list[Path]:
    """A database file and those of its side files that exist."""
    return [path] + [p for p in (Path(f"{path}{s}") for s in SIDE_FILES) if p.is_file()]


def checkpoint(path: Path) -> Checkpoint:
    """Copy the log into the database file and empty it; retried a few times while readers
    hold an older snapshot."""
    result = Checkpoint(False, 0, 0, "not tried")
    for attempt in range(CHECKPOINT_ATTEMPTS):
        if attempt:
            time.sleep(CHECKPOINT_WAIT)
        try:
            with closing(open_sqlite(path, timeout=CHECKPOINT_WAIT)) as conn:
                busy, log, copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error as exc:
            result = Checkpoint(False, 0, 0, str(exc))
            continue
        result = Checkpoint(busy == 0 and log == copied, int(log), int(copied))
        if result.complete:
            break
    return result


def vacuum(path: Path) -> Checkpoint:
    """Rewrite the database file from its live rows (leaving no free pages or slack that could
    hold bytes deleted before secure_delete was on), then checkpoint."""
    try:
        with closing(open_sqlite(path, timeout=CHECKPOINT_WAIT * 20)) as conn:
            conn.execute("VACUUM")
    except sqlite3.Error as exc:
        return Checkpoint(False, 0, 0, f"VACUUM failed: {exc}")
    return checkpoint(path)
