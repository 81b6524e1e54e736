"""The LTI 1.3 tool as one service: login, launch (validate, provision, hand off or offer the
deep-linking picker), its keys, and the LTI Advantage services: roster sync (NRPS), grade
passback (AGS) and deep linking."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from assistant.errors import WaypointError
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.learners.access import Viewer
from assistant.learners.audit import AuditLog
from assistant.learners.db import LearnerDatabase
from assistant.lti.ags import GradePassback, GradeReport
from assistant.lti.deep_linking import DeepLinks, Picker, competency_of
from assistant.lti.handoff import PAGES, Handoffs
from assistant.lti.keys import ToolKeys
from assistant.lti.launch import LaunchValidator
from assistant.lti.nrps import Actor, RosterSync, SyncReport
from assistant.lti.platforms import Fetch, JwksCache, Platform, PlatformRegistry, fetch_jwks
from assistant.lti.provision import LtiActor, Provisioned, Provisioner
from assistant.lti.services import LtiServiceError, ServiceClient
from assistant.recommend.service import ClassReportService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Landing:
    """Where a launch sends the browser: the app's page with a hand-off token; or, for a
    deep-linking request, the picker to show. `sync_class`: a teacher's launch of a course
    with a membership service, whose roster is synced after the answer."""

    url: str
    who: Provisioned
    platform: Platform
    picker: Picker | None = None
    sync_class: str | None = None


class LtiTool:
    def __init__(
        self,
        db: LearnerDatabase,
        audit: AuditLog,
        keys: ToolKeys,
        *,
        app_url: str,
        jwks_seconds: int,
        fetch: Fetch = fetch_jwks,
        catalog: Callable[[], FrameworkCatalog] | None = None,
        reports: Callable[[], ClassReportService] | None = None,
        grade_passback: bool = False,
        sync_on_launch: bool = True,
    ) -> None:
        self.keys = keys
        self.platforms = PlatformRegistry(db)
        self.validator = LaunchValidator(db, self.platforms, JwksCache(jwks_seconds, fetch))
        self.provisioner = Provisioner(db, audit)
        self.handoffs = Handoffs(db, keys)
        self.app_url = app_url.rstrip("/")
        self.services = ServiceClient(keys)
        self.roster = RosterSync(db, audit, self.platforms, self.services)
        self.grades = GradePassback(
            db,
            self.platforms,
            self.services,
            reports or _missing("class reports"),
            catalog or _missing("the framework catalog"),
            enabled=grade_passback,
        )
        self.deep_links = DeepLinks(
            db, keys, self.handoffs, self.platforms, catalog or _missing("the framework catalog")
        )
        self.catalog = catalog
        self.sync_on_launch = sync_on_launch

    def login(self, params: Mapping[str, str], redirect_uri: str) -> str:
        return self.validator.login(params, redirect_uri)

    def launch(self, id_token: str, state: str) -> Landing:
        launch = self.validator.validate(id_token, state)
        who = self.provisioner.provision(launch)
        if launch.deep_link is not None:
            picker = self.deep_links.picker(launch, who.user_id, who.class_id)
            return Landing("", who, launch.platform, picker=picker)
        competency = self._competency(competency_of(launch.target))
        token = self.handoffs.issue(
            who.user_id,
            who.class_id,
            competency=competency,
            embedded=launch.document_target in ("iframe", "frame"),
        )
        page = PAGES.get(who.role, "")
        sync = (
            who.class_id
            if self.sync_on_launch and who.role == "teacher" and launch.memberships_url
            else None
        )
        url = f"{self.app_url}/{page}?{urlencode({'handoff': token})}"
        return Landing(url, who, launch.platform, sync_class=sync)

    def _competency(self, identifier: str | None) -> str | None:
        """A deep-linked competency the catalog knows (an unknown one lands on the page)."""
        if identifier is None or self.catalog is None:
            return None
        entry = self.catalog().lookup(identifier)
        return entry.identifier if entry is not None else None

    # LTI Advantage ---------------------------------------------------------------------------
    def sync_roster(self, class_id: str, actor: Actor | None = None) -> SyncReport:
        """NRPS: the class's roster from its course (as `actor`; default: the platform)."""
        if actor is None:
            from assistant.lti.nrps import class_service

            service = class_service(self.roster.db, self.platforms, class_id)
            actor = LtiActor(f"lti:{service.platform.id}")
        return self.roster.sync(class_id, actor)

    def sync_after_launch(self, class_id: str) -> None:
        """The sync a teacher's launch asks for, after the browser has its answer: a failure
        is logged (the next launch or `waypoint lti sync` tries again), never shown."""
        try:
            report = self.sync_roster(class_id)
        except LtiServiceError as exc:
            log.warning("roster sync of class %s after a launch failed: %s", class_id, exc)
            return
        log.info("%s", report.line())

    def post_grades(self, viewer: Viewer, class_id: str) -> GradeReport:
        """AGS: the class's current levels to the course's gradebook (if the setting is on)."""
        return self.grades.post(viewer, class_id)

    def classes_with_gradebook(self, learner_ids: Iterable[str]) -> list[str]:
        """The LMS classes of these learners whose course offered its gradebook."""
        return self.grades.classes_of(learner_ids)

    def grades_after_import(self, viewer: Viewer, learner_ids: Iterable[str]) -> None:
        """After an evidence import (grade passback on): post the levels of each LMS class of
        these learners; a failure is logged (`waypoint lti grades CLASS` tries again)."""
        if not self.grades.enabled:
            return
        for class_id in self.classes_with_gradebook(learner_ids):
            try:
                log.info("%s", self.post_grades(viewer, class_id).line())
            except WaypointError as exc:
                log.warning("grade passback of class %s failed: %s", class_id, exc)

    def frame_origins(self, platform: Platform) -> tuple[str, ...]:
        """Origins that may frame the tool's pages for this platform: its issuer's and its
        authorisation endpoint's (Canvas's issuer differs from the school's Canvas address)."""
        found: list[str] = []
        for url in (platform.issuer, platform.auth_url):
            parts = urlsplit(url)
            origin = f"{parts.scheme}://{parts.netloc}"
            if parts.scheme in ("https", "http") and parts.netloc and origin not in found:
                found.append(origin)
        return tuple(found)


def _missing(what: str) -> Callable[[], Any]:
    def fail() -> Any:
        raise LtiServiceError(f"the LTI tool was built without {what}")

    return fail
