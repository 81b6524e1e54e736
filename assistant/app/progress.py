"""What a learner's progress page shows: every competency of their frameworks with its level and
status (mastered, working on it, ready, locked), the evidence over time, and the next steps.

Built for one viewer through the access policy, so a student gets only themself, a parent only
their children and a teacher only their classes' learners. No Streamlit here: the pages render it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from assistant.frameworks.catalog import CatalogEntry, FrameworkCatalog
from assistant.frameworks.model import ProficiencyLevel
from assistant.frameworks.practice import ResourceLink
from assistant.learners.access import AccessPolicy, Viewer
from assistant.learners.estimates import MasteryService
from assistant.learners.store import LearnerStore
from assistant.learners.types import LearnerProfile, MasteryEstimate
from assistant.recommend.service import NextStepsReport, NextStepsService

Status = Literal["mastered", "working", "ready", "locked"]
STATUSES: tuple[Status, ...] = ("mastered", "working", "ready", "locked")
HOME_HEADING = re.compile(r"parent|family|home|mentor", re.I)


@dataclass(frozen=True)
class CompetencyProgress:
    identifier: str
    code: str
    title: str
    statement: str
    framework: str
    domain: str
    status: Status
    level: float | None
    label: str
    evidence_count: int
    last_observed: date | None
    prerequisites: tuple[str, ...]  # codes
    meaning: str  # what the current level means for this competency
    next_label: str
    next_meaning: str  # what the next level up looks like
    resources: tuple[ResourceLink, ...]
    overridden_by: str = ""


@dataclass(frozen=True)
class HistoryPoint:
    day: date
    code: str
    title: str
    level: float


@dataclass(frozen=True)
class LearnerProgress:
    learner: LearnerProfile
    frameworks: tuple[str, ...]
    competencies: tuple[CompetencyProgress, ...]
    history: tuple[HistoryPoint, ...]
    next_steps: NextStepsReport
    scale: tuple[ProficiencyLevel, ...]

    def by_domain(self) -> dict[str, list[CompetencyProgress]]:
        grouped: dict[str, list[CompetencyProgress]] = {}
        for item in self.competencies:
            grouped.setdefault(item.domain, []).append(item)
        return grouped

    def counts(self) -> dict[Status, int]:
        found: dict[Status, int] = dict.fromkeys(STATUSES, 0)
        for item in self.competencies:
            found[item.status] += 1
        return found

    def find(self, code: str) -> CompetencyProgress | None:
        return next((c for c in self.competencies if c.code == code), None)


class ProgressService:
    def __init__(
        self,
        access: AccessPolicy,
        store: LearnerStore,
        mastery: MasteryService,
        next_steps: NextStepsService,
        catalog: FrameworkCatalog,
        knowledge_dir: Path,
    ) -> None:
        self.access = access
        self.store = store
        self.mastery = mastery
        self.next_steps = next_steps
        self.catalog = catalog
        self.knowledge_dir = knowledge_dir

    def for_learner(
        self, viewer: Viewer, learner_id: str, *, language: str = "en"
    ) -> LearnerProgress:
        """Raises AccessDeniedError when the viewer may not see this learner. `language`: the
        reader's, for the next steps' words."""
        grant = self.access.grant(viewer, [learner_id], purpose="progress")
        profile = self.store.profiles(grant)[learner_id]
        estimates = self.mastery.estimates(grant).get(learner_id, {})
        histories = self.store.histories(grant).get(learner_id, {})
        steps = self.next_steps.for_learner(viewer, learner_id, grant=grant, language=language)
        scope = self.next_steps.scope(profile, list(estimates))
        items: list[CompetencyProgress] = []
        for entry in self.catalog.assessable(scope):
            items.append(self._item(entry, estimates))
        points: list[HistoryPoint] = []
        for key, observations in histories.items():
            found = self.catalog.lookup(key)
            if found is not None:
                points += [
                    HistoryPoint(obs.observed_at.date(), found.code, found.title, obs.level)
                    for obs in observations
                ]
        history = sorted(points, key=lambda point: (point.day, point.code))
        first = items[0].identifier if items else None
        scale = self.catalog.scale(first).levels if first else ()
        titles = tuple(fw.title for fw in self.catalog.frameworks if fw.identifier in scope)
        return LearnerProgress(profile, titles, tuple(items), tuple(history), steps, scale)

    def home_help(self, resource: ResourceLink) -> str:
        """The 'how a parent can help' section of a practice resource, or ''."""
        return _home_section(self.knowledge_dir / resource.path)

    # ----------------------------------------------------------------------------------
    def _item(
        self, entry: CatalogEntry, estimates: dict[str, MasteryEstimate]
    ) -> CompetencyProgress:
        estimate = estimates.get(entry.identifier)
        prerequisites = self.catalog.prerequisites(entry.identifier)
        status: Status
        if estimate is not None and estimate.proficient:
            status = "mastered"
        elif estimate is not None:
            status = "working"
        elif all(_proficient(estimates.get(p)) for p in prerequisites):
            status = "ready"
        else:
            status = "locked"
        levels = self.catalog.scale(entry.identifier).levels
        current = _level(levels, estimate.level) if estimate else None
        following = _next_level(levels, estimate.level if estimate else None)
        framework = self.catalog.framework_of(entry.identifier)
        path = framework.parent_path(entry.identifier)
        return CompetencyProgress(
            identifier=entry.identifier,
            code=entry.code,
            title=entry.title,
            statement=entry.item.statement,
            framework=framework.title,
            domain=path[0].short_title if path else framework.title,
            status=status,
            level=estimate.level if estimate else None,
            label=current.label if current else "",
            evidence_count=estimate.evidence_count if estimate else 0,
            last_observed=estimate.last_observed.date()
            if estimate and estimate.last_observed
            else None,
            prerequisites=tuple(
                found.code for p in prerequisites if (found := self.catalog.lookup(p)) is not None
            ),
            meaning=current.description if current else "",
            next_label=following.label if following else "",
            next_meaning=following.description if following else "",
            resources=self.catalog.resources(entry.identifier),
            overridden_by=estimate.override.decided_by if estimate and estimate.override else "",
        )


def _proficient(estimate: MasteryEstimate | None) -> bool:
    return estimate is not None and estimate.proficient


def _level(levels: Iterable[ProficiencyLevel], score: float) -> ProficiencyLevel | None:
    return next((lv for lv in levels if lv.score == score), None)


def _next_level(
    levels: tuple[ProficiencyLevel, ...], score: float | None
) -> ProficiencyLevel | None:
    ordered = sorted(levels, key=lambda lv: lv.score)
    if score is None:
        return ordered[0] if ordered else None
    return next((lv for lv in ordered if lv.score > score), None)


@functools.lru_cache(maxsize=256)
def _home_section(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    sections = re.split(r"^## +", text, flags=re.M)
    for section in sections[1:]:
        heading, _, body = section.partition("\n")
        if HOME_HEADING.search(heading):
            return body.strip()
    return ""
