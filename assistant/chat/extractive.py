"""The default composer: the best sentences of the retrieved passages, chosen by maximal
marginal relevance over sentence embeddings, with a citation for each. No language model."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.chat.guards import looks_like_injection
from assistant.chat.types import Citation
from assistant.chat.vectors import unit_rows
from assistant.retrieval.lexical import tokens
from assistant.types import SearchHit

EmbedMany = Callable[[list[str]], list[list[float]]]
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“«¿¡(]?[A-ZÁÉÍÓÚÑ0-9])")
MIN_CHARS, MAX_CHARS = 30, 420
LEXICAL_SHARE = 0.3
RANK_PRIOR = 0.1


@dataclass(frozen=True)
class Sentence:
    text: str
    passage: int


@dataclass(frozen=True)
class Extract:
    """Chosen sentences, grouped by the passage they come from, and the best relevance."""

    sentences: tuple[Sentence, ...]
    citations: tuple[Citation, ...]
    best_relevance: float


def split_sentences(passage_text: str) -> list[str]:
    """Sentences of a chunk's body: the heading line is dropped, list markers removed."""
    body = passage_text.split("\n\n", 1)[1] if "\n\n" in passage_text else passage_text
    sentences: list[str] = []
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:[-*]|\d+\.)\s)", body):
        line = " ".join(block.split())
        line = re.sub(r"^(#+|[-*]|\d+\.)\s+", "", line).replace("**", "")
        if not line or line.startswith("|") or line.startswith("#"):
            continue
        for sentence in SENTENCE_END.split(line):
            sentence = sentence.strip()
            if (
                MIN_CHARS <= len(sentence) <= MAX_CHARS
                and not sentence.endswith(":")  # a list's lead-in says nothing on its own
                and not looks_like_injection(sentence)
            ):
                sentences.append(sentence)
    return sentences


class ExtractiveSelector:
    def __init__(self, embed: EmbedMany, *, diversity: float = 0.3) -> None:
        self._embed = embed
        self.diversity = diversity

    def select(
        self,
        question: str,
        hits: list[SearchHit],
        count: int,
        per_passage: int = 2,
        floor: float = 0.6,
        lexical_share: float = LEXICAL_SHARE,
    ) -> Extract:
        """`floor`: sentences less relevant than this share of the best one are not used."""
        candidates: list[Sentence] = []
        seen: set[str] = set()
        for i, hit in enumerate(hits):
            for text in split_sentences(hit.chunk.text):
                if text.casefold() not in seen:  # overlapping chunks repeat sentences
                    seen.add(text.casefold())
                    candidates.append(Sentence(text, i))
        if not candidates:
            return Extract((), (), 0.0)
        vectors = unit_rows(
            np.array(self._embed([question] + [c.text for c in candidates]), dtype=np.float32)
        )
        query, matrix = vectors[0], vectors[1:]
        overlap = np.array([_overlap(question, c.text) for c in candidates], dtype=np.float32)
        # Word overlap keeps the choice sensible where the embedding model is weak (Spanish).
        relevance = (1 - lexical_share) * (matrix @ query) + lexical_share * overlap
        # The retriever's order is the best signal of which passage answers: a small prior.
        relevance += np.array([RANK_PRIOR / (1 + c.passage) for c in candidates], np.float32)
        chosen = self._mmr(relevance, matrix, candidates, count, per_passage, floor)
        ordered = sorted(chosen, key=lambda i: (candidates[i].passage, i))
        sentences = tuple(candidates[i] for i in ordered)
        return Extract(sentences, _citations(hits, sentences), float(relevance.max()))

    def _mmr(
        self,
        relevance: np.ndarray,
        matrix: np.ndarray,
        candidates: list[Sentence],
        count: int,
        per_passage: int,
        floor_share: float,
    ) -> list[int]:
        chosen: list[int] = []
        used: dict[int, int] = {}
        floor = float(relevance.max()) * floor_share
        while len(chosen) < min(count, len(candidates)):
            best, best_score = -1, -np.inf
            for i in range(len(candidates)):
                if i in chosen or used.get(candidates[i].passage, 0) >= per_passage:
                    continue
                if relevance[i] < floor:
                    continue
                redundancy = max((float(matrix[i] @ matrix[j]) for j in chosen), default=0.0)
                score = (1 - self.diversity) * float(relevance[i]) - self.diversity * redundancy
                if score > best_score:
                    best, best_score = i, score
            if best < 0:
                break
            chosen.append(best)
            used[candidates[best].passage] = used.get(candidates[best].passage, 0) + 1
        return chosen


def _citations(hits: list[SearchHit], sentences: tuple[Sentence, ...]) -> tuple[Citation, ...]:
    """One citation per source and section, with the sentences used from it as its snippet."""
    merged: dict[tuple[str, str | None], Citation] = {}
    for sentence in sentences:
        cited = citation_for(hits[sentence.passage], sentence.text)
        key = (cited.source, cited.section)
        if key in merged:
            previous = merged[key]
            cited = citation_for(hits[sentence.passage], f"{previous.snippet} {sentence.text}")
        merged[key] = cited
    return tuple(merged.values())


def citation_for(hit: SearchHit, snippet: str) -> Citation:
    meta = hit.chunk.metadata
    code = str(meta.get("code") or "") or None
    return Citation(
        source=hit.chunk.source,
        title=hit.chunk.title,
        section=str(meta.get("section") or "") or None,
        code=code,
        snippet=snippet,
    )


def _stems(text: str) -> set[str]:
    return {token[:5] for token in tokens(text) if len(token) > 2}


def _overlap(question: str, sentence: str) -> float:
    """Share of the question's content words (by their first letters) found in the sentence."""
    wanted = _stems(question)
    return len(wanted & _stems(sentence)) / len(wanted) if wanted else 0.0
