"""The vector store as one ingest run writes it: opened on first use, written in batches, read
back, and repaired so that it holds exactly the chunks the index records name."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from assistant.errors import StoreUnavailableError
from assistant.index.records import VERIFY_FLAG, IndexRecords
from assistant.index.vectorstore import (
    describe_store,
    read_back,
    repair_hint,
    store_errors,
    unfindable,
    vector_ids,
)
from assistant.ingest.report import IngestReport
from assistant.settings import Settings
from assistant.types import Chunk

# Chunks per store write: each costs the embedded store about 0.07 s besides its chunks' own.
WRITE_BATCH = 256
DELETE_BATCH = 500
log = logging.getLogger(__name__)


class RunStore:
    """The vector store for one run: opened on first use, the verify flag set before the first
    write, every store failure raised as StoreUnavailableError."""

    def __init__(self, settings: Settings, records: IndexRecords, open_store: Callable[[], Any]):
        self.settings = settings
        self.records = records
        self._open = open_store
        self._store: Any = None
        self.wrote = False  # whether this run added or deleted vectors

    def get(self) -> Any:
        if self._store is None:
            with store_errors(self.settings):
                store = self._open()
            self.records.set_flag(VERIFY_FLAG, True)
            self._store = store
        return self._store

    def add(self, chunks: Sequence[Chunk]) -> None:
        store = self.get()
        self.wrote = self.wrote or bool(chunks)
        with store_errors(self.settings):
            store.add_texts(
                [c.text for c in chunks],
                metadatas=[dict(c.metadata) for c in chunks],
                ids=[c.id for c in chunks],
            )

    def delete(self, ids: Sequence[str]) -> None:
        store = self.get()
        self.wrote = self.wrote or bool(ids)
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


def make_searchable(
    settings: Settings, added: list[Chunk], store: RunStore, report: IngestReport
) -> None:
    """Read our own writes: every passage written in this run must be found by a query with
    its own vector. One that is not (a rare Chroma fault seen under load: `get` returns the
    vector, queries never do) is written again, and named in the report if it still is not,
    since meaning search would silently never find it; search by words still does."""
    by_id = {c.id: c for c in added}
    with store_errors(settings, every=True):
        lost = unfindable(store.get(), list(by_id))
    if not lost:
        return
    log.warning("%d new vectors not returned by a search with themselves: writing again", len(lost))
    store.delete(lost)
    for start in range(0, len(lost), WRITE_BATCH):
        store.add([by_id[i] for i in lost[start : start + WRITE_BATCH]])
    report.vectors_rewritten += len(lost)
    with store_errors(settings, every=True):
        still = unfindable(store.get(), lost)
    if still:
        sources = sorted({by_id[i].source for i in still})
        report.problems.append(
            f"{len(still)} newly indexed passage(s) from {', '.join(sources[:5])} are stored "
            f"in {describe_store(settings)} but its own search does not return them (Waypoint "
            "still finds them: it searches the stored vectors in memory). Empty or remove the "
            "vector store and run `waypoint ingest`: it is rebuilt from the index records "
            "without embedding anything again"
        )


def repair(records: IndexRecords, store: RunStore, report: IngestReport) -> None:
    """Make the store hold exactly the recorded chunks: delete vectors no record names (a
    run killed between a file's vectors and its record, then the file changed) and write
    again recorded chunks that have no vector (a lost or rebuilt store folder)."""
    recorded = records.all_chunks()
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
