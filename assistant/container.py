"""The one composition root: build every service once from settings and inject it."""

from __future__ import annotations

import logging
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.app.identity import Directory
from assistant.app.progress import ProgressService
from assistant.app.section_texts import SectionTexts
from assistant.chat.engine import ChatEngine, ChatLimits
from assistant.chat.intents import IntentClassifier, load_intent_spec
from assistant.chat.learner_services import LearnerServices
from assistant.chat.llm import LLMComposer, is_local, make_chat_model
from assistant.chat.llm_path import LLMPath
from assistant.chat.passage_vectors import passage_texts
from assistant.chat.sections import SectionPicker
from assistant.chat.templates import load_templates
from assistant.credentials.keys import IssuerKey, load_issuer_key
from assistant.credentials.service import CredentialService
from assistant.errors import StoreUnavailableError
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.frameworks.translations import Translations
from assistant.frameworks.version_log import FrameworkVersions, VersionLog
from assistant.ingest.indexer import Indexer
from assistant.ingest.records import IndexRecords
from assistant.leaders.chat_facts import ChatTeamFacts, TeamChatFacts
from assistant.leaders.interventions import InterventionService
from assistant.leaders.service import LeaderService
from assistant.leaders.teams import TeamService
from assistant.learners.access import LOCAL_ADMIN, AccessPolicy
from assistant.learners.audit import AuditLog
from assistant.learners.competency_moves import LearnerCompetencies
from assistant.learners.csv_import import EvidenceImporter
from assistant.learners.db import LearnerDatabase
from assistant.learners.estimates import MasteryService
from assistant.learners.feedback import FeedbackService
from assistant.learners.mastery import make_mastery_model
from assistant.learners.overrides import OverrideService
from assistant.learners.privacy import PrivacyService
from assistant.learners.roster_import import RosterImporter
from assistant.learners.store import LearnerStore
from assistant.recommend.class_report import ClassAnalyzer
from assistant.recommend.gaps import ClassRules
from assistant.recommend.next_steps import RankingWeights, Recommender
from assistant.recommend.reasons import ReasonTemplates, load_reason_languages, load_reasons
from assistant.recommend.service import ClassReportService, NextStepsService
from assistant.retrieval.embeddings import CachedEmbeddings, Embedder, make_embedder
from assistant.retrieval.retriever import HybridRetriever
from assistant.retrieval.vectorstore import make_vector_store
from assistant.settings import Settings
from assistant.texts.files import validate_prompts

if TYPE_CHECKING:
    from assistant.api.tokens import TokenStore
    from assistant.app.knowledge_admin import KnowledgeAdmin
    from assistant.lti.tool import LtiTool


log = logging.getLogger(__name__)

# Cached services that hold the framework catalog, directly or through another service.
CATALOG_DEPENDENTS = (
    "catalog",
    "mastery",
    "recommender",
    "class_reports",
    "evidence_importer",
    "roster_importer",
    "overrides",
    "credentials",
    "chat_learners",
    "chat",
    "progress",
    "leaders",
    "interventions",
    "teams",
    "team_chat",
    "translations",  # the frameworks' sidecars, which the recommender words steps with
)


