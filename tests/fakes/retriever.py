"""An in-memory PassageSource over the bundled knowledge: no embedding model, no Chroma.

Its chunks are the ones `waypoint ingest` records, made by the same code (corpus discovery, the
guide loader and chunker, the framework importer and its documents). A search ranks them by
words with the project's BM25 index and by "meaning" with the fake embedder (shared word stems),
fuses the two by reciprocal rank with the weights of Settings, keeps only the chunks that
`SearchFilters.accepts` (so the questions a section lists are found only when doc_type
"question" is asked for) and, in "hybrid" mode, puts first the chunks of the competency codes
the query names, then the best passage of each guide or resource linked to them, as
HybridRetriever does. Set `vector_store_down` and "hybrid" and "dense" raise
StoreUnavailableError as a broken vector store does, while "lexical" still answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.errors import StoreUnavailableError
from assistant.frameworks.case_import import load_framework
from assistant.frameworks.codes import codes_in, linked_to_codes, rank_code_matches
from assistant.frameworks.documents import framework_chunks
from assistant.index.section_text import section_text
from assistant.ingest.chunking import GuideChunker
from assistant.ingest.corpus import discover, is_json_schema
from assistant.ingest.loaders import load_guide
from assistant.language import detect_language
from assistant.retrieval.fusion import reciprocal_rank_fusion
from assistant.retrieval.lexical import LexicalIndex
from assistant.retrieval.retriever import Mode, SearchFilters
from assistant.settings import BUNDLED_KNOWLEDGE, Settings
from assistant.types import QUESTION, Chunk, SearchHit
from tests.fakes.embedder import embed_matrix


def knowledge_chunks(
    folder: Path = BUNDLED_KNOWLEDGE, settings: Settings | None = None
) -> list[Chunk]:
    """Every chunk the indexer records for the files under `folder`, in its order."""
    s = settings or Settings(profile="test")
    chunker = GuideChunker(s.ingest.chunk_size, s.ingest.chunk_overlap)
    chunks: list[Chunk] = []
    _, files = discover(folder, s.knowledge_dir)
    for corpus_file in files:
        if not corpus_file.is_framework:
            document = load_guide(
                corpus_file.file, corpus_file.path, max_bytes=s.ingest.max_file_bytes
            )
            chunks += chunker.chunks(document)
        elif not is_json_schema(corpus_file.file):
            framework = load_framework(
                corpus_file.file, display_name=corpus_file.path, max_bytes=s.ingest.max_file_bytes
            )
            chunks += framework_chunks(framework, corpus_file.path)
    return chunks


class FakeRetriever:
    """A deterministic PassageSource over a fixed list of chunks."""

    def __init__(self, chunks: Sequence[Chunk], settings: Settings | None = None) -> None:
        self.settings = settings or Settings(profile="test")
        self.chunks = list(chunks)
        self.lexical = LexicalIndex(self.chunks)
        self.vectors = embed_matrix([c.text for c in self.chunks])
        self.vector_store_down = False
        self._by_id = {c.id: c for c in self.chunks}
        self._masks: dict[SearchFilters, np.ndarray] = {}
        self._openings: dict[tuple[str, str], Chunk] = {}
        for chunk in self.chunks:
            if not chunk.metadata.get("part"):
                self._openings.setdefault(_section_key(chunk), chunk)

    def opening(self, chunk: Chunk) -> Chunk:
        """Part 0 of the chunk's section (itself when it is part 0 or its section has none)."""
        if not chunk.metadata.get("part"):
            return chunk
        return self._openings.get(_section_key(chunk), chunk)

    def section_body(self, chunk: Chunk) -> str:
        """The whole text of the chunk's section, every part in order (as the real one)."""
        key = _section_key(chunk)
        parts = [
            c
            for c in self.chunks
            if _section_key(c) == key and c.metadata.get("doc_type") != QUESTION
        ]
        return section_text(parts or [chunk])

    def search(
        self, query: str, k: int = 5, filters: SearchFilters | None = None, mode: Mode = "hybrid"
    ) -> list[SearchHit]:
        filters = filters or SearchFilters()
        if mode != "lexical" and self.vector_store_down:
            raise StoreUnavailableError("the fake vector store is down")
        if not self.chunks or not query.strip():
            return []
        s = self.settings
        pool = max(s.retrieval.candidate_pool, k)
        dense = self._dense(query, pool, filters) if mode != "lexical" else []
        lexical = (
            [c.id for c, _ in self.lexical.search(query, pool * 4) if filters.accepts(c)][:pool]
            if mode != "dense"
            else []
        )
        spanish = detect_language(query) == "es"
        weight = s.retrieval.dense_weight_es if spanish else s.retrieval.dense_weight
        rankings = [
            (ids, w) for ids, w in ((dense, weight), (lexical, s.retrieval.lexical_weight)) if ids
        ]
        fused = reciprocal_rank_fusion(rankings, k=s.retrieval.rrf_k)
        pinned = self._code_first(query, filters, fused) if mode == "hybrid" else []
        ordered = pinned + sorted((i for i in fused if i not in pinned), key=lambda i: -fused[i])
        return [
            SearchHit(
                chunk=self._by_id[chunk_id],
                score=1.0 + 1.0 / (1 + position) if chunk_id in pinned else fused[chunk_id],
                dense_rank=_rank(dense, chunk_id),
                lexical_rank=_rank(lexical, chunk_id),
                code_match=chunk_id in pinned,
            )
            for position, chunk_id in enumerate(ordered[:k])
        ]

    def _dense(self, query: str, pool: int, filters: SearchFilters) -> list[str]:
        vector = embed_matrix([query])[0]
        words = np.flatnonzero(vector)  # a query has few words: only their columns count
        similarity = np.where(self._accepted(filters), self.vectors[:, words] @ vector[words], 0)
        best = np.argsort(-similarity, kind="stable")[:pool]
        return [self.chunks[int(i)].id for i in best if similarity[i] > 0]

    def _accepted(self, filters: SearchFilters) -> np.ndarray:
        """Which chunks the filters accept (one flag per chunk, worked out once per filter)."""
        mask = self._masks.get(filters)
        if mask is None:
            mask = self._masks[filters] = np.array([filters.accepts(c) for c in self.chunks])
        return mask

    def _code_first(self, query: str, filters: SearchFilters, fused: dict[str, float]) -> list[str]:
        """The chunks of the codes the query names, then the best passage of each guide or
        resource linked to one of them."""
        named = codes_in(query)
        if not named:
            return []
        accepted = self._accepted(filters)
        candidates = [c for c, ok in zip(self.chunks, accepted, strict=True) if ok]
        first = [c.id for c in rank_code_matches(named, candidates)]
        linked = sorted(linked_to_codes(named, candidates), key=lambda c: -fused.get(c.id, 0.0))
        sources: set[str] = set()
        for chunk in linked:
            if chunk.source not in sources and chunk.id not in first:
                sources.add(chunk.source)
                first.append(chunk.id)
        return first


def _section_key(chunk: Chunk) -> tuple[str, str]:
    return (chunk.source, str(chunk.metadata.get("section") or ""))


def _rank(ids: list[str], chunk_id: str) -> int | None:
    return ids.index(chunk_id) + 1 if chunk_id in ids else None
