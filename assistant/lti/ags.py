"""Assignment and Grade Services 2.0 (behind the setting `lti_grade_passback`, off by default):
each learner's current level per competency of a class, posted to the course's gradebook.

One line item per competency of the class report, found by its CASE identifier (the line
item's `resourceId` and `tag`) in the course's line items or created there, with the
competency's scale maximum as `scoreMaximum`; then one score per learner with a level
(`application/vnd.ims.lis.v1.score+json`, FullyGraded). Only learners who have launched or been
synced from this LMS have a user id there; the others are counted, not posted. The class report
is read as the asking viewer, so the access policy decides and audits it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select

from assistant.frameworks.catalog import CatalogEntry, FrameworkCatalog
from assistant.learners.access import Viewer
from assistant.learners.db import Enrolment, Learner, LearnerDatabase
from assistant.learners.db_connect import LtiClassLink, LtiClassService, LtiUserLink
from assistant.lti.nrps import ClassService, class_service
from assistant.lti.platforms import PlatformRegistry
from assistant.lti.services import LtiServiceError, ServiceClient
from assistant.recommend.service import ClassReportService

LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPES = (LINEITEM_SCOPE, SCORE_SCOPE)
LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE = "application/vnd.ims.lis.v1.score+json"
WHAT = "gradebook (AGS line items)"


@dataclass(frozen=True)
class GradeReport:
    class_id: str
    line_items: int
    created: int  # line items this run created
    scores: int
    not_linked: int  # learners with levels but no user id in this LMS

    def as_json(self) -> dict[str, object]:
        return {
            "class": self.class_id,
            "line_items": self.line_items,
            "created": self.created,
            "scores": self.scores,
            "not_linked": self.not_linked,
        }

    def line(self) -> str:
        return (
            f"class {self.class_id}: {self.scores} scores posted to {self.line_items} line items "
            f"({self.created} new); {self.not_linked} learners not known to the LMS"
        )


class GradePassback:
    def __init__(
        self,
        db: LearnerDatabase,
        platforms: PlatformRegistry,
        client: ServiceClient,
        reports: Callable[[], ClassReportService],
        catalog: Callable[[], FrameworkCatalog],
        *,
        enabled: bool,
    ) -> None:
        self.db = db
        self.platforms = platforms
        self.client = client
        self.reports = reports
        self.catalog = catalog
        self.enabled = enabled

    def post(self, viewer: Viewer, class_id: str) -> GradeReport:
        if not self.enabled:
            raise LtiServiceError(
                "grade passback is off: set WAYPOINT_LTI_GRADE_PASSBACK=true to post levels to "
                "the LMS's gradebook"
            )
        service = class_service(self.db, self.platforms, class_id)
        if service.lineitems_url is None or not set(SCOPES) <= set(service.ags_scopes):
            raise LtiServiceError(
                f"class {class_id!r}: the LMS has not offered its gradebook with the lineitem and "
                "score scopes (turn on Assignment and Grade Services for Waypoint, then launch "
                "once as a teacher)"
            )
        report = self.reports().for_class(viewer, class_id)
        subs = self._subs(service, [row.learner_id for row in report.matrix])
        items = self._line_items(service)
        catalog = self.catalog()
        created = scores = 0
        not_linked: set[str] = set()
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        for column, code in enumerate(report.competencies):
            entry = _entry(catalog, code, report.school_class.framework_id)
            maximum = catalog.scale(entry.identifier).maximum
            item_url = items.get(entry.identifier)
            if item_url is None:
                item_url = self._create(service, entry, maximum)
                items[entry.identifier] = item_url
                created += 1
            for row in report.matrix:
                level = row.levels[column]
                if level is None:
                    continue
                sub = subs.get(row.learner_id)
                if sub is None:
                    not_linked.add(row.learner_id)
                    continue
                score = {
                    "userId": sub,
                    "scoreGiven": float(level),
                    "scoreMaximum": float(maximum),
                    "activityProgress": "Completed",
                    "gradingProgress": "FullyGraded",
                    "timestamp": stamp,
                    "comment": f"Waypoint level {level:g} of {maximum:g} for {entry.code}",
                }
                self.client.request(
                    service.platform,
                    SCOPES,
                    "POST",
                    scores_url(item_url),
                    "gradebook (AGS scores)",
                    accept="application/json",
                    body=score,
                    content_type=SCORE,
                )
                scores += 1
        return GradeReport(class_id, len(report.competencies), created, scores, len(not_linked))

    def classes_of(self, learner_ids: Iterable[str]) -> list[str]:
        """The classes of these learners that are LMS courses with a line items service."""
        wanted = sorted(set(learner_ids))
        with self.db.session() as session:
            found = session.scalars(
                select(Enrolment.class_id)
                .join(LtiClassLink, LtiClassLink.class_id == Enrolment.class_id)
                .join(
                    LtiClassService,
                    (LtiClassService.platform_id == LtiClassLink.platform_id)
                    & (LtiClassService.context_id == LtiClassLink.context_id),
                )
                .where(Enrolment.learner_id.in_(wanted), LtiClassService.lineitems_url.is_not(None))
                .distinct()
            )
            return sorted(found)

    def _subs(self, service: ClassService, learner_ids: list[str]) -> dict[str, str]:
        with self.db.session() as session:
            rows = session.execute(
                select(Learner.id, LtiUserLink.sub)
                .join(LtiUserLink, LtiUserLink.user_id == Learner.user_id)
                .where(LtiUserLink.platform_id == service.platform.id, Learner.id.in_(learner_ids))
            )
            return {learner: sub for learner, sub in rows}

    def _line_items(self, service: ClassService) -> dict[str, str]:
        """The course's line items that are Waypoint's: CASE identifier -> line item URL."""
        assert service.lineitems_url is not None
        found: dict[str, str] = {}
        for page in self._pages(service):
            for item in page:
                if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                    raise LtiServiceError(
                        f"the LMS's {WHAT} at {service.lineitems_url} listed a line item "
                        "without an id"
                    )
                resource, tag = item.get("resourceId"), item.get("tag")
                if isinstance(resource, str) and resource == tag:
                    found.setdefault(resource, item["id"])
        return found

    def _pages(self, service: ClassService) -> list[list[Any]]:
        """The line item container is a JSON array; `ServiceClient.pages` reads objects, so
        the pages are followed here."""
        assert service.lineitems_url is not None
        pages: list[list[Any]] = []
        following: str | None = service.lineitems_url
        while following is not None and len(pages) < 200:
            response = self.client.request(
                service.platform, SCOPES, "GET", following, WHAT, accept=CONTAINER
            )
            try:
                data = response.json()
            except ValueError as exc:
                raise LtiServiceError(
                    f"the LMS's {WHAT} at {following} did not answer JSON"
                ) from exc
            if not isinstance(data, list):
                raise LtiServiceError(f"the LMS's {WHAT} at {following} did not answer a list")
            pages.append(data)
            following = response.links.get("next", {}).get("url")
        return pages

    def _create(self, service: ClassService, entry: CatalogEntry, maximum: float) -> str:
        assert service.lineitems_url is not None
        body = {
            "scoreMaximum": float(maximum),
            "label": f"{entry.code}: {entry.item.title}"[:250] if entry.code else entry.item.title,
            "resourceId": entry.identifier,
            "tag": entry.identifier,
        }
        response = self.client.request(
            service.platform,
            SCOPES,
            "POST",
            service.lineitems_url,
            WHAT,
            accept=LINEITEM,
            body=body,
            content_type=LINEITEM,
        )
        try:
            made = response.json()
        except ValueError as exc:
            raise LtiServiceError(
                f"the LMS's {WHAT} at {service.lineitems_url} did not answer JSON"
            ) from exc
        if not isinstance(made, dict) or not isinstance(made.get("id"), str):
            raise LtiServiceError(
                f"the LMS's {WHAT} at {service.lineitems_url} created a line item without an id"
            )
        return str(made["id"])


def scores_url(line_item: str) -> str:
    """A line item's scores service: `/scores` after its path, before any query."""
    parts = urlsplit(line_item)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def _entry(catalog: FrameworkCatalog, code: str, framework_id: str | None) -> CatalogEntry:
    matches = catalog.matches(code)
    inside = [m for m in matches if m.framework_id == framework_id]
    return (inside or matches)[0]
