"""BM25 over the recorded chunks (bm25s), English and Spanish stop words removed."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable, Sequence
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np

from assistant.types import Chunk

if TYPE_CHECKING:  # bm25s (and numba under it) load with the first index, not on import
    import bm25s

TOKEN = r"(?u)\b\w[\w.]*\w\b|\b\w\b"


@cache
def stopwords() -> frozenset[str]:
    """English and Spanish stop words: bm25s's lists, read from its `stopwords` module alone
    (a plain file of word lists), so that tokenizing does not import bm25s and numba."""
    spec = importlib.util.find_spec("bm25s")
    folders = spec.submodule_search_locations if spec else None
    if not folders:
        from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_SPANISH

        return frozenset(STOPWORDS_EN) | frozenset(STOPWORDS_SPANISH)
    namespace: dict[str, object] = {}
    source = Path(next(iter(folders))) / "stopwords.py"
    exec(compile(source.read_text(encoding="utf-8"), str(source), "exec"), namespace)
    english = cast(Iterable[str], namespace["STOPWORDS_EN"])
    spanish = cast(Iterable[str], namespace["STOPWORDS_SPANISH"])
    return frozenset(english) | frozenset(spanish)


def __getattr__(name: str) -> frozenset[str]:
    if name == "STOPWORDS":  # the old constant, read lazily
        return stopwords()
    raise AttributeError(name)


def tokens(text: str) -> list[str]:
    """Words, keeping dotted codes whole (m.6.rp.1) and also their parts."""
    return list(_remembered_tokens(text))


@lru_cache(maxsize=8192)
def _remembered_tokens(text: str) -> tuple[str, ...]:
    """`tokens`, remembered per text in this process (bounded): answering compares the same
    section headings, leads and sentences with every question that retrieves them."""
    return tuple(_tokens(text))


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    skip = stopwords()
    for token in re.findall(TOKEN, text.casefold()):
        if token in skip:
            continue
        out.append(token)
        if "." in token:
            out.extend(part for part in token.split(".") if len(part) > 1)
    return out


class LexicalIndex:
    """An in-memory BM25 index over a fixed list of chunks."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self.chunks = list(chunks)
        self._bm25: bm25s.BM25 | None = None
        if self.chunks:
            import bm25s

            self._bm25 = bm25s.BM25()
            self._bm25.index([_tokens(c.text) or ["_"] for c in self.chunks], show_progress=False)

    @cached_property
    def coded(self) -> list[Chunk]:
        """The chunks that carry a competency code or list competencies, in index order: the
        only ones a search by code can pin first."""
        return [c for c in self.chunks if c.metadata.get("code") or c.metadata.get("competencies")]

    def search(self, query: str, k: int) -> list[tuple[Chunk, float]]:
        if self._bm25 is None:
            return []
        query_tokens = tokens(query)
        if not query_tokens:
            return []
        scores = self._bm25.get_scores(query_tokens)
        k = min(k, len(self.chunks))
        top = np.argsort(-scores, kind="stable")[:k]
        return [(self.chunks[i], float(scores[i])) for i in top if scores[i] > 0]
