"""The one composition root: build every part once from settings and share it.

The factories are in `container_parts` (one per area, each taking only what it needs) and, for
the conversation engine, `container_chat`; the parts built on the framework catalog are one
`CatalogParts`, swapped whole on refresh."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from assistant.app.bootstrap import StartWork, load_demo_school, school_is_empty, warm_up
from assistant.app.identity import Directory
from assistant.app.knowledge_admin import KnowledgeAdmin
from assistant.app.progress import ProgressService
from assistant.app.section_texts import SectionTexts
from assistant.chat.engine import ChatEngine
from assistant.chat.learner_services import LearnerServices
from assistant.chat.passage_vectors import passage_texts, section_bodies
from assistant.chat.stored_checks import verdicts_at_ingest
from assistant.container_chat import build_chat_engine
from assistant.container_parts import (
    CatalogParts,
    LearnerStores,
    build_catalog,
    build_embedder,
    build_learner_stores,
    build_lti,
)
from assistant.credentials.keys import IssuerKey, load_issuer_key
from assistant.credentials.service import CredentialService
from assistant.feedback.service import FeedbackService
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.frameworks.translations import Translations
from assistant.frameworks.version_log import FrameworkVersions, VersionLog
from assistant.imports.evidence import EvidenceImporter
from assistant.imports.roster import RosterImporter
from assistant.index.records import IndexRecords
from assistant.index.vectorstore import make_vector_store
from assistant.ingest.indexer import Indexer
from assistant.leaders.chat_facts import TeamChatFacts
from assistant.leaders.interventions import InterventionService
from assistant.leaders.service import LeaderService
from assistant.leaders.teams import TeamService
from assistant.learners.access import LOCAL_ADMIN, AccessPolicy
from assistant.learners.audit import AuditLog
from assistant.learners.competency_moves import LearnerCompetencies
from assistant.learners.db import LearnerDatabase
from assistant.learners.estimates import MasteryService
from assistant.learners.overrides import OverrideService
from assistant.learners.store import LearnerStore
from assistant.learners.tokens import TokenStore
from assistant.privacy import PrivacyService
from assistant.recommend.reasons import ReasonTemplates, load_reasons
from assistant.recommend.service import ClassReportService, NextStepsService
from assistant.retrieval.embeddings import CachedEmbeddings, Embedder
from assistant.retrieval.retriever import HybridRetriever
from assistant.retrieval.shipped_vectors import ShippedFirst, ShippedVectors
from assistant.settings import Settings
from assistant.settings_groups import ClassRules
from assistant.texts.files import validate_prompts
from assistant.types import Chunk

if TYPE_CHECKING:
    from assistant.lti.tool import LtiTool

T = TypeVar("T")


class _Part(Generic[T]):
    """An attribute read from the assistant's current `CatalogParts`."""

    def __init__(self, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, assistant: None, owner: object = None) -> _Part[T]: ...
    @overload
    def __get__(self, assistant: Assistant, owner: object = None) -> T: ...
    def __get__(self, assistant: Assistant | None, owner: object = None) -> T | _Part[T]:
        if assistant is None:
            return self
        value: T = getattr(assistant.parts, self.name)
        return value


log = logging.getLogger(__name__)


