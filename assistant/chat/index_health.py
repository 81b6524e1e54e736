"""Searching the knowledge index when its vector store may fail: keyword search alone then,
and the answer says so."""

from __future__ import annotations

import threading
from dataclasses import replace

from assistant.chat.templates import AnswerTemplates
from assistant.chat.types import Answer
from assistant.errors import StoreUnavailableError
from assistant.retrieval.retriever import PassageSource, SearchFilters
from assistant.types import SearchHit


class IndexHealth(threading.local):
    """Whether the knowledge index (the vector store) failed while this thread's current answer
    was being built: its searches then fall back to keywords and the answer says so."""

    degraded = False
    similarity = 0.0  # how closely the last composed answer's best section matched
    asked = 0.0  # how closely a question its leading sections list matched
    clear = False  # its best section led clearly on its listed questions


class GuardedSearch:
    """Hybrid search; when the vector store is unavailable, keyword search alone (the answer
    then carries a notice). A degraded answer is better than none: the BM25 side reads the
    index records, not the vector store."""

    def __init__(self, retriever: PassageSource, health: IndexHealth) -> None:
        self._retriever = retriever
        self._health = health

    def __call__(self, query: str, k: int, filters: SearchFilters) -> list[SearchHit]:
        if not self._health.degraded:
            try:
                return self._retriever.search(query, k=k, filters=filters)
            except StoreUnavailableError:
                self._health.degraded = True
        return self.keywords(query, k, filters)

    def keywords(self, query: str, k: int, filters: SearchFilters) -> list[SearchHit]:
        """Keyword search alone: for a lookup whose words are known (a skill's code and title,
        a section's heading), which needs no embedding of its own."""
        try:
            return self._retriever.search(query, k=k, filters=filters, mode="lexical")
        except StoreUnavailableError:
            return []


def with_index_notice(answer: Answer, health: IndexHealth, templates: AnswerTemplates) -> Answer:
    """The answer as it is, or saying that the index was unavailable when it was."""
    if not health.degraded:
        return answer
    if answer.abstained and not answer.citations:
        text = templates.render("index_unavailable.answer", answer.language)
        return replace(answer, text=text)
    notice = templates.render("index_unavailable.notice", answer.language)
    return replace(answer, notice=notice)
