"""The words a question shares with a text, by their first letters (a crude stem that serves
English and Spanish alike)."""

from __future__ import annotations

import functools
from itertools import pairwise

from assistant.retrieval.lexical import tokens


def stems(text: str) -> set[str]:
    return set(_stems(text))


@functools.lru_cache(maxsize=4096)
def _stems(text: str) -> frozenset[str]:
    """Remembered (bounded, in memory): an answer compares one question with many headings,
    and the same headings with many questions."""
    return frozenset(token[:5] for token in tokens(text) if len(token) > 2)


def shares_phrase(question: str, heading: str) -> bool:
    """Two words of the question, side by side, name the heading's topic ("rotation
    stations" in "Logistics: rotation stations and the workshop model")."""

    def pairs(text: str) -> set[tuple[str, str]]:
        words = [token[:5] for token in tokens(text) if len(token) > 2 and "." not in token]
        return set(pairwise(words))

    return bool(pairs(question) & pairs(heading))


def overlap(question: str, text: str) -> float:
    """Share of the question's content words (by their first letters) found in the text."""
    wanted = _stems(question)
    return len(wanted & _stems(text)) / len(wanted) if wanted else 0.0
