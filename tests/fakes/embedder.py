"""A deterministic stand-in for the sentence-embedding model: a hashed bag of word stems.

A text becomes a unit vector of DIMENSIONS numbers with one bucket per stem it contains (the
project's BM25 tokens, accents folded, a plural s dropped, cut to their first STEM letters), so
texts that share words are close and texts that share none are orthogonal. It loads nothing,
needs no network and gives the same vectors in every process (stems are hashed with blake2b,
not `hash`).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from assistant.retrieval.lexical import STOPWORDS, tokens

DIMENSIONS = 1024
STEM = 5  # the cut the section picker's word overlap uses
# Question and pronoun words the BM25 stop lists keep count for less: short questions are
# closest when they ask about the same thing, not when both merely start with "how do I".
FUNCTION_WEIGHT = 0.4
FUNCTION_WORDS = frozenset(
    {
        "how",
        "do",
        "does",
        "did",
        "can",
        "could",
        "should",
        "would",
        "will",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "i",
        "my",
        "you",
        "your",
        "como",
        "cuando",
        "donde",
        "cual",
        "quien",
        "si",
    }
)


def stems(text: str) -> dict[str, float]:
    """The text's words (BM25 stop words dropped), accents folded, stemmed, each once, with
    its weight."""
    found: dict[str, float] = {}
    for token in tokens(text):
        folded = _fold(token)
        if folded in STOPWORDS:  # "cómo" is not a stop word, "como" is
            continue
        found.setdefault(_stem(folded), FUNCTION_WEIGHT if folded in FUNCTION_WORDS else 1.0)
    return found


def _stem(word: str) -> str:
    """A dotted code whole; a word without a plural s, cut to STEM letters (rates, rate → rate;
    teachers, teacher → teach)."""
    if "." in word:
        return word
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word[:STEM]


@lru_cache(maxsize=65536)
def _fold(token: str) -> str:
    decomposed = unicodedata.normalize("NFKD", token)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def _bucket(stem: str) -> int:
    digest = hashlib.blake2b(stem.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % DIMENSIONS


def embed_matrix(texts: Sequence[str]) -> np.ndarray:
    """One unit row per text (a row of zeros for a text without words)."""
    matrix = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    for row, text in enumerate(texts):
        for stem, weight in stems(text).items():
            matrix[row, _bucket(stem)] += weight
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


class FakeEmbedder:
    """Satisfies the Embedder protocol, and is itself the `embed` callable (texts to vectors)
    the intent classifier and the section picker take."""

    name = "fake-hashed-stems"

    def __call__(self, texts: list[str]) -> list[list[float]]:
        return self.embed_documents(texts)

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return [row.tolist() for row in embed_matrix(texts)]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]
