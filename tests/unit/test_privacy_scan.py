"""Each store answers a privacy scan for itself (types.PrivacyScannable): the rows whose text
holds a needle, table by table, and its files on this machine."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from assistant.index.records import FileRecord, IndexRecords
from assistant.index.vectorstore import EmbeddedStoreFile
from assistant.learners.db import Learner, LearnerDatabase
from assistant.learners.text_scan import LearnerDatabaseScan
from assistant.types import Chunk, PrivacyScannable, TableRows


def _found(tables: list[TableRows]) -> dict[str, int]:
    return {t.table: len(t.rows) for t in tables if t.rows}


def test_the_index_records_find_a_needle_in_their_own_rows(tmp_path: Path) -> None:
    records = IndexRecords(tmp_path / "index.sqlite3")
    chunk = Chunk(id="c1", source="notes/okapi.md", text="Notes on OKAPI Narwhal", metadata={})
    records.commit_file(FileRecord("knowledge", "notes/okapi.md", "f", "guide"), [chunk], [])
    store: PrivacyScannable = records
    assert _found(store.rows_naming(["okapi"]))["chunks"] >= 1
    assert _found(store.rows_naming(["zebra"])) == {}
    assert store.scan_files() == [tmp_path / "index.sqlite3"]


def test_the_embedded_store_file_is_read_only_when_it_is_there(tmp_path: Path) -> None:
    path = tmp_path / "chroma.sqlite3"
    store: PrivacyScannable = EmbeddedStoreFile(path)
    assert store.rows_naming(["okapi"]) == [] and store.scan_files() == []
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("CREATE TABLE docs (id INTEGER, body TEXT)")
        conn.execute("CREATE TABLE sizes (n INTEGER)")
        conn.execute("INSERT INTO docs VALUES (1, 'an okapi'), (2, 'a zebra')")
    tables = store.rows_naming(["okapi"])
    assert [t.table for t in tables] == ["docs", "sizes"]
    assert tables[0].rows == (("an okapi",),) and tables[1].rows == ()
    assert store.scan_files() == [path]
    assert EmbeddedStoreFile(None).rows_naming(["okapi"]) == []  # a server: nothing here


def test_the_learner_database_looks_for_weak_needles_in_free_text_only(tmp_path: Path) -> None:
    db = LearnerDatabase(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    with db.session() as session:
        session.add(Learner(id="L1", name="Okapi Narwhal"))
    store: PrivacyScannable = LearnerDatabaseScan(db)
    assert _found(store.rows_naming(["okapi"])) == {"learners": 1}
    # "narwhal" as a weak needle counts only in free-text columns: learners.name is not one.
    assert _found(store.rows_naming(["zebra"], ["narwhal"], frozenset())) == {}
    named = store.rows_naming(["zebra"], ["narwhal"], frozenset({"learners.name"}))
    learners = next(t for t in named if t.table == "learners")
    assert len(learners.rows) == 1 and "Okapi Narwhal" in learners.free_text[0]
    assert store.scan_files() == [tmp_path / "w.sqlite3"]


def test_a_table_added_after_a_scan_is_scanned_too(tmp_path: Path) -> None:
    """The learner database's tables are reflected once per schema: a new table (or column) is
    a new schema, so the next scan reads it."""
    db = LearnerDatabase(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    with db.session() as session:
        session.add(Learner(id="L1", name="Okapi Narwhal"))
    store = LearnerDatabaseScan(db)
    assert _found(store.rows_naming(["okapi"])) == {"learners": 1}
    with db.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE notes_extra (body VARCHAR)")
        connection.exec_driver_sql("INSERT INTO notes_extra VALUES ('about okapi')")
    assert _found(store.rows_naming(["okapi"])) == {"learners": 1, "notes_extra": 1}
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE notes_extra ADD COLUMN more VARCHAR")
        connection.exec_driver_sql("INSERT INTO notes_extra VALUES ('', 'okapi again')")
    assert _found(store.rows_naming(["okapi"])) == {"learners": 1, "notes_extra": 2}
    other = LearnerDatabase(f"sqlite:///{tmp_path / 'other.sqlite3'}")  # the first schema
    with other.session() as session:
        session.add(Learner(id="L2", name="Okapi Two"))
    assert _found(LearnerDatabaseScan(other).rows_naming(["okapi"])) == {"learners": 1}
    db.dispose()
    other.dispose()
