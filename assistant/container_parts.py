"""The composition root's factories: one per area, each taking only the settings and parts it
needs (as private-gpt builds its components). `container.Assistant` calls them and shares
what they build.

`CatalogParts` is every part built on one framework catalog. Changing the frameworks builds a
new one and swaps it whole (`Assistant.refresh_catalog`), so a reader holding a `CatalogParts`
sees one catalog in every part it reaches through it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.app.progress import ProgressService
from assistant.chat.learner_services import LearnerServices
from assistant.credentials.keys import IssuerKey
from assistant.credentials.service import CredentialService
from assistant.errors import StoreUnavailableError
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.frameworks.translations import Translations
from assistant.imports.evidence import EvidenceImporter
from assistant.imports.roster import RosterImporter
from assistant.index.records import IndexRecords
from assistant.leaders.chat_facts import ChatTeamFacts, TeamChatFacts
from assistant.leaders.interventions import InterventionService
from assistant.leaders.service import LeaderService
from assistant.leaders.teams import TeamService
from assistant.learners.access import AccessPolicy
from assistant.learners.audit import AuditLog
from assistant.learners.db import LearnerDatabase
from assistant.learners.estimates import MasteryService
from assistant.learners.mastery import make_mastery_model
from assistant.learners.overrides import OverrideService
from assistant.learners.store import LearnerStore
from assistant.recommend.class_report import ClassAnalyzer
from assistant.recommend.next_steps import Recommender
from assistant.recommend.reasons import ReasonTemplates, load_reason_languages
from assistant.recommend.service import ClassReportService, NextStepsService
from assistant.retrieval.embeddings import Embedder, make_embedder
from assistant.settings import Settings
from assistant.settings_groups import (
    ClassRules,
    EmbeddingSettings,
    LeaderSettings,
    MasterySettings,
)
from assistant.settings_services import CredentialSettings

if TYPE_CHECKING:
    from assistant.lti.tool import LtiTool

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LearnerStores:
    """The learner database and the two parts every learner service reads it through."""

    db: LearnerDatabase
    store: LearnerStore
    access: AccessPolicy


def build_embedder(settings: EmbeddingSettings, home: Path) -> Embedder:
    return make_embedder(
        settings.model,
        batch_size=settings.batch_size,
        backend=settings.backend,
        cache_dir=home / "models",
        threads=settings.threads,
    )


def build_learner_stores(settings: Settings) -> LearnerStores:
    db = LearnerDatabase(settings.db_url, create=settings.db_may_create)
    return LearnerStores(db, LearnerStore(db), AccessPolicy(db))


def build_catalog(records: IndexRecords, knowledge_dir: Path) -> FrameworkCatalog:
    """The bundled frameworks plus every framework file the indexer has recorded."""
    try:
        frameworks = records.frameworks()
    except StoreUnavailableError:  # learner features work on the bundled frameworks
        log.warning("index records unreadable: using the bundled frameworks only")
        frameworks = []
    recorded = [Path(str(fw["file"])) for fw in frameworks if fw.get("file")]
    return FrameworkCatalog.load(knowledge_dir, recorded)


def build_mastery(
    settings: MasterySettings, learners: LearnerStores, catalog: FrameworkCatalog
) -> MasteryService:
    model = make_mastery_model(
        settings.model,
        window=settings.window,
        decay=settings.decay,
        threshold=settings.bkt_threshold,
        min_learners=settings.bkt_min_learners,
    )
    return MasteryService(learners.store, catalog, model, learners.access)


def build_credentials(
    settings: CredentialSettings,
    learners: LearnerStores,
    catalog: FrameworkCatalog,
    mastery: MasteryService,
    key: Callable[[], IssuerKey],
) -> CredentialService:
    return CredentialService(
        learners.db,
        catalog,
        learners.access,
        learners.store,
        mastery,
        key,
        school=settings.school_name,
        status_url=settings.published_status_url,
    )


def build_leaders(
    settings: LeaderSettings,
    learners: LearnerStores,
    mastery: MasteryService,
    catalog: FrameworkCatalog,
    rules: ClassRules,
) -> LeaderService:
    return LeaderService(
        learners.access,
        mastery,
        catalog,
        rules,
        min_group=settings.equity_min_group,
        precompute=settings.precompute,
    )


def build_lti(
    settings: Settings,
    db: LearnerDatabase,
    audit: AuditLog,
    *,
    catalog: Callable[[], FrameworkCatalog],
    reports: Callable[[], ClassReportService],
) -> LtiTool:
    from assistant.lti.keys import ToolKeys
    from assistant.lti.tool import LtiTool

    lti = settings.lti
    return LtiTool(
        db,
        audit,
        ToolKeys(settings.home / "lti" / "tool-keys.json"),
        app_url=lti.app_url,
        jwks_seconds=lti.jwks_cache_seconds,
        catalog=catalog,
        reports=reports,
        grade_passback=lti.grade_passback,
        sync_on_launch=lti.sync_on_launch,
    )


class CatalogParts:
    """Every part built on one catalog, each built on first use from this catalog only."""

    def __init__(
        self,
        settings: Settings,
        catalog: FrameworkCatalog,
        learners: Callable[[], LearnerStores],
        reasons: ReasonTemplates,
        *,
        issuer_key: Callable[[], IssuerKey],
        after_import: Callable[[], None],
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.translations = Translations.load(settings.knowledge_dir)
        self._learners = learners
        self.reasons = reasons
        self._issuer_key = issuer_key
        self._after_import = after_import

    @property
    def learners(self) -> LearnerStores:
        return self._learners()

    @cached_property
    def mastery(self) -> MasteryService:
        return build_mastery(self.settings.mastery, self.learners, self.catalog)

    @cached_property
    def recommender(self) -> NextStepsService:
        s, learners = self.settings, self.learners
        core = Recommender(
            self.catalog,
            self.reasons,
            weights=s.ranking,
            struggle_days=s.next_steps.struggle_days,
            limit=s.next_steps.limit,
            languages=load_reason_languages(s.prompts_dir),
            translations=self.translations,
        )
        return NextStepsService(learners.store, learners.access, self.mastery, self.catalog, core)

    @cached_property
    def class_reports(self) -> ClassReportService:
        analyzer = ClassAnalyzer(
            self.catalog,
            self.reasons,
            self.settings.class_rules,
            load_reason_languages(self.settings.prompts_dir),
        )
        learners = self.learners
        return ClassReportService(
            learners.store, learners.access, self.mastery, analyzer, team=self.teams
        )

    @cached_property
    def evidence_importer(self) -> EvidenceImporter:
        learners = self.learners
        importer = EvidenceImporter(
            learners.db, self.catalog, learners.access, max_bytes=self.settings.max_upload_bytes
        )
        importer.after_import = self._after_import
        return importer

    @cached_property
    def roster_importer(self) -> RosterImporter:
        learners = self.learners
        importer = RosterImporter(
            learners.db, self.catalog, learners.access, max_bytes=self.settings.max_upload_bytes
        )
        importer.after_import = self._after_import
        return importer

    @cached_property
    def overrides(self) -> OverrideService:
        learners = self.learners
        return OverrideService(
            learners.db,
            learners.store,
            self.catalog,
            learners.access,
            max_bytes=self.settings.max_upload_bytes,
        )

    @cached_property
    def credentials(self) -> CredentialService:
        return build_credentials(
            self.settings.credentials, self.learners, self.catalog, self.mastery, self._issuer_key
        )

    @cached_property
    def leaders(self) -> LeaderService:
        return build_leaders(
            self.settings.leaders,
            self.learners,
            self.mastery,
            self.catalog,
            self.settings.class_rules,
        )

    @cached_property
    def interventions(self) -> InterventionService:
        return InterventionService(self.learners.access, self.catalog)

    @cached_property
    def teams(self) -> TeamService:
        return TeamService(
            self.learners.access,
            self.mastery,
            self.catalog,
            self.settings.class_rules,
            self.interventions,
        )

    @cached_property
    def team_chat(self) -> TeamChatFacts:
        """The facts for the chat's "least responsive classes" and "what worked" questions."""
        return TeamChatFacts(self.teams)

    @cached_property
    def chat_learners(self) -> LearnerServices:
        learners = self.learners
        return LearnerServices(
            learners.access,
            learners.store,
            self.mastery,
            self.recommender,
            self.catalog,
            self.class_reports,
            team=ChatTeamFacts(self.team_chat, self.leaders.default_period),
        )

    @cached_property
    def progress(self) -> ProgressService:
        learners = self.learners
        return ProgressService(
            learners.access,
            learners.store,
            self.mastery,
            self.recommender,
            self.catalog,
            self.settings.knowledge_dir,
        )
