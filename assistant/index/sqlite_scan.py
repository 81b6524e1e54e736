"""Rows of a SQLite file whose text holds one of some needles, table by table: how the index
records and the embedded vector store answer a privacy scan (see types.PrivacyScannable).
Read-only; every text column of every table is searched with a case-insensitive LIKE."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

from assistant.types import TableRows


def rows_naming_in(path: Path, needles: Sequence[str]) -> list[TableRows]:
    """Per table of the file, the rows (their text columns) holding one of the needles; a table
    the file's SQLite cannot read says why. Nothing when the file does not exist."""
    if not path.is_file():
        return []
    found = []
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    with closing(conn):
        conn.execute("PRAGMA secure_delete=ON")
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "ORDER BY name"
            )
        ]
        for table in tables:
            found.append(_table_rows(conn, table, needles))
    return found


def _table_rows(conn: sqlite3.Connection, table: str, needles: Sequence[str]) -> TableRows:
    columns = _text_columns(conn, table)
    if not columns:
        return TableRows(table)
    where = " OR ".join(f"lower(\"{c}\") LIKE ? ESCAPE '\\'" for c in columns for _ in needles)
    params = [f"%{_like(n)}%" for _ in columns for n in needles]
    names = ", ".join(f'"{c}"' for c in columns)
    try:
        rows = conn.execute(f'SELECT {names} FROM "{table}" WHERE {where}', params).fetchall()
    except sqlite3.DatabaseError as exc:
        # e.g. a full-text index whose module this Python lacks: its text is also in its
        # content table, which is scanned.
        return TableRows(table, problem=f"{table} not scanned ({exc})")
    return TableRows(table, tuple(tuple(row) for row in rows))


def _like(needle: str) -> str:
    return needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    columns = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
    return [
        str(column[1])
        for column in columns
        if not column[2] or any(t in str(column[2]).upper() for t in ("TEXT", "CHAR", "CLOB"))
    ]
