"""BM25 over the recorded chunks (bm25s), English and Spanish stop words removed."""

from __future__ import annotations

import re
from collections.abc import Sequence

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_SPANISH

from assistant.types import Chunk

STOPWORDS = frozenset(STOPWORDS_EN) | frozenset(STOPWORDS_SPANISH)
TOKEN = r"(?u)\b\w[\w.]*\w\b|\b\w\b"


def tokens(text: str) -> list[str]:
    """Words, keeping dotted codes whole (m.6.rp.1) and also their parts."""
    out: list[str] = []
    for token in re.findall(TOKEN, text.casefold()):
        if token in STOPWORDS:
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
            self._bm25 = bm25s.BM25()
            self._bm25.index([tokens(c.text) or ["_"] for c in self.chunks], show_progress=False)

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
