"""The learner database as a `PrivacyScannable` store (see assistant/types.py): the rows of
every table whose text columns hold one of a learner's needles, for the proof that a forgotten
learner is gone, and the database's file when it is SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, MetaData, String, Table, func, or_, select
from sqlalchemy.engine import Engine, make_url

from assistant.learners.db import LearnerDatabase
from assistant.types import TableRows

SCHEMA_ROWS = "SELECT type, name, tbl_name, sql FROM sqlite_master"
REFLECTED_SCHEMAS = 8  # schemas kept reflected (a process meets one or two)
_REFLECTED: dict[tuple[tuple[object, ...], ...], list[Table]] = {}


class LearnerDatabaseScan:
    scan_label = "learner database"

    def __init__(self, db: LearnerDatabase) -> None:
        self.db = db

    def rows_naming(
        self,
        needles: Sequence[str],
        weak_needles: Sequence[str] = (),
        free_text: frozenset[str] = frozenset(),
    ) -> list[TableRows]:
        """Every table, with its rows whose text holds a needle; a free-text column ("table.
        column" in `free_text`) is searched for the weak needles, which include the needles."""
        tables = _tables(self.db.engine)
        found = []
        with self.db.session() as session:
            for table in tables:
                columns = [c for c in table.columns if isinstance(c.type, String)]
                free = [f"{table.name}.{c.name}" in free_text for c in columns]
                if not columns:
                    found.append(TableRows(table.name))
                    continue
                prefilter = or_(
                    *(
                        _contains(c, weak_needles if w else needles)
                        for c, w in zip(columns, free, strict=True)
                    )
                )
                rows = [tuple(row) for row in session.execute(select(*columns).where(prefilter))]
                weak = [tuple(v for v, w in zip(row, free, strict=True) if w) for row in rows]
                found.append(TableRows(table.name, tuple(rows), tuple(weak)))
        return found

    def scan_files(self) -> list[Path]:
        path = sqlite_file(self.db.url)
        return [path] if path is not None else []


def _tables(engine: Engine) -> list[Table]:
    """Every table of the database as it is now, in dependency order. A SQLite schema is
    reflected once per process: its `sqlite_master` rows, which hold all that reflecting it
    reads, are the key, so a changed schema is reflected again."""
    if engine.dialect.name != "sqlite":
        return _reflect(engine)
    with engine.connect() as connection:
        schema = tuple(
            tuple(row) for row in connection.exec_driver_sql(f"{SCHEMA_ROWS} ORDER BY type, name")
        )
    if schema not in _REFLECTED:
        if len(_REFLECTED) >= REFLECTED_SCHEMAS:
            _REFLECTED.clear()
        _REFLECTED[schema] = _reflect(engine)
    return _REFLECTED[schema]


def _reflect(engine: Engine) -> list[Table]:
    meta = MetaData()
    meta.reflect(engine)
    return meta.sorted_tables


def _contains(column: Any, needles: Sequence[str]) -> ColumnElement[bool]:
    """A cheap SQL prefilter: the column holds one of the lower-case needles."""
    lowered = func.lower(column)
    return or_(*(lowered.like(f"%{_escape(n)}%", escape="\\") for n in needles))


def _escape(needle: str) -> str:
    return needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for another database or an in-memory one."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        database = database[len("file:") :].split("?", 1)[0]
    return Path(database).expanduser()
