"""The words a question shares with a text, by their first letters (a crude stem that serves
English and Spanish alike)."""

from __future__ import annotations

from itertools import pairwise

from assistant.retrieval.lexical import tokens


def stems(text: str) -> set[str]:
    return {token[:5] for token in tokens(text) if len(token) > 2}


def shares_phrase(question: str, heading: str) -> bool:
    """Two words of the question, side by side, name the heading's topic ("rotation
    stations" in "Logistics: rotation stations and the workshop model")."""

    def pairs(text: str) -> set[tuple[str, str]]:
        words = [token[:5] for token in tokens(text) if len(token) > 2 and "." not in token]
        return set(pairwise(words))

    return bool(pairs(question) & pairs(heading))


def overlap(question: str, text: str) -> float:
    """Share of the question's content words (by their first letters) found in the text."""
    wanted = stems(question)
    return len(wanted & stems(text)) / len(wanted) if wanted else 0.0
