"""Vectors are keyed by model and backend: an index built by another embedder is refused at
search time with a message saying what to run, and re-embedded by the next ingest. A question
is embedded once per process (classifier, retriever and picker share its vector), and the
passages answers are composed from are embedded at ingest, so answering embeds nothing else."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant.chat import guards
from assistant.chat.types import AskContext
from assistant.container import Assistant, build_assistant
from assistant.errors import StoreUnavailableError
from assistant.settings import Settings
from tests.support_privacy import HashEmbedder

GUIDE = """# Unit rates

A unit rate compares a quantity to one unit of another. Practise unit rates with recipes, maps
and shopping.

To get better at unit rates, explain the rate in words, then use a double number line. Check
each answer by working back from the rate to the totals.
"""


class NamedEmbedder(HashEmbedder):
    """The hash embedder under another name (another model or backend), recording texts."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.texts: list[str] = []

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.texts.extend(texts)
        return super().embed_documents(texts)


def school(home: Path, embedder: NamedEmbedder) -> Assistant:
    settings = Settings(profile="test", home=home, passage_vectors_at_ingest=True)
    return build_assistant(settings, embedder=embedder)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "unit-rates.en.md").write_text(GUIDE, encoding="utf-8")
    return folder


def test_an_index_of_another_backend_is_refused_then_re_embedded(
    tmp_path: Path, corpus: Path
) -> None:
    home = tmp_path / "home"
    first = school(home, NamedEmbedder("mini+torch"))
    assert first.indexer.ingest([corpus]).problems == []
    assert first.records.embedder() == "mini+torch"
    first.records.close()

    other = NamedEmbedder("mini+onnx-int8")
    second = school(home, other)
    with pytest.raises(StoreUnavailableError, match=r"made with mini\+torch.*waypoint ingest"):
        second.retriever.search("unit rates", mode="dense")
    assert second.retriever.search("unit rates", mode="lexical")  # words still work

    report = second.indexer.ingest([corpus])
    assert report.problems == []
    assert report.vectors_restored == second.records.chunk_count()  # every vector again
    assert second.records.embedder() == "mini+onnx-int8"
    second.retriever._store_checked = -1  # as a new process would
    hits = second.retriever.search("unit rates", mode="dense")
    assert hits and hits[0].dense_rank == 1
    second.records.close()


def test_a_question_is_embedded_once_and_answering_embeds_no_passage(
    tmp_path: Path, corpus: Path
) -> None:
    embedder = NamedEmbedder("mini+onnx-int8")
    built = school(tmp_path / "home", embedder)
    assert built.indexer.ingest([corpus]).problems == []
    built.chat.classifier._examples()  # the intent examples, embedded once per process
    embedder.texts.clear()
    question = "How can I get better at unit rates?"
    answer = built.chat.ask(question, AskContext(role="student"))
    assert "unit rate" in answer.text.lower()
    assert embedder.texts == [question]
    built.records.close()


def test_answering_reads_the_guards_verdicts_stored_at_ingest(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that did not ingest (nothing in memory) cuts the leads of indexed sections
    without running the injection patterns: their verdicts were stored with the index."""
    built = school(tmp_path / "home", NamedEmbedder("mini+onnx-int8"))
    assert built.indexer.ingest([corpus]).problems == []
    guards.VERDICTS.clear()  # as a new process
    searched: list[str] = []

    class Counting:
        def search(self, text: str) -> re.Match[str] | None:
            searched.append(text)
            return PATTERN.search(text)

    PATTERN = guards.ADDRESSED_TO_ASSISTANT  # the first pattern every check runs
    monkeypatch.setattr(guards, "ADDRESSED_TO_ASSISTANT", Counting())
    answer = built.chat.ask("How can I get better at unit rates?", AskContext(role="student"))
    assert "unit rate" in answer.text.lower()
    assert searched == []
    built.records.close()


def test_ask_on_an_empty_home_indexes_the_knowledge_first(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.cli import main

    settings = Settings(profile="test", home=tmp_path / "home", knowledge_dir=corpus)
    built = build_assistant(settings, embedder=NamedEmbedder("mini+onnx-int8"))
    assert main(["ask", "How can I get better at unit rates?"], lambda: built) == 0
    out, err = capsys.readouterr()
    assert "indexing the bundled knowledge first" in err
    assert built.records.chunk_count() > 0
    assert "unit rate" in out.lower()
    built.records.close()
