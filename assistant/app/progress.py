"""What a learner's progress page shows: every competency of their frameworks with its level and
status (mastered, working on it, ready, locked), the evidence over time, and the next steps.

Built for one viewer through the access policy, so a student gets only themself, a parent only
their children and a teacher only their classes' learners. No Streamlit here: the pages render it.
Worded in the reader's language: titles, statements, areas and level descriptors through the
frameworks' translations (the same the chat and the next steps use), practice resources in that
language where one exists beside the English one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Literal

from assistant.frameworks.catalog import CatalogEntry, FrameworkCatalog
from assistant.frameworks.model import ProficiencyLevel
from assistant.frameworks.practice import ResourceLink
from assistant.frameworks.scale import ProficiencyScale
from assistant.frameworks.translations import Translations
from assistant.learners.access import AccessPolicy, Viewer
from assistant.learners.estimates import MasteryService
from assistant.learners.store import LearnerStore
from assistant.learners.types import LearnerProfile, MasteryEstimate
from assistant.recommend.service import NextStepsReport, NextStepsService

Status = Literal["mastered", "working", "ready", "locked"]
STATUSES: tuple[Status, ...] = ("mastered", "working", "ready", "locked")
HOME_HEADING = re.compile(r"parent|family|home|mentor|casa|familia|madre|padre", re.I)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")


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
    levels: tuple[ProficiencyLevel, ...] = ()  # its scale, descriptors in the reader's language


@dataclass(frozen=True)
class HistoryPoint:
    """One piece of evidence: `level` is its value on the scale (a quiz 8/10 is 3.4 on a 1-4
    scale), `scale_level` the level it counts as, named `label` (3, Proficient): what tables
    and charts show."""

    day: date
    code: str
    title: str
    level: float
    scale_level: float = 0.0
    label: str = ""


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
        translations: Translations | None = None,
    ) -> None:
        """`translations`: the frameworks' texts in other languages (by default the ones the
        next steps are worded with)."""
        self.access = access
        self.store = store
        self.mastery = mastery
        self.next_steps = next_steps
        self.catalog = catalog
        self.knowledge_dir = knowledge_dir
        self.translations = translations or next_steps.recommender.translations

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
            items.append(self._item(entry, estimates, language))
        points: list[HistoryPoint] = []
        for key, observations in histories.items():
            found = self.catalog.lookup(key)
            if found is not None:
                title = self.translations.title(found.identifier, language, found.title)
                on = self.catalog.scale(found.identifier)
                for obs in observations:
                    counted = on.level_for(obs.level)
                    points.append(
                        HistoryPoint(
                            obs.observed_at.date(),
                            found.code,
                            title,
                            obs.level,
                            counted.score,
                            counted.label,
                        )
                    )
        history = sorted(points, key=lambda point: (point.day, point.code))
        first = items[0].identifier if items else None
        scale = self.catalog.scale(first).levels if first else ()
        titles = tuple(
            self.translations.title(fw.identifier, language, fw.title)
            for fw in self.catalog.frameworks
            if fw.identifier in scope
        )
        return LearnerProgress(profile, titles, tuple(items), tuple(history), steps, scale)

    def home_help(self, resource: ResourceLink) -> str:
        """The 'how a parent can help' section of a practice resource, or ''."""
        return _home_section(self.knowledge_dir / resource.path)

    def practice_text(self, resource: ResourceLink) -> str:
        """A practice resource's text without its front matter and its title line (the page
        names it), headings as **bold** lines; '' when it cannot be read."""
        return _practice_text(self.knowledge_dir / resource.path)

    # ----------------------------------------------------------------------------------
    def _item(
        self, entry: CatalogEntry, estimates: dict[str, MasteryEstimate], language: str
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
        levels = self._levels(entry.code, self.catalog.scale(entry.identifier), language)
        current = _level(levels, estimate.level) if estimate else None
        following = _next_level(levels, estimate.level if estimate else None)
        framework = self.catalog.framework_of(entry.identifier)
        path = framework.parent_path(entry.identifier)
        words = self.translations
        framework_title = words.title(framework.identifier, language, framework.title)
        return CompetencyProgress(
            identifier=entry.identifier,
            code=entry.code,
            title=words.title(entry.identifier, language, entry.title),
            statement=words.statement(entry.identifier, language, entry.item.statement),
            framework=framework_title,
            domain=words.title(path[0].identifier, language, path[0].short_title)
            if path
            else framework_title,
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
            resources=tuple(
                self.catalog.practice.in_language(r, language)
                for r in self.catalog.resources(entry.identifier)
            ),
            overridden_by=estimate.override.decided_by if estimate and estimate.override else "",
            levels=levels,
        )

    def _levels(
        self, code: str, scale: ProficiencyScale, language: str
    ) -> tuple[ProficiencyLevel, ...]:
        """The scale's levels with their descriptors in the reader's language (the labels stay
        the framework's: the pages name them in the reader's language)."""
        return tuple(
            replace(
                lv,
                description=self.translations.descriptor(code, lv.score, language, lv.description),
                feedback=self.translations.feedback(code, lv.score, language, lv.feedback),
            )
            for lv in scale.levels
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
def _practice_text(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    if text.startswith("---"):
        closing = text.find("\n---", 3)
        text = text[closing + 4 :] if closing != -1 else text
    lines = text.strip().splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    return "\n".join(HEADING.sub(lambda m: f"**{m.group(1).strip()}**", line) for line in lines)


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
