"""Idempotent, incremental indexing of frameworks and guides into the vector store.

Crash safety: a file's vectors are written before its record (one SQLite transaction), so a run
killed at any point leaves records that under-report and the next run redoes only what they lack
(chunk ids are content hashes and writes are upserts, so nothing is duplicated). Before its first
vector write a run sets the records' verify flag and clears it when it ends; a run that finds the
flag set (its predecessor died), the embedded store's folder gone, or a store whose size disagrees
with the records compares the two and repairs the store: vectors no record names are deleted and
recorded chunks without a vector are written again (from the embedding cache, so nothing is
embedded twice). Every run also reads its own writes: each new vector must be returned by a query
with itself, or it is written again (see `_make_searchable`). And every run, even one with
nothing to change, opens the store and reads it back (its size, one passage, one query): a
damaged store is reported by `waypoint ingest` as StoreUnavailableError naming it, not found
only by the next search.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import DocumentLoadError, FrameworkImportError, StoreUnavailableError
from assistant.frameworks.case_import import load_framework
from assistant.frameworks.clashes import FrameworksInUse, framework_files
from assistant.frameworks.documents import framework_chunks
from assistant.frameworks.model import Framework
from assistant.ingest.chunking import GuideChunker
from assistant.ingest.corpus import CorpusFile, discover, is_json_schema
from assistant.ingest.loaders import load_guide
from assistant.ingest.records import VERIFY_FLAG, FileRecord, IndexRecords
from assistant.ingest.writelock import WriteLock
from assistant.retrieval.vectorstore import (
    describe_store,
    read_back,
    repair_hint,
    store_errors,
    unfindable,
    vector_ids,
)
from assistant.settings import Settings
from assistant.types import Chunk

# Bump when loaders or chunking change in a way that alters chunks of unchanged files.
PIPELINE_VERSION = "1"
WRITE_BATCH = 64
DELETE_BATCH = 500
Progress = Callable[[int, int], None]
# Told of each framework file about to be recorded; returns lines for the report (see
# frameworks.version_log: a new version of a framework is applied there).
OnFramework = Callable[[Framework], list[str]]
log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    files: int = 0
    files_changed: int = 0
    files_removed: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    chunks_unchanged: int = 0
    embedded: int = 0
    vectors_restored: int = 0
    orphans_removed: int = 0
    vectors_rewritten: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class _Plan:
    file: CorpusFile
    fingerprint: str
    kind: str
    chunks: list[Chunk]
    existing: set[str]
    framework: tuple[str, str, dict[str, object]] | None = None
    loaded: Framework | None = None

    @property
    def new(self) -> list[Chunk]:
        return [c for c in self.chunks if c.id not in self.existing]

    @property
    def stale(self) -> set[str]:
        return self.existing - {c.id for c in self.chunks}


class _Store:
    """The vector store for one run: opened on first use, the verify flag set before the first
    write, every store failure raised as StoreUnavailableError."""

    def __init__(self, settings: Settings, records: IndexRecords, open_store: Callable[[], Any]):
        self.settings = settings
        self.records = records
        self._open = open_store
        self._store: Any = None

    def get(self) -> Any:
        if self._store is None:
            with store_errors(self.settings):
                store = self._open()
            self.records.set_flag(VERIFY_FLAG, True)
            self._store = store
        return self._store

    def add(self, chunks: Sequence[Chunk]) -> None:
        store = self.get()
        with store_errors(self.settings):
            store.add_texts(
                [c.text for c in chunks],
                metadatas=[dict(c.metadata) for c in chunks],
                ids=[c.id for c in chunks],
            )

    def delete(self, ids: Sequence[str]) -> None:
        store = self.get()
        for start in range(0, len(ids), DELETE_BATCH):
            with store_errors(self.settings):
                store.delete(ids=list(ids[start : start + DELETE_BATCH]))

    def check(self) -> int:
        """Open the store and read it back as a search would (see `read_back`): a damaged store
        fails the run that finds nothing to change, not only the next search. Its size."""
        store = self.get()
        try:
            with store_errors(self.settings, every=True):
                return read_back(store)
        except StoreUnavailableError as exc:
            raise StoreUnavailableError(f"{exc}{repair_hint(self.settings)}") from exc

    def ids(self) -> set[str]:
        with store_errors(self.settings):
            return vector_ids(self.get())


class Indexer:
    def __init__(
        self,
        settings: Settings,
        records: IndexRecords,
        vector_store: Callable[[], Any],
        embedded_count: Callable[[], int],
        *,
        on_framework: OnFramework | None = None,
        embedder_name: str | None = None,
        on_chunks: Callable[[Sequence[Chunk]], object] | None = None,
    ) -> None:
        """`embedder_name` names the model and backend the store's vectors come from: an index
        built by another is re-embedded. `on_chunks` is given each file's new chunks before
        they are recorded (the container embeds the passages answers are composed from)."""
        self.settings = settings
        self._on_framework = on_framework
        self._embedder_name = embedder_name
        self._on_chunks = on_chunks
        self.records = records
        self._vector_store = vector_store
        self._embedded_count = embedded_count
        self.chunker = GuideChunker(settings.ingest.chunk_size, settings.ingest.chunk_overlap)

    def ingest(
        self,
        targets: Sequence[Path] | None = None,
        *,
        prune: bool = False,
        progress: Progress | None = None,
        waiting: Callable[[int | None], None] | None = None,
    ) -> IngestReport:
        """`waiting` is told (once, with its process id if known) that another run holds the
        write lock, before this one waits for it."""
        started = time.perf_counter()
        report = IngestReport()
        embedded_before = self._embedded_count()
        with WriteLock(self.settings.home / "ingest.lock", on_wait=waiting):
            store = _Store(self.settings, self.records, self._vector_store)
            verify = self.records.flag(VERIFY_FLAG) or self._store_folder_lost()
            if self._other_embedder():
                self._drop_vectors(store, report)
                verify = True
            plans, roots_seen = self._plan(targets or [self.settings.knowledge_dir], report)
            total = sum(len(p.new) for p in plans)
            done = 0
            for plan in plans:
                done = self._apply(plan, store, report, done, total, progress)
            if prune:
                for root, seen in roots_seen.items():
                    self._prune(root, seen, store, report)
            if store.check() != self.records.chunk_count() or verify:
                self._repair(store, report)
            added = [c for plan in plans for c in plan.new]
            if added:
                self._make_searchable(added, store, report)
            if self._embedder_name is not None:
                self.records.set_embedder(self._embedder_name)
            self.records.set_flag(VERIFY_FLAG, False)
        report.embedded = self._embedded_count() - embedded_before
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    def _plan(
        self, targets: Sequence[Path], report: IngestReport
    ) -> tuple[list[_Plan], dict[str, set[str]]]:
        plans: list[_Plan] = []
        roots_seen: dict[str, set[str]] = {}
        in_use = FrameworksInUse(
            lambda: framework_files(
                self.settings.knowledge_dir, (fw.get("file") for fw in self.records.frameworks())
            )
        )
        for target in targets:
            if not target.exists():
                report.problems.append(f"{target}: no such file or folder")
                continue
            root, files = discover(target, self.settings.knowledge_dir)
            if target.is_dir():
                roots_seen.setdefault(root, set())
            for corpus_file in files:
                report.files += 1
                roots_seen.get(root, set()).add(corpus_file.path)
                plan = self._plan_file(corpus_file, report, in_use)
                if plan is not None:
                    plans.append(plan)
        return plans, roots_seen

    def _plan_file(
        self, corpus_file: CorpusFile, report: IngestReport, in_use: FrameworksInUse
    ) -> _Plan | None:
        try:
            size = corpus_file.file.stat().st_size
            if size > self.settings.ingest.max_file_bytes:  # refused before it is read
                report.problems.append(
                    f"{corpus_file.path}: is {size:,} bytes, over the "
                    f"{self.settings.ingest.max_file_bytes:,}-byte limit"
                )
                return None
            data = corpus_file.file.read_bytes()
        except OSError as exc:
            report.problems.append(f"{corpus_file.path}: cannot be read ({exc.strerror})")
            return None
        fingerprint = self._fingerprint(data)
        record = self.records.file(corpus_file.root, corpus_file.path)
        if record is not None and record.fingerprint == fingerprint:
            report.chunks_unchanged += len(
                self.records.chunk_ids(corpus_file.root, corpus_file.path)
            )
            return None
        try:
            if corpus_file.is_framework:
                if is_json_schema(corpus_file.file):
                    report.ignored.append(f"{corpus_file.path}: a JSON Schema, not a framework")
                    return None
                return self._plan_framework(corpus_file, fingerprint, in_use)
            document = load_guide(
                corpus_file.file, corpus_file.path, max_bytes=self.settings.ingest.max_file_bytes
            )
        except (FrameworkImportError, DocumentLoadError) as exc:
            report.problems.append(str(exc))
            return None
        chunks = self.chunker.chunks(document)
        return _Plan(
            corpus_file,
            fingerprint,
            "guide",
            chunks,
            self.records.chunk_ids(corpus_file.root, corpus_file.path),
        )

    def _plan_framework(
        self, corpus_file: CorpusFile, fingerprint: str, in_use: FrameworksInUse
    ) -> _Plan:
        framework = load_framework(
            corpus_file.file,
            display_name=corpus_file.path,
            max_bytes=self.settings.ingest.max_file_bytes,
        )
        in_use.check(framework, corpus_file.file, corpus_file.path)  # its codes are its own
        in_use.add(corpus_file.file, framework)
        summary: dict[str, object] = {
            "items": len(framework),
            "hierarchy_edges": framework.hierarchy_edge_count,
            "prerequisite_edges": framework.prerequisite_edge_count,
            "aliases": len(framework.aliases),
            "external_edges": len(framework.external),
            "with_levels": len(framework.levels),
            "case_version": framework.case_version,
            "file": str(corpus_file.file.resolve()),
        }
        return _Plan(
            corpus_file,
            fingerprint,
            "framework",
            framework_chunks(framework, corpus_file.path),
            self.records.chunk_ids(corpus_file.root, corpus_file.path),
            (framework.identifier, framework.title, summary),
            framework,
        )

    def _fingerprint(self, data: bytes) -> str:
        digest = hashlib.sha256(data)
        s = self.settings
        digest.update(
            f"|{PIPELINE_VERSION}|{s.ingest.chunk_size}|{s.ingest.chunk_overlap}|{s.embedding.model}".encode()
        )
        return digest.hexdigest()

    def _other_embedder(self) -> bool:
        """The store holds vectors of another model or backend than this run's."""
        if self._embedder_name is None or not self.records.chunk_count():
            return False
        built = self.records.embedder() or self.settings.embedding.model  # before: torch
        return built != self._embedder_name

    def _drop_vectors(self, store: _Store, report: IngestReport) -> None:
        """Delete every vector of the other embedder; `_repair` writes the recorded chunks
        again with this one (and their passages are embedded for the composer)."""
        log.warning(
            "the index was built with %s; re-embedding it with %s",
            self.records.embedder() or self.settings.embedding.model,
            self._embedder_name,
        )
        present = sorted(store.ids())
        if present:
            store.delete(present)
        if self._on_chunks is not None:
            self._on_chunks(self.records.all_chunks())

    def _store_folder_lost(self) -> bool:
        """The embedded store's files are gone while the records still list chunks."""
        if self.settings.store.kind != "embedded":
            return False
        database = self.settings.chroma_dir / "chroma.sqlite3"
        return not database.is_file() and self.records.chunk_count() > 0

    def _apply(
        self,
        plan: _Plan,
        store: _Store,
        report: IngestReport,
        done: int,
        total: int,
        progress: Progress | None,
    ) -> int:
        new = plan.new
        if new and self._on_chunks is not None:
            self._on_chunks(new)
        for start in range(0, len(new), WRITE_BATCH):
            batch = new[start : start + WRITE_BATCH]
            store.add(batch)
            done += len(batch)
            if progress:
                progress(done, total)
        stale = plan.stale
        if stale:
            store.delete(sorted(stale))
        if plan.loaded is not None and self._on_framework is not None:
            # Before the record: a run that dies here applies the version again next time.
            report.versions.extend(self._on_framework(plan.loaded))
        # Vectors first, then the record: a crash in between is completed by the next run.
        self.records.commit_file(
            FileRecord(plan.file.root, plan.file.path, plan.fingerprint, plan.kind),
            added=new,
            removed=stale,
            framework=plan.framework,
        )
        report.files_changed += 1
        report.chunks_added += len(new)
        report.chunks_removed += len(stale)
        report.chunks_unchanged += len(plan.chunks) - len(new)
        return done

    def _prune(self, root: str, seen: set[str], store: _Store, report: IngestReport) -> None:
        for record in self.records.files_under(root):
            if record.path in seen:
                continue
            ids = self.records.chunk_ids(root, record.path)
            if ids:
                store.delete(sorted(ids))
            self.records.forget_file(root, record.path)
            report.files_removed += 1
            report.chunks_removed += len(ids)

    def _make_searchable(self, added: list[Chunk], store: _Store, report: IngestReport) -> None:
        """Read our own writes: every passage written in this run must be found by a query with
        its own vector. One that is not (a rare Chroma fault seen under load: `get` returns the
        vector, queries never do) is written again, and named in the report if it still is not,
        since meaning search would silently never find it; search by words still does."""
        by_id = {c.id: c for c in added}
        with store_errors(self.settings, every=True):
            lost = unfindable(store.get(), list(by_id))
        if not lost:
            return
        log.warning(
            "%d new vectors not returned by a search with themselves: writing again", len(lost)
        )
        store.delete(lost)
        for start in range(0, len(lost), WRITE_BATCH):
            store.add([by_id[i] for i in lost[start : start + WRITE_BATCH]])
        report.vectors_rewritten += len(lost)
        with store_errors(self.settings, every=True):
            still = unfindable(store.get(), lost)
        if still:
            sources = sorted({by_id[i].source for i in still})
            report.problems.append(
                f"{len(still)} newly indexed passage(s) from {', '.join(sources[:5])} are stored "
                f"in {describe_store(self.settings)} but its search does not return them; they "
                "are found by words only. Empty or remove the vector store and run `waypoint "
                "ingest`: it is rebuilt from the index records without embedding anything again"
            )

    def _repair(self, store: _Store, report: IngestReport) -> None:
        """Make the store hold exactly the recorded chunks: delete vectors no record names (a
        run killed between a file's vectors and its record, then the file changed) and write
        again recorded chunks that have no vector (a lost or rebuilt store folder)."""
        recorded = self.records.all_chunks()
        present = store.ids()
        names = {c.id for c in recorded}
        orphans = sorted(present - names)
        if orphans:
            store.delete(orphans)
        missing = [c for c in recorded if c.id not in present]
        for start in range(0, len(missing), WRITE_BATCH):
            store.add(missing[start : start + WRITE_BATCH])
        report.orphans_removed += len(orphans)
        report.vectors_restored += len(missing)
