"""Idempotent, incremental indexing of frameworks and guides into the vector store.

Crash safety: a file's vectors are written before its record (one SQLite transaction), so a run
killed at any point leaves records that under-report and the next run redoes only what they lack
(chunk ids are content hashes and writes are upserts, so nothing is duplicated). Before its first
vector write a run sets the records' verify flag and clears it when it ends; a run that finds the
flag set (its predecessor died), the embedded store's folder gone, or a store whose size disagrees
with the records compares the two and repairs the store: vectors no record names are deleted and
recorded chunks without a vector are written again (from the embedding cache, so nothing is
embedded twice). Every run also reads its own writes: each new vector must be returned by a query
with itself, or it is written again (see `run_store.make_searchable`). And every run, even one with
nothing to change, opens the store and reads it back (its size, one passage, one query): a
damaged store is reported by `waypoint ingest` as StoreUnavailableError naming it, not found
only by the next search.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.frameworks.model import Framework
from assistant.index.records import VERIFY_FLAG, FileRecord, IndexRecords
from assistant.ingest.plan import Plan, Planner
from assistant.ingest.report import IngestReport
from assistant.ingest.run_store import WRITE_BATCH, RunStore, make_searchable, repair
from assistant.ingest.writelock import WriteLock
from assistant.settings import Settings
from assistant.types import Chunk

Progress = Callable[[int, int], None]
# Told of each framework file about to be recorded; returns lines for the report (see
# frameworks.version_log: a new version of a framework is applied there).
OnFramework = Callable[[Framework], list[str]]
log = logging.getLogger(__name__)


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
        self.planner = Planner(settings, records)

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
            store = RunStore(self.settings, self.records, self._vector_store)
            verify = self.records.flag(VERIFY_FLAG) or self._store_folder_lost()
            if self._other_embedder():
                self._drop_vectors(store, report)
                verify = True
            plans, roots_seen = self.planner.plan(targets or [self.settings.knowledge_dir], report)
            total = sum(len(p.new) for p in plans)
            done = 0
            for group in write_groups(plans):
                done = self._apply(group, store, report, done, total, progress)
            if prune:
                for root, seen in roots_seen.items():
                    self._prune(root, seen, store, report)
            if store.check() != self.records.chunk_count() or verify:
                repair(self.records, store, report)
            added = [c for plan in plans for c in plan.new]
            if added:
                make_searchable(self.settings, added, store, report)
            if self._embedder_name is not None:
                self.records.set_embedder(self._embedder_name)
            if store.wrote:  # a repair or a re-embedding changes vectors, not records
                self.records.bump_generation()
            self.records.set_flag(VERIFY_FLAG, False)
        report.embedded = self._embedded_count() - embedded_before
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    def _other_embedder(self) -> bool:
        """The store holds vectors of another model or backend than this run's."""
        if self._embedder_name is None or not self.records.chunk_count():
            return False
        built = self.records.embedder() or self.settings.embedding.model  # before: torch
        return built != self._embedder_name

    def _drop_vectors(self, store: RunStore, report: IngestReport) -> None:
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
        group: Sequence[Plan],
        store: RunStore,
        report: IngestReport,
        done: int,
        total: int,
        progress: Progress | None,
    ) -> int:
        """Write the new vectors of a group of files (one store write per WRITE_BATCH chunks,
        not one per file: each write costs the embedded store ~0.07 s more), then each file's
        stale vectors and record. Progress is reported after each write."""
        new = [chunk for plan in group for chunk in plan.new]
        if new and self._on_chunks is not None:
            self._on_chunks(new)
        for start in range(0, len(new), WRITE_BATCH):
            batch = new[start : start + WRITE_BATCH]
            store.add(batch)
            done += len(batch)
            if progress:
                progress(done, total)
        for plan in group:
            self._record(plan, store, report)
        return done

    def _record(self, plan: Plan, store: RunStore, report: IngestReport) -> None:
        """A file whose new vectors are written: its stale vectors deleted, then its record."""
        new = plan.new
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

    def _prune(self, root: str, seen: set[str], store: RunStore, report: IngestReport) -> None:
        for record in self.records.files_under(root):
            if record.path in seen:
                continue
            ids = self.records.chunk_ids(root, record.path)
            if ids:
                store.delete(sorted(ids))
            self.records.forget_file(root, record.path)
            report.files_removed += 1
            report.chunks_removed += len(ids)


def write_groups(plans: Sequence[Plan], size: int = WRITE_BATCH) -> list[list[Plan]]:
    """Consecutive plans grouped so that a group's new chunks fill one store write (a file with
    more than `size` new chunks makes a group of its own)."""
    groups: list[list[Plan]] = []
    count = size  # the first plan opens a group
    for plan in plans:
        if count + len(plan.new) > size:
            groups.append([])
            count = 0
        groups[-1].append(plan)
        count += len(plan.new)
    return groups
