"""Hybrid retrieval: dense (Chroma) + lexical (BM25) fused by reciprocal rank, codes first.

The lexical side reads the record store (index.sqlite3), the dense side Chroma. When Chroma is
corrupted, unreachable or has lost its vectors, `search` in "hybrid" and "dense" modes raises
StoreUnavailableError naming the store; "lexical" never touches Chroma, so a caller that prefers
a degraded answer to none (the chat engine) can search again in that mode.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from assistant.errors import StoreUnavailableError
from assistant.frameworks.codes import codes_in, linked_to_codes, rank_code_matches
from assistant.index.records import VERIFY_FLAG, IndexRecords
from assistant.index.section_text import section_name, section_text
from assistant.index.vectorstore import answers, describe_store, store_errors, vector_count
from assistant.language import detect_language
from assistant.retrieval.fusion import reciprocal_rank_fusion
from assistant.retrieval.lexical import LexicalIndex
from assistant.retrieval.store_vectors import Filter, StoreVectors
from assistant.settings import Settings
from assistant.types import QUESTION, Chunk, SearchHit

Mode = Literal["hybrid", "dense", "lexical"]


@dataclass(frozen=True)
class SearchFilters:
    """Metadata filters; a guide for audience "all" matches every audience. The questions a
    section lists (doc_type "question") are found only when asked for by that doc_type."""

    audience: str | None = None
    framework: str | None = None
    doc_type: str | None = None
    language: str | None = None

    def accepts(self, chunk: Chunk) -> bool:
        meta = chunk.metadata
        if self.audience and meta.get("audience", "all") not in (self.audience, "all"):
            return False
        if self.framework and self.framework not in (
            meta.get("framework"),
            meta.get("framework_id"),
        ):
            return False
        if self.doc_type and meta.get("doc_type") != self.doc_type:
            return False
        if not self.doc_type and meta.get("doc_type") == QUESTION:
            return False
        return not (self.language and meta.get("language") != self.language)

    def chroma_where(self) -> dict[str, Any]:
        clauses: list[dict[str, Any]] = []
        if self.audience:
            clauses.append({"audience": {"$in": [self.audience, "all"]}})
        clauses.append({"doc_type": self.doc_type or {"$ne": QUESTION}})
        if self.language:
            clauses.append({"language": self.language})
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def where_accepts(self, meta: Mapping[str, object]) -> bool:
        """What `chroma_where` selects, decided the way Chroma decides it: a key its `$in` or
        equality clause names must be present; `$ne` also takes a chunk without the key."""
        if self.audience and meta.get("audience") not in (self.audience, "all"):
            return False
        if self.doc_type and meta.get("doc_type") != self.doc_type:
            return False
        if not self.doc_type and meta.get("doc_type") == QUESTION:
            return False
        return not (self.language and meta.get("language") != self.language)


class Retriever(Protocol):
    def search(
        self, query: str, k: int = 5, filters: SearchFilters | None = None, mode: Mode = "hybrid"
    ) -> list[SearchHit]: ...


class PassageSource(Retriever, Protocol):
    """A retriever that can also lead from any passage to its section's first one (what the
    chat engine needs; tests/fakes has a deterministic one)."""

    def opening(self, chunk: Chunk) -> Chunk: ...

    def section_body(self, chunk: Chunk) -> str: ...


class HybridRetriever:
    def __init__(
        self,
        settings: Settings,
        records: IndexRecords,
        vector_store: Callable[[], Any],
        embed_query: Callable[[str], list[float]],
        *,
        embedder_name: str | None = None,
    ) -> None:
        """`embedder_name`: the model and backend questions are embedded with; an index whose
        vectors come from another is refused (its vectors and the question's would not
        compare) until `waypoint ingest` re-embeds it."""
        self.settings = settings
        self._embedder_name = embedder_name
        self.records = records
        self._vector_store = vector_store
        self._embed_query = embed_query
        self._lexical: LexicalIndex | None = None
        # the questions sections list, in an index of their own: short texts that would crowd
        # the passages out of a shared BM25 ranking and shift its word weights
        self._asked: LexicalIndex | None = None
        self._by_id: dict[str, Chunk] = {}
        self._openings: dict[tuple[str, str], Chunk] = {}
        # each section's chunks (listed questions aside), and its whole text
        self._parts: dict[tuple[str, str], list[Chunk]] = {}
        self._whole: dict[tuple[str, str], str] = {}
        self._generation = -1
        self._store_checked = -1  # the records generation the store was last found to match
        self._vectors = StoreVectors()
        self._lock = threading.Lock()

    def _lexical_index(self) -> LexicalIndex:
        with self._lock:
            try:
                generation = self.records.generation()
                if self._lexical is None or generation != self._generation:
                    chunks = self.records.all_chunks()
                    asked = [c for c in chunks if c.metadata.get("doc_type") == QUESTION]
                    self._lexical = LexicalIndex(
                        [c for c in chunks if c.metadata.get("doc_type") != QUESTION]
                    )
                    self._asked = LexicalIndex(asked)
                    self._by_id = {c.id: c for c in chunks}
                    self._openings = {
                        (c.source, str(c.metadata.get("section") or "")): c
                        for c in reversed(chunks)
                        if not c.metadata.get("part")
                    }
                    self._parts = _section_parts(chunks)
                    # every section's whole text, once per index (answers read them)
                    self._whole = {k: section_text(p) for k, p in self._parts.items()}
                    self._generation = generation
            except sqlite3.Error as exc:
                raise StoreUnavailableError(
                    f"the index records in {self.records.db_path} cannot be read: {exc}"
                ) from exc
            return self._lexical

    def opening(self, chunk: Chunk) -> Chunk:
        """The first chunk of the section this chunk belongs to (itself when it is the first,
        or when the section's start is not indexed)."""
        if not chunk.metadata.get("part"):
            return chunk
        self._lexical_index()
        key = (chunk.source, str(chunk.metadata.get("section") or ""))
        return self._openings.get(key, chunk)

    def section_body(self, chunk: Chunk) -> str:
        """The whole text of the section this chunk belongs to, every part in order, without
        the heading line (the chunk's own text when its section is not indexed)."""
        self._lexical_index()
        key = (chunk.source, section_name(chunk))
        with self._lock:
            found = self._whole.get(key)
            if found is None:
                parts = self._parts.get(key) or [chunk]
                found = self._whole[key] = section_text(parts)
            return found

    def search(
        self, query: str, k: int = 5, filters: SearchFilters | None = None, mode: Mode = "hybrid"
    ) -> list[SearchHit]:
        filters = filters or SearchFilters()
        lexical = self._lexical_index()
        if filters.doc_type == QUESTION:
            lexical = self._asked or lexical
        if not lexical.chunks or not query.strip():
            return []
        pool = max(self.settings.retrieval.candidate_pool, k)
        dense_ids = self._dense(query, pool, filters) if mode != "lexical" else []
        lexical_ids = (
            [c.id for c, _ in lexical.search(query, pool * 4) if filters.accepts(c)][:pool]
            if mode != "dense"
            else []
        )
        rankings: list[tuple[list[str], float]] = []
        if dense_ids:
            # The bundled embedding model is English-only: trust words more in Spanish.
            spanish = detect_language(query) == "es"
            weight = (
                self.settings.retrieval.dense_weight_es
                if spanish
                else self.settings.retrieval.dense_weight
            )
            rankings.append((dense_ids, weight))
        if lexical_ids:
            rankings.append((lexical_ids, self.settings.retrieval.lexical_weight))
        fused = reciprocal_rank_fusion(rankings, k=self.settings.retrieval.rrf_k)
        code_first: list[str] = []
        if mode == "hybrid":
            tokens = codes_in(query)
            candidates = [c for c in lexical.coded if filters.accepts(c)] if tokens else []
            code_first = [c.id for c in rank_code_matches(tokens, candidates)]
            # Then the best passage of each guide or resource linked to that competency: the
            # embedding model cannot read codes, so these would otherwise sink in the fusion.
            linked = linked_to_codes(tokens, candidates)
            linked.sort(key=lambda c: -fused.get(c.id, 0.0))
            per_source: set[str] = set()
            for linked_chunk in linked:
                if linked_chunk.source not in per_source and linked_chunk.id not in code_first:
                    per_source.add(linked_chunk.source)
                    code_first.append(linked_chunk.id)
        pinned = set(code_first)
        ordered = code_first + sorted(
            (i for i in fused if i not in pinned), key=lambda i: -fused[i]
        )
        hits = []
        for position, chunk_id in enumerate(ordered[:k]):
            chunk = self._by_id.get(chunk_id)
            if chunk is None:
                continue
            is_code = chunk_id in pinned
            score = 1.0 + 1.0 / (1 + position) if is_code else fused.get(chunk_id, 0.0)
            hits.append(
                SearchHit(
                    chunk=chunk,
                    score=score,
                    dense_rank=_rank(dense_ids, chunk_id),
                    lexical_rank=_rank(lexical_ids, chunk_id),
                    code_match=is_code,
                )
            )
        return hits

    def _dense(self, query: str, pool: int, filters: SearchFilters) -> list[str]:
        """The nearest passages by meaning, as a filtered query of the store ranks them, found
        in the store's vectors held in memory (see `store_vectors`), read again when the records
        generation or the embedder changes; every search still asks the store whether it
        answers, so a server that went away is reported as before."""
        with store_errors(self.settings):
            store = self._vector_store()
        self._check_store(store)
        vector = self._embed_query(query)
        with store_errors(self.settings, every=True):
            answers(store)
            matrix = self._vectors.current(store, (self._generation, self.records.embedder()))
        by_id = self._by_id
        where = Filter(
            (filters.audience, filters.doc_type, filters.language),
            lambda i: i in by_id and filters.where_accepts(by_id[i].metadata),
            by_id,
        )
        fetch = pool * 2 if filters.framework else pool
        ids = []
        for chunk_id in matrix.nearest(vector, fetch, where):
            chunk = by_id.get(chunk_id)
            # Only chunks whose record was committed count: a vector written just before a
            # crash is invisible until the next ingest records it.
            if chunk is not None and filters.accepts(chunk):
                ids.append(chunk.id)
        return ids[:pool]

    def _check_store(self, store: Any) -> None:
        """A store that opens but holds no vectors while passages are recorded (its files were
        replaced or emptied, a server was reset) would silently turn every search lexical: say
        so, and ask the next ingest to rebuild it. Checked once per records generation."""
        generation = self._generation
        if generation == self._store_checked:
            return
        with store_errors(self.settings, every=True):
            count = vector_count(store)
        recorded = len(self._by_id)
        built = self.records.embedder() or self.settings.embedding.model
        if recorded and self._embedder_name is not None and built != self._embedder_name:
            raise StoreUnavailableError(
                f"{describe_store(self.settings)} holds vectors made with {built}, but questions "
                f"are embedded with {self._embedder_name}; run `waypoint ingest` to re-embed it "
                "(or set WAYPOINT_EMBEDDING_BACKEND back)"
            )
        if count == 0 and recorded:
            with contextlib.suppress(sqlite3.Error):  # a read-only index still gets the message
                self.records.set_flag(VERIFY_FLAG, True)
            raise StoreUnavailableError(
                f"{describe_store(self.settings)} holds no vectors although {recorded} passages "
                "are indexed; run `waypoint ingest` to rebuild it"
            )
        self._store_checked = generation


def _rank(ids: list[str], chunk_id: str) -> int | None:
    try:
        return ids.index(chunk_id) + 1
    except ValueError:
        return None


def _section_parts(chunks: list[Chunk]) -> dict[tuple[str, str], list[Chunk]]:
    """Each section's chunks, listed questions aside; a part recorded twice with the same text
    (one source indexed from two roots) is kept once."""
    parts: dict[tuple[str, str], list[Chunk]] = {}
    seen: set[tuple[str, str, object, object, str]] = set()
    for chunk in chunks:
        if chunk.metadata.get("doc_type") == QUESTION:
            continue
        key = (chunk.source, section_name(chunk))
        mark = (*key, chunk.metadata.get("page"), chunk.metadata.get("part"), chunk.text)
        if mark not in seen:
            seen.add(mark)
            parts.setdefault(key, []).append(chunk)
    return parts
