"""Next steps and class reports for a viewer: the access policy first, then the learner data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol

from assistant.errors import UnknownRecordError
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.learners.access import AccessGrant, AccessPolicy, Viewer
from assistant.learners.estimates import MasteryService, end_of_day
from assistant.learners.store import LearnerStore
from assistant.learners.types import LearnerProfile
from assistant.recommend.class_report import ClassAnalyzer, ClassReport
from assistant.recommend.groups import TeamSuggestion
from assistant.recommend.next_steps import NextStep, Recommender


@dataclass(frozen=True)
class NextStepsReport:
    learner: LearnerProfile
    as_of: date
    model: str
    frameworks: tuple[str, ...]
    steps: tuple[NextStep, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "learner": self.learner.as_json(),
            "as_of": self.as_of.isoformat(),
            "model": self.model,
            "frameworks": list(self.frameworks),
            "steps": [step.as_json() for step in self.steps],
        }


class NextStepsService:
    def __init__(
        self,
        store: LearnerStore,
        policy: AccessPolicy,
        mastery: MasteryService,
        catalog: FrameworkCatalog,
        recommender: Recommender,
    ) -> None:
        self.store = store
        self.policy = policy
        self.mastery = mastery
        self.catalog = catalog
        self.recommender = recommender

    def for_learner(
        self,
        viewer: Viewer,
        learner_id: str,
        *,
        as_of: date | None = None,
        framework: str | None = None,
        limit: int | None = None,
        grant: AccessGrant | None = None,
        language: str = "en",
    ) -> NextStepsReport:
        """`grant`: one the caller already holds for this learner (a page that shows more of
        the learner's data), so one view is audited once; `language`: the reader's, for the
        steps' words."""
        if grant is None or learner_id not in grant.learner_ids or grant.viewer != viewer:
            grant = self.policy.grant(viewer, [learner_id], purpose="next_steps")
        day = as_of or date.today()
        profile = self.store.profiles(grant)[learner_id]
        estimates = self.mastery.estimates(grant, as_of).get(learner_id, {})
        scope = self.scope(profile, list(estimates), framework)
        steps = self.recommender.next_steps(
            estimates,
            as_of=day,
            frameworks=scope,
            priorities=self.store.focus(grant).get(learner_id, {}),
            name=None if viewer.role == "student" else _first_name(profile.name),
            limit=limit,
            language=language,
        )
        translated = self.recommender.translations.title
        titles = tuple(
            translated(fw.identifier, language, fw.title)
            for fw in self.catalog.frameworks
            if fw.identifier in scope
        )
        return NextStepsReport(profile, day, self.mastery.model.name, titles, tuple(steps))

    def scope(
        self, profile: LearnerProfile, assessed: list[str], framework: str | None = None
    ) -> list[str]:
        """The frameworks of the learner's classes and of their evidence (all if neither)."""
        if framework:
            found = self.catalog.framework(framework)
            if found is None:
                raise UnknownRecordError(f"unknown framework {framework!r}")
            return [found.identifier]
        scope: list[str] = []
        for class_id in profile.class_ids:
            framework_id = self.store.class_info(class_id).framework_id
            if framework_id and framework_id not in scope:
                scope.append(framework_id)
        for key in assessed:
            if self.catalog.is_assessable(key):
                framework_id = self.catalog.entry(key).framework_id
                if framework_id not in scope:
                    scope.append(framework_id)
        return scope or [fw.identifier for fw in self.catalog.frameworks]


class TeamAdvice(Protocol):
    """The teaching team's picks per competency code (leaders/teams.py implements it)."""

    def suggestions(
        self, viewer: Viewer, class_id: str, as_of: date
    ) -> Mapping[str, TeamSuggestion]: ...


class ClassReportService:
    def __init__(
        self,
        store: LearnerStore,
        policy: AccessPolicy,
        mastery: MasteryService,
        analyzer: ClassAnalyzer,
        team: TeamAdvice | None = None,
    ) -> None:
        self.store = store
        self.policy = policy
        self.mastery = mastery
        self.analyzer = analyzer
        self.team = team

    def for_class(
        self,
        viewer: Viewer,
        class_id: str,
        *,
        as_of: date | None = None,
        language: str | None = None,
    ) -> ClassReport:
        """The report, worded in `language` when the analyzer has its reasons (else English)."""
        self.policy.require_class(viewer, class_id)
        info = self.store.class_info(class_id)
        grant = self.policy.grant_visible(
            viewer, info.learner_ids, purpose="class_report", scope=f"class {class_id}"
        )
        day = as_of or date.today()
        until = end_of_day(as_of) if as_of is not None else None
        report = self.analyzer.report(
            info,
            self.store.profiles(grant),
            self.mastery.estimates(grant, as_of),
            self.store.evidence_dates(grant, until),
            as_of=day,
            model=self.mastery.model.name,
            language=language,
        )
        if self.team is None or not report.groups:
            return report
        picks = self.team.suggestions(viewer, class_id, day)
        groups = tuple(replace(g, team_pick=picks.get(g.focus)) for g in report.groups)
        return replace(report, groups=groups)


def _first_name(name: str) -> str:
    return name.split()[0] if name.split() else name