class Assistant:
    """Holds the shared resources. The model and the store are built on first use."""

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        validate_prompts(settings.prompts_dir)  # every text file checked against its schema

    @cached_property
    def embedder(self) -> Embedder:
        s = self.settings
        return self._embedder or make_embedder(
            s.embedding_model,
            batch_size=s.embedding_batch_size,
            backend=s.embedding_backend,
            cache_dir=s.home / "models",
            threads=s.embedding_threads,
        )

    @cached_property
    def records(self) -> IndexRecords:
        self.settings.home.mkdir(parents=True, exist_ok=True)
        return IndexRecords(self.settings.index_db)

    @cached_property
    def embeddings(self) -> CachedEmbeddings:
        return CachedEmbeddings(self.embedder, self.records)

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
                (lambda chunks: self.embeddings.embed_documents(passage_texts(chunks)))
                if self.settings.passage_vectors_at_ingest
                else None
            ),
        )

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

    # learner model and recommendations ---------------------------------------------------
    @cached_property
    def catalog(self) -> FrameworkCatalog:
        """The bundled frameworks plus every framework file the indexer has recorded."""
        try:
            frameworks = self.records.frameworks()
        except StoreUnavailableError:  # learner features work on the bundled frameworks
            log.warning("index records unreadable: using the bundled frameworks only")
            frameworks = []
        recorded = [Path(str(fw["file"])) for fw in frameworks if fw.get("file")]
        return FrameworkCatalog.load(self.settings.knowledge_dir, recorded)

    @cached_property
    def learner_db(self) -> LearnerDatabase:
        return LearnerDatabase(self.settings.db_url, create=self.settings.db_may_create)

    @cached_property
    def learner_store(self) -> LearnerStore:
        return LearnerStore(self.learner_db)

    @cached_property
    def access(self) -> AccessPolicy:
        return AccessPolicy(self.learner_db)

    @cached_property
    def mastery(self) -> MasteryService:
        s = self.settings
        model = make_mastery_model(
            s.mastery_model,
            window=s.mastery_window,
            decay=s.mastery_decay,
            threshold=s.bkt_mastery_threshold,
            min_learners=s.bkt_min_learners,
        )
        return MasteryService(self.learner_store, self.catalog, model, self.access)

    @cached_property
    def reasons(self) -> ReasonTemplates:
        return load_reasons(self.settings.prompts_dir)

    @cached_property
    def recommender(self) -> NextStepsService:
        s = self.settings
        core = Recommender(
            self.catalog,
            self.reasons,
            weights=RankingWeights(
                s.rank_weight_unlocks,
                s.rank_weight_nearness,
                s.rank_weight_struggle,
                s.rank_weight_priority,
            ),
            struggle_days=s.struggle_days,
            limit=s.next_steps_limit,
            languages=load_reason_languages(s.prompts_dir),
            translations=self.translations,
        )
        return NextStepsService(self.learner_store, self.access, self.mastery, self.catalog, core)

    @cached_property
    def class_rules(self) -> ClassRules:
        s = self.settings
        return ClassRules(
            stuck_days=s.stuck_days,
            stuck_min_learners=s.stuck_min_learners,
            reteach_share=s.reteach_share,
            group_min_size=s.group_min_size,
            group_max_size=s.group_max_size,
            group_review_days=s.group_review_days,
            intensive_gap_links=s.intensive_gap_links,
            intensive_stuck_count=s.intensive_stuck_count,
            absence_days=s.absence_days,
        )

    @cached_property
    def class_reports(self) -> ClassReportService:
        analyzer = ClassAnalyzer(
            self.catalog,
            self.reasons,
            self.class_rules,
            load_reason_languages(self.settings.prompts_dir),
        )
        return ClassReportService(
            self.learner_store, self.access, self.mastery, analyzer, team=self.teams
        )

    @cached_property
    def evidence_importer(self) -> EvidenceImporter:
        importer = EvidenceImporter(
            self.learner_db, self.catalog, self.access, max_bytes=self.settings.max_upload_bytes
        )
        importer.after_import = self.after_import
        return importer

    @cached_property
    def roster_importer(self) -> RosterImporter:
        importer = RosterImporter(
            self.learner_db, self.catalog, self.access, max_bytes=self.settings.max_upload_bytes
        )
        importer.after_import = self.after_import
        return importer

    def after_import(self) -> None:
        """The leaders' school figures are precomputed after each import."""
        if self.settings.leader_precompute != "off":
            self.leaders.after_import(self.settings.leader_precompute)

    @cached_property
    def overrides(self) -> OverrideService:
        return OverrideService(
            self.learner_db,
            self.learner_store,
            self.catalog,
            self.access,
            max_bytes=self.settings.max_upload_bytes,
        )

    # mastery credentials ------------------------------------------------------------------
    @cached_property
    def issuer_key(self) -> IssuerKey:
        s = self.settings
        return load_issuer_key(s.home, s.credential_signing_key, s.credential_issuer_host)

    @cached_property
    def credentials(self) -> CredentialService:
        s = self.settings
        status_url = s.credential_status_url or (
            f"https://{s.credential_issuer_host.strip().removeprefix('https://').rstrip('/')}"
            "/credentials/status-list.json"
            if s.credential_issuer_host
            else None
        )
        return CredentialService(
            self.learner_db,
            self.catalog,
            self.access,
            self.learner_store,
            self.mastery,
            lambda: self.issuer_key,
            school=s.school_name,
            status_url=status_url,
        )

    # privacy: feedback, audit log, retention and forgetting ------------------------------
    @cached_property
    def feedback(self) -> FeedbackService:
        return FeedbackService(self.learner_db)

    @cached_property
    def audit(self) -> AuditLog:
        return self.access.audit

    @cached_property
    def privacy(self) -> PrivacyService:
        s = self.settings
        return PrivacyService(
            self.learner_db,
            self.records,
            salt_path=s.home / "privacy.salt",
            audit_retention_days=s.audit_retention_days,
            feedback_retention_days=s.feedback_retention_days,
            attribute_retention_days=s.attribute_retention_days,
            embedder_name=lambda: self.embedder.name,
            chroma_file=s.chroma_dir / "chroma.sqlite3" if s.vector_store == "embedded" else None,
            audit=self.audit,
        )

    # conversation -----------------------------------------------------------------------
    @cached_property
    def chat_learners(self) -> LearnerServices:
        return LearnerServices(
            self.access,
            self.learner_store,
            self.mastery,
            self.recommender,
            self.catalog,
            self.class_reports,
            team=ChatTeamFacts(self.team_chat, self.leaders.default_period),
        )

    @cached_property
    def chat(self) -> ChatEngine:
        return build_chat_engine(self)

    # the app ------------------------------------------------------------------------------
    @cached_property
    def directory(self) -> Directory:
        return Directory(self.access)

    @cached_property
    def leaders(self) -> LeaderService:
        return LeaderService(
            self.access,
            self.mastery,
            self.catalog,
            self.class_rules,
            min_group=self.settings.equity_min_group,
            precompute=self.settings.leader_precompute,
        )

    @cached_property
    def interventions(self) -> InterventionService:
        return InterventionService(self.access, self.catalog)

    @cached_property
    def teams(self) -> TeamService:
        return TeamService(
            self.access, self.mastery, self.catalog, self.class_rules, self.interventions
        )

    @cached_property
    def team_chat(self) -> TeamChatFacts:
        """The facts for the chat's "least responsive classes" and "what worked" questions."""
        return TeamChatFacts(self.teams)

    @cached_property
    def progress(self) -> ProgressService:
        return ProgressService(
            self.access,
            self.learner_store,
            self.mastery,
            self.recommender,
            self.catalog,
            self.settings.knowledge_dir,
        )

    @cached_property
    def translations(self) -> Translations:
        return Translations.load(self.settings.knowledge_dir)

    @cached_property
    def section_texts(self) -> SectionTexts:
        """The whole text of what an answer cites, for the chat page to open."""
        return SectionTexts(self.records, lambda: self.catalog, self.translations)

    @cached_property
    def knowledge_admin(self) -> KnowledgeAdmin:
        from assistant.app.knowledge_admin import KnowledgeAdmin

        return KnowledgeAdmin(self)

    # the HTTP API and the LTI 1.3 tool (`waypoint api`) ------------------------------------
    @cached_property
    def api_tokens(self) -> TokenStore:
        from assistant.api.tokens import TokenStore

        return TokenStore(self.learner_db, self.access)

    @cached_property
    def lti(self) -> LtiTool:
        from assistant.lti.keys import ToolKeys
        from assistant.lti.tool import LtiTool

        s = self.settings
        keys = ToolKeys(s.home / "lti" / "tool-keys.json")
        return LtiTool(
            self.learner_db,
            self.audit,
            keys,
            app_url=s.app_url,
            jwks_seconds=s.lti_jwks_cache_seconds,
            catalog=lambda: self.catalog,
            reports=lambda: self.class_reports,
            grade_passback=s.lti_grade_passback,
            sync_on_launch=s.lti_sync_on_launch,
        )

    def refresh_catalog(self) -> None:
        """Forget the catalog and every service built on it (after frameworks changed)."""
        for name in CATALOG_DEPENDENTS:
            self.__dict__.pop(name, None)


