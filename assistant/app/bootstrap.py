"""Getting the app ready on first start: demo school, knowledge index, model, in the background.

The page must render before the embedding model has loaded, so preparation runs on a thread
and reports its progress through `Preparation`, which any number of sessions may read.
Learner pages need only the database (ready in about a second); chat waits for the index.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import func, select

from assistant.chat.engine import ChatEngine
from assistant.chat.types import AskContext
from assistant.demo.load import load_demo
from assistant.errors import StoreUnavailableError, WaypointError
from assistant.imports.evidence import EvidenceImporter
from assistant.imports.roster import RosterImporter
from assistant.index.vectorstore import describe_store, repair_hint
from assistant.ingest.indexer import Indexer
from assistant.leaders.interventions import InterventionService
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.db import LearnerDatabase, User
from assistant.learners.overrides import OverrideService
from assistant.retrieval.retriever import HybridRetriever
from assistant.settings import Settings

log = logging.getLogger(__name__)

Phase = Literal["waiting", "school", "knowledge", "model", "ready", "failed"]


@dataclass(frozen=True)
class Status:
    phase: Phase
    done: int = 0
    total: int = 0
    message: str = ""
    school_ready: bool = False
    seconds: float = 0.0

    @property
    def ready(self) -> bool:
        return self.phase == "ready"

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0


@dataclass(frozen=True)
class StartWork:
    """What the first start does, as the parts it uses; each is reached only when the work
    gets to it, so the learner database opens before the model loads."""

    settings: Settings  # demo_school, knowledge_dir, and the store for failure messages
    is_empty: Callable[[], bool]  # no user in the learner database yet
    load_demo: Callable[[], None]
    indexer: Callable[[], Indexer]
    warm_up: Callable[[], None]  # load the model and the index by asking once


@dataclass
class Preparation:
    """Thread-safe progress of the start-up work; one per process."""

    _status: Status = field(default_factory=lambda: Status("waiting"))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None
    _started: float = 0.0

    @property
    def status(self) -> Status:
        with self._lock:
            return self._status

    def _set(self, phase: Phase, **changes: object) -> None:
        with self._lock:
            values: dict[str, object] = {
                "done": 0,
                "total": 0,
                "message": "",
                "school_ready": self._status.school_ready,
            }
            values.update(changes)
            values["seconds"] = time.perf_counter() - self._started
            self._status = Status(phase, **values)  # type: ignore[arg-type]

    def start(self, work: StartWork) -> None:
        """Start preparing on a daemon thread (once; later calls do nothing)."""
        with self._lock:
            if self._thread is not None:
                return
            self._started = time.perf_counter()
            self._thread = threading.Thread(
                target=self.run, args=(work,), name="waypoint-prepare", daemon=True
            )
            self._thread.start()

    def wait(self, timeout: float | None = None) -> Status:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.status

    def run(self, work: StartWork) -> None:
        try:
            self._set("school", message="opening the learner database")
            if work.settings.demo_school and work.is_empty():
                self._set("school", message="loading the demo school")
                work.load_demo()
            self._set("knowledge", message="checking the knowledge index", school_ready=True)
            work.indexer().ingest(
                [work.settings.knowledge_dir],
                progress=lambda done, total: self._set(
                    "knowledge", done=done, total=total, message="indexing the bundled knowledge"
                ),
                waiting=lambda _holder: self._set(
                    "knowledge", message="waiting for another ingest to finish"
                ),
            )
            self._set("model", message="loading the language model for search")
            work.warm_up()
            self._set("ready", message="ready")
        except BaseException as exc:  # shown on the page; the app keeps serving what it can
            # Whatever ends the thread (a Rust panic from a damaged store is a BaseException)
            # must not leave the page saying "loading" forever.
            log.exception("preparation failed")
            self._set("failed", message=failure_message(exc, work.settings))
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise


def failure_message(exc: BaseException, settings: Settings) -> str:
    """What went wrong in one line, and for the knowledge index what to do about it."""
    text = str(exc) if isinstance(exc, WaypointError) else f"{type(exc).__name__}: {exc}"
    if not (isinstance(exc, StoreUnavailableError) and text.startswith(describe_store(settings))):
        return text
    if settings.store.kind == "server":
        return f"{text}. Check that the Chroma server is running, then restart Waypoint"
    text = text.removesuffix(repair_hint(settings))  # said here in the app's own words
    return (
        f"{text}. To repair it: stop Waypoint, remove the folder {settings.chroma_dir} and "
        "start Waypoint again (or run `waypoint ingest`); the index is rebuilt from its records "
        "without embedding anything again"
    )


def school_is_empty(db: LearnerDatabase) -> bool:
    with db.session() as session:
        return not session.scalar(select(func.count()).select_from(User))


def load_demo_school(
    roster: RosterImporter,
    evidence: EvidenceImporter,
    overrides: OverrideService,
    interventions: InterventionService,
) -> None:
    """The bundled demo school, as the local administrator."""
    load_demo(
        roster,
        evidence,
        overrides,
        LOCAL_ADMIN,
        interventions=lambda path: interventions.import_file(path, allow_future=True),
    )


def warm_up(chat: ChatEngine, retriever: HybridRetriever) -> None:
    """Ask once and search once, so the model and the index are loaded before anyone asks."""
    chat.ask("hello", AskContext(role="student"))
    retriever.search("what is competency-based education", k=1)
