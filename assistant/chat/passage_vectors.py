"""The passages answers are composed from, known at ingest: their vectors are computed then and
kept in the embedding cache by content hash, so that answering embeds only the question.

The section picker compares a question with each retrieved section's heading and lead (cut to
the asker's word budget) and with its later paragraphs; those texts depend only on the section,
so they are listed here for every section opening the indexer writes. A text not listed (a word
budget added later) is still embedded at answer time, in memory only: this list makes answers
faster, never different.
"""

from __future__ import annotations

from collections.abc import Iterable

from assistant.chat.answers.guides import WORDS_BY_ROLE
from assistant.chat.leads import blocks, body_of, lead_text
from assistant.index.section_text import section_text
from assistant.types import QUESTION, Chunk

MORE_WORDS = 80  # what "tell me more" adds to a role's word budget (answers.guides)


def word_budgets() -> tuple[int, ...]:
    """Every word budget the guide answers use: each role's, with and without "more"."""
    base = set(WORDS_BY_ROLE.values()) | {120}
    return tuple(sorted(base | {words + MORE_WORDS for words in base}))


def section_texts(chunk: Chunk, body: str | None = None) -> list[str]:
    """The texts the picker may embed for the section this chunk opens (none for a later part
    of a section, nor for a listed question, whose own text is its chunk's). `body`: the
    section's whole text (all its parts); the chunk's own text without it."""
    meta = chunk.metadata
    if meta.get("part") or meta.get("doc_type") == QUESTION:
        return []
    body = body if body is not None else body_of(chunk)
    heading = str(meta.get("section") or "")
    texts: dict[str, None] = {}
    for words in word_budgets():
        for want_list in (False, True):
            for more in (False, True):
                lead = lead_text(body, words, want_list=want_list, more=more)
                if lead:
                    texts[f"{heading}. {lead}"] = None
                    texts[lead] = None
    for block in blocks(body):
        texts[block] = None
    return list(texts)


def passage_texts(chunks: Iterable[Chunk]) -> list[str]:
    """The composer's texts for the sections these chunks open, each once (a section's later
    paragraphs taken from its parts among these chunks)."""
    texts: dict[str, None] = {}
    for body, section in _sections(chunks):
        for chunk in section:
            for text in section_texts(chunk, body):
                texts[text] = None
    return list(texts)


def section_bodies(chunks: Iterable[Chunk]) -> list[str]:
    """The whole text of each section these chunks belong to (from its parts among them)."""
    return [body for body, _ in _sections(chunks)]


def _sections(chunks: Iterable[Chunk]) -> list[tuple[str, list[Chunk]]]:
    parts: dict[tuple[str, str], list[Chunk]] = {}
    for chunk in chunks:
        if chunk.metadata.get("doc_type") != QUESTION:
            key = (chunk.source, str(chunk.metadata.get("section") or ""))
            parts.setdefault(key, []).append(chunk)
    return [(section_text(section), section) for section in parts.values()]