class Assistant:
    """Holds the shared parts, each built on first use: the model and the store load only when
    a search or an ingest needs them. The parts built on the framework catalog live in one
    `CatalogParts`, swapped whole by `refresh_catalog`."""

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._lock = threading.Lock()
        self._parts: CatalogParts | None = None
        self._chat: tuple[CatalogParts, ChatEngine] | None = None
        validate_prompts(settings.prompts_dir)  # every text file checked against its schema

    # the index: model, records, vector store, indexer, retriever ---------------------------
    @cached_property
    def embedder(self) -> Embedder:
        return self._embedder or build_embedder(self.settings.embedding, self.settings.home)

    @cached_property
    def records(self) -> IndexRecords:
        self.settings.home.mkdir(parents=True, exist_ok=True)
        return IndexRecords(self.settings.index_db)

    @cached_property
    def embeddings(self) -> CachedEmbeddings:
        # the index's cache first, then the vectors shipped with the bundled knowledge
        shipped = ShippedFirst(self.records, lambda: self._shipped_vectors)
        return CachedEmbeddings(self.embedder, shipped)

    @cached_property
    def _shipped_vectors(self) -> ShippedVectors:
        return ShippedVectors(self.embedder)

    @cached_property
    def vector_store(self) -> Any:
        return make_vector_store(self.settings, self.embeddings)

    @cached_property
    def indexer(self) -> Indexer:
        return Indexer(
            self.settings,
            self.records,
            lambda: self.vector_store,
            lambda: self.embeddings.computed,
            on_framework=self.framework_versions.apply,
            embedder_name=self.embedder.name,
            on_chunks=(
                self._passages_at_ingest
                if self.settings.embedding.passage_vectors_at_ingest
                else None
            ),
        )

    def _passages_at_ingest(self, chunks: Sequence[Chunk]) -> None:
        """What answers read of these chunks' sections, worked out once: the passages' vectors
        and the injection guard's verdicts on their sentences, stored with the index."""
        self.embeddings.embed_documents(passage_texts(chunks))
        self.records.put_checks(verdicts_at_ingest(section_bodies(chunks)))

    @cached_property
    def framework_versions(self) -> FrameworkVersions:
        """Applies new versions of frameworks: the ingest is the local administrator's."""
        learners = LearnerCompetencies(self.learner_db, LOCAL_ADMIN)
        return FrameworkVersions(VersionLog(self.settings.home), learners)

    @cached_property
    def retriever(self) -> HybridRetriever:
        return HybridRetriever(
            self.settings,
            self.records,
            lambda: self.vector_store,
            self.embeddings.embed_query,
            embedder_name=self.embedder.name,
        )

    # the learner stores -------------------------------------------------------------------
    @cached_property
    def learner_stores(self) -> LearnerStores:
        return build_learner_stores(self.settings)

    @property
    def learner_db(self) -> LearnerDatabase:
        return self.learner_stores.db

    @property
    def learner_store(self) -> LearnerStore:
        return self.learner_stores.store

    @property
    def access(self) -> AccessPolicy:
        return self.learner_stores.access

    @property
    def audit(self) -> AuditLog:
        return self.access.audit

    @cached_property
    def feedback(self) -> FeedbackService:
        return FeedbackService(self.learner_db)

    @cached_property
    def api_tokens(self) -> TokenStore:
        return TokenStore(self.learner_db, self.access)

    @cached_property
    def directory(self) -> Directory:
        return Directory(self.access)

    @cached_property
    def privacy(self) -> PrivacyService:
        s = self.settings
        return PrivacyService(
            self.learner_db,
            self.records,
            salt_path=s.home / "privacy.salt",
            audit_retention_days=s.retention.audit_days,
            feedback_retention_days=s.retention.feedback_days,
            attribute_retention_days=s.retention.attribute_days,
            embedder_name=lambda: self.embedder.name,
            chroma_file=s.chroma_dir / "chroma.sqlite3" if s.store.kind == "embedded" else None,
            audit=self.audit,
        )

    # the catalog and every part built on it ------------------------------------------------
    @property
    def parts(self) -> CatalogParts:
        """The current catalog's parts: hold on to it for a consistent view across parts."""
        parts = self._parts
        if parts is None:
            with self._lock:
                if self._parts is None:
                    self._parts = self._build_parts()
                parts = self._parts
        return parts

    def _build_parts(self) -> CatalogParts:
        return CatalogParts(
            self.settings,
            build_catalog(self.records, self.settings.knowledge_dir),
            lambda: self.learner_stores,
            self.reasons,
            issuer_key=lambda: self.issuer_key,
            after_import=self.after_import,
        )

    def refresh_catalog(self) -> None:
        """Build the catalog and its parts again (after frameworks changed) and swap them in
        at once: a reader sees the old parts or the new ones, never a mix."""
        fresh = self._build_parts()
        with self._lock:
            self._parts = fresh

    @cached_property
    def reasons(self) -> ReasonTemplates:
        return load_reasons(self.settings.prompts_dir)

    @cached_property
    def issuer_key(self) -> IssuerKey:
        c = self.settings.credentials
        return load_issuer_key(self.settings.home, c.signing_key, c.issuer_host)

    def after_import(self) -> None:
        """The leaders' school figures are precomputed after each import."""
        if self.settings.leaders.precompute != "off":
            self.leaders.after_import(self.settings.leaders.precompute)

    catalog = _Part[FrameworkCatalog]("catalog")
    translations = _Part[Translations]("translations")
    mastery = _Part[MasteryService]("mastery")
    recommender = _Part[NextStepsService]("recommender")
    class_reports = _Part[ClassReportService]("class_reports")
    evidence_importer = _Part[EvidenceImporter]("evidence_importer")
    roster_importer = _Part[RosterImporter]("roster_importer")
    overrides = _Part[OverrideService]("overrides")
    credentials = _Part[CredentialService]("credentials")
    leaders = _Part[LeaderService]("leaders")
    interventions = _Part[InterventionService]("interventions")
    teams = _Part[TeamService]("teams")
    team_chat = _Part[TeamChatFacts]("team_chat")
    chat_learners = _Part[LearnerServices]("chat_learners")
    progress = _Part[ProgressService]("progress")

    @property
    def class_rules(self) -> ClassRules:
        return self.settings.class_rules

    # conversation and the app -------------------------------------------------------------
    @property
    def chat(self) -> ChatEngine:
        """The conversation engine, built again with the catalog's parts when they change."""
        parts, built = self.parts, self._chat
        if built is None or built[0] is not parts:
            built = (parts, build_chat_engine(self))
            self._chat = built
        return built[1]

    @cached_property
    def section_texts(self) -> SectionTexts:
        """The whole text of what an answer cites, for the chat page to open."""
        return SectionTexts(self.records, lambda: self.catalog, self.translations)

    @cached_property
    def knowledge_admin(self) -> KnowledgeAdmin:
        s = self.settings
        return KnowledgeAdmin(
            self.records,
            lambda: self.indexer,
            self.refresh_catalog,
            home=s.home,
            knowledge_dir=s.knowledge_dir,
            max_file_bytes=s.ingest.max_file_bytes,
        )

    def start_work(self) -> StartWork:
        """What the app's first start prepares, each part built when the work reaches it."""
        return StartWork(
            self.settings,
            is_empty=lambda: school_is_empty(self.learner_db),
            load_demo=lambda: load_demo_school(
                self.roster_importer, self.evidence_importer, self.overrides, self.interventions
            ),
            indexer=lambda: self.indexer,
            warm_up=lambda: warm_up(self.chat, self.retriever),
        )

    @cached_property
    def lti(self) -> LtiTool:
        return build_lti(
            self.settings,
            self.learner_db,
            self.audit,
            catalog=lambda: self.catalog,
            reports=lambda: self.class_reports,
        )


def build_assistant(
    settings: Settings | None = None, *, embedder: Embedder | None = None
) -> Assistant:
    return Assistant(settings or Settings(), embedder=embedder)