def build_chat_engine(assistant: Assistant, settings: Settings | None = None) -> ChatEngine:
    """A conversation engine over the assistant's index and learner model.

    `settings` may differ from the assistant's in the chat and LLM fields only (tests use this
    to point one engine at a local fake model server)."""
    s = settings or assistant.settings
    templates = load_templates(s.prompts_dir)
    embed = assistant.embeddings.embed_transient  # questions are never cached on disk
    llm = None
    if s.llm_provider:
        composer = LLMComposer(
            make_chat_model(
                s.llm_provider, s.llm_model, s.llm_base_url, s.llm_api_key, s.llm_timeout
            ),
            s.prompts_dir,
        )
        llm = LLMPath(
            composer,
            templates,
            share_learner_data=s.llm_share_learner_data,
            local=is_local(s.llm_base_url),
            learners=lambda: assistant.chat_learners,
        )
    return ChatEngine(
        retriever=assistant.retriever,
        classifier=IntentClassifier(load_intent_spec(s.prompts_dir / "intents.yaml"), embed),
        picker=SectionPicker(embed),
        translations=Translations.load(s.knowledge_dir),
        templates=templates,
        catalog=lambda: assistant.catalog,
        learners=lambda: assistant.chat_learners,
        limits=ChatLimits(
            max_message_chars=s.chat_max_message_chars,
            max_turns=s.chat_max_turns,
            passages=s.chat_passages,
            max_context_chars=s.chat_max_context_chars,
            abstain_below=s.abstain_below,
        ),
        llm=llm,
    )


def build_assistant(
    settings: Settings | None = None, *, embedder: Embedder | None = None
) -> Assistant:
    return Assistant(settings or Settings(), embedder=embedder)
