"""The retrieval systems compared on the gold set, and how an evaluation index is built."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from assistant.container import Assistant, build_assistant
from assistant.ingest.report import IngestReport
from assistant.retrieval.embeddings import Embedder
from assistant.retrieval.retriever import Mode, Retriever, SearchFilters
from assistant.settings import BUNDLED_KNOWLEDGE, Settings
from evals.gold_set import GoldQuestion
from evals.ranking_quality import (
    QuestionResult,
    document_unit,
    first_occurrences,
    hit_unit,
    score_rankings,
)

# Passages fetched before de-duplication, so that ten distinct units are usually left.
WAYPOINT_DEPTH = 40
# What a typical LangChain tutorial asks the vector store for.
TUTORIAL_K = 10


class RankingSystem(Protocol):
    name: str

    def rank(self, question: GoldQuestion) -> list[str]:
        """The question's relevance units, best first, de-duplicated."""
        ...


@dataclass
class WaypointSearch:
    """Waypoint's own retriever in one of its modes, filtered by the asker's audience."""

    name: str
    retriever: Retriever
    mode: Mode
    depth: int = WAYPOINT_DEPTH

    def rank(self, question: GoldQuestion) -> list[str]:
        hits = self.retriever.search(
            question.question,
            k=self.depth,
            filters=SearchFilters(audience=question.audience),
            mode=self.mode,
        )
        return first_occurrences(hit_unit(hit) for hit in hits)


@dataclass
class TutorialDenseSearch:
    """A plain LangChain `Chroma.similarity_search` with an audience filter, nothing else."""

    name: str
    vector_store: Any
    k: int = TUTORIAL_K

    def rank(self, question: GoldQuestion) -> list[str]:
        documents = self.vector_store.similarity_search(
            question.question,
            k=self.k,
            filter={"audience": {"$in": [question.audience, "all"]}},
        )
        return first_occurrences(document_unit(doc.metadata) for doc in documents)


def evaluate_system(
    system: RankingSystem, questions: Sequence[GoldQuestion]
) -> list[QuestionResult]:
    return score_rankings(questions, {q.id: system.rank(q) for q in questions})


class MemoEmbedder:
    """Remembers every vector it computed, so indexes that share texts embed them once.

    The evaluation builds several indexes (chunk sizes, HNSW settings) in one process; each
    home has its own embedding cache, so without this every rebuild would embed again.
    """

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self._vectors: dict[str, list[float]] = {}
        self._queries: dict[str, list[float]] = {}

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            computed = self.inner.embed_documents(missing)
            self._vectors.update(zip(missing, computed, strict=True))
        return [self._vectors[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        if text not in self._queries:
            self._queries[text] = self.inner.embed_query(text)
        return self._queries[text]


@dataclass
class EvaluationIndex:
    assistant: Assistant
    ingest: IngestReport


def build_index(
    home: Path,
    embedder: Embedder,
    overrides: Mapping[str, Any] | None = None,
    *,
    knowledge: Sequence[Path] = (BUNDLED_KNOWLEDGE,),
) -> EvaluationIndex:
    """A fresh index of `knowledge` in `home`, with settings overrides such as chunk_size."""
    assistant = build_assistant(
        Settings(profile="test", home=home, **(overrides or {})), embedder=embedder
    )
    report = assistant.indexer.ingest(list(knowledge))
    if report.problems:
        raise RuntimeError(
            "the evaluation corpus did not index cleanly: " + "; ".join(report.problems)
        )
    return EvaluationIndex(assistant, report)
