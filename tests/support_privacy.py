"""Helpers for privacy tests: the demo school loaded once, copied fresh for each test, a small
stand-in embedding model, and a look at the bytes of the SQLite files."""

from __future__ import annotations

import hashlib
import math
import re
import shutil
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from assistant.container import Assistant, build_assistant
from assistant.learners.db import Evidence
from assistant.retrieval.embeddings import Embedder
from assistant.settings import Settings
from tests.support_demo import copy_demo_home


def build_demo_home(folder: Path) -> Path:
    """A WAYPOINT_HOME with the demo school loaded, without its interventions (and no index: no
    embedding model): a copy of the one tests/support_demo loads once per test process."""
    return copy_demo_home(folder / "home", interventions=False)


def demo_copy(template: Path, tmp_path: Path, *, embedder: Embedder | None = None) -> Assistant:
    """An assistant over a private copy of the demo home."""
    home = tmp_path / "home"
    shutil.copytree(template, home)
    return build_assistant(Settings(profile="test", home=home), embedder=embedder)


def evidence_counts(school: Assistant) -> dict[str, int]:
    with school.learner_db.session() as session:
        rows = session.execute(
            select(Evidence.learner_id, func.count(Evidence.id)).group_by(Evidence.learner_id)
        )
        return {learner_id: count for learner_id, count in rows}


class HashEmbedder:
    """A stand-in embedding model: words hashed into 64 dimensions (no model files, instant).
    Counts the texts it embeds."""

    name = "hash-words-64"

    def __init__(self) -> None:
        self.embedded = 0

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.embedded += len(texts)
        return [self._vector(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    @staticmethod
    def _vector(text: str) -> list[float]:
        vector = [0.0] * 64
        for word in re.findall(r"\w+", text.lower()):
            vector[hashlib.sha256(word.encode()).digest()[0] % 64] += 1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]


def insecure_sqlite_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every new SQLite connection starts with secure_delete off, as on platforms whose SQLite
    is built that way (this one's is built with it on): deleted rows then stay in free space
    unless Waypoint turns it on."""
    real = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn: sqlite3.Connection = real(*args, **kwargs)
        conn.execute("PRAGMA secure_delete=OFF")
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)
    monkeypatch.setattr(sqlite3.dbapi2, "connect", connect)


def sqlite_bytes(database: Path) -> dict[str, bytes]:
    """The bytes of a SQLite file and of its log, by file name (a missing log is empty)."""
    return {
        path.name: path.read_bytes() if path.is_file() else b""
        for path in (database, Path(f"{database}-wal"))
    }


def mentions(data: bytes, *terms: str) -> list[str]:
    """Which of these terms the bytes hold (ASCII case ignored)."""
    lowered = data.lower()
    return [term for term in terms if term.lower().encode() in lowered]
