"""Typed questions (which may name a learner) are never written to the on-disk embedding cache."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from assistant.chat.types import AskContext
from assistant.container import Assistant
from assistant.retrieval.embeddings import CachedEmbeddings
from tests.support_privacy import HashEmbedder, build_demo_home, demo_copy

QUESTIONS = ("How is Maya Lindgren doing with unit rates?", "What should Maya Lindgren do next?")
GUIDE = """# Unit rates

A unit rate compares a quantity to one unit of another. Practise unit rates with recipes, maps
and shopping. Next steps: explain the rate in words, then use a double number line.
"""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_home(tmp_path_factory.mktemp("query-vectors-demo"))


@pytest.fixture
def embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def school(template: Path, tmp_path: Path, embedder: HashEmbedder) -> Iterator[Assistant]:
    built = demo_copy(template, tmp_path, embedder=embedder)
    corpus = tmp_path / "knowledge"
    corpus.mkdir()
    (corpus / "unit-rates.en.md").write_text(GUIDE, encoding="utf-8")
    assert built.indexer.ingest([corpus]).problems == []
    yield built
    built.records.close()


def cached_rows(school: Assistant) -> int:
    with closing(sqlite3.connect(school.records.db_path)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM embedding_cache").fetchone()[0])


def test_questions_naming_a_learner_leave_no_row_in_the_embedding_cache(
    school: Assistant, embedder: HashEmbedder
) -> None:
    indexed = cached_rows(school)
    assert indexed > 0  # the knowledge chunks' vectors are cached, as they should be
    teacher = AskContext(role="teacher", user_id="t.okafor")
    for question in QUESTIONS:
        assert school.chat.ask(question, teacher).text
    assert school.retriever.search("unit rates for Maya Lindgren")
    assert cached_rows(school) == indexed
    asked = embedder.embedded
    school.chat.ask(QUESTIONS[0], teacher)  # the same again: its vectors are in memory
    assert embedder.embedded == asked


def test_vectors_kept_in_memory_are_bounded(embedder: HashEmbedder) -> None:
    embeddings = CachedEmbeddings(embedder, None, memory_limit=2)
    first = embeddings.embed_transient(["one", "two", "three"])
    assert len(embeddings.memory) == 2
    assert embeddings.embed_transient(["three"]) == first[2:]
    assert embedder.embedded == 3  # "three" came from memory
    embeddings.embed_transient(["one"])
    assert embedder.embedded == 4  # "one" had been pushed out
