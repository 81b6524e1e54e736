"""LearnerData over the learner model: the access policy first, then next steps and levels."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select

from assistant.chat.learner_data import LearnerAccessError, LearnerRef, NextStepsView, StepView
from assistant.errors import AccessDeniedError, UnknownRecordError
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.learners.access import AccessGrant, AccessPolicy, Viewer
from assistant.learners.db import Learner
from assistant.learners.estimates import MasteryService
from assistant.learners.store import LearnerStore
from assistant.recommend.class_report import ClassReport
from assistant.recommend.next_steps import NextStep
from assistant.recommend.service import ClassReportService, NextStepsService


class TeamFacts(Protocol):
    """The school's figures the chat words for teachers, leaders and admins (the leaders
    package provides them, through the access policy; no learner is named in them)."""

    def responsiveness(self, viewer: Viewer) -> dict[str, object]: ...

    def what_worked(self, viewer: Viewer, code: str) -> dict[str, object]: ...


class LearnerServices:
    def __init__(
        self,
        access: AccessPolicy,
        store: LearnerStore,
        mastery: MasteryService,
        next_steps: NextStepsService,
        catalog: FrameworkCatalog,
        class_reports: ClassReportService | None = None,
        team: TeamFacts | None = None,
    ) -> None:
        self.class_reports = class_reports
        self.team = team
        self.access = access
        self.store = store
        self.mastery = mastery
        self.next_steps_service = next_steps
        self.catalog = catalog

    def _viewer(self, user_id: str | None) -> Viewer:
        try:
            return self.access.viewer(user_id)
        except UnknownRecordError as exc:
            raise LearnerAccessError(str(exc)) from exc

    def responsiveness(self, user_id: str | None) -> dict[str, object]:
        """The classes in the asker's scope, least responsive first (teachers: their own)."""
        if self.team is None:
            raise LearnerAccessError("no school figures here")
        viewer = self._viewer(user_id)
        if viewer.role not in ("teacher", "leader", "admin"):
            raise LearnerAccessError(f"{viewer.role}s do not see class figures")
        try:
            return self.team.responsiveness(viewer)
        except AccessDeniedError as exc:
            raise LearnerAccessError(str(exc)) from exc

    def what_worked(self, user_id: str | None, code: str) -> dict[str, object]:
        """What the asker's teams (a leader's: the school) recorded on a competency, and how
        learners with the same gap and no intervention did."""
        if self.team is None:
            raise LearnerAccessError("no school figures here")
        viewer = self._viewer(user_id)
        if viewer.role not in ("teacher", "leader", "admin"):
            raise LearnerAccessError(f"{viewer.role}s do not see team results")
        try:
            return self.team.what_worked(viewer, code)
        except (AccessDeniedError, UnknownRecordError) as exc:
            raise LearnerAccessError(str(exc)) from exc

    def visible_learners(self, user_id: str | None) -> list[LearnerRef]:
        """The learners this user may see, by name: one audited "learner list" access."""
        viewer = self._viewer(user_id)
        with self.access.db.session() as session:
            everyone = list(session.scalars(select(Learner.id)))
        grant = self.access.grant_visible(viewer, everyone, purpose="learner list")
        profiles = self.store.profiles(grant)
        return sorted(
            (LearnerRef(p.id, p.name) for p in profiles.values()),
            key=lambda ref: (ref.name, ref.id),
        )

    def names_to_hide(self, user_id: str | None) -> list[LearnerRef]:
        """Ids and names of the learners this user may see, read only to replace them by
        placeholders before text goes to a model: nothing is shown, so nothing is audited."""
        viewer = self._viewer(user_id)
        with self.access.db.session() as session:
            rows = session.execute(select(Learner.id, Learner.name)).all()
        allowed = self.access.visible(viewer, [row[0] for row in rows])
        return [LearnerRef(row[0], row[1]) for row in rows if row[0] in allowed]

    def own_learners(self, user_id: str | None) -> list[LearnerRef]:
        """A student's own record or a parent's children (who they are, not their data)."""
        found = self.access.own_learners(self._viewer(user_id))
        return sorted((LearnerRef(i, name) for i, name in found), key=lambda r: (r.name, r.id))

    def classes(self, user_id: str | None) -> list[tuple[str, str]]:
        """(id, name) of the classes whose report this user may open."""
        return self.access.classes_of(self._viewer(user_id))

    def class_report(
        self, user_id: str | None, class_id: str, language: str | None = None
    ) -> ClassReport:
        """The class's report, its reasons and notes in `language` where they are written."""
        if self.class_reports is None:
            raise LearnerAccessError("class reports are not available here")
        viewer = self._viewer(user_id)
        try:
            return self.class_reports.for_class(viewer, class_id, language=language)
        except (AccessDeniedError, UnknownRecordError) as exc:
            raise LearnerAccessError(str(exc)) from exc

    def next_steps(
        self,
        user_id: str | None,
        learner_id: str,
        limit: int,
        *,
        with_levels: bool = False,
        language: str = "en",
    ) -> NextStepsView:
        """The steps worded in `language` (reasons, prerequisite lines, aims, tips, titles)."""
        viewer = self._viewer(user_id)
        try:
            purpose = "next_steps and levels" if with_levels else "next_steps"
            grant = self.access.grant(viewer, [learner_id], purpose=purpose)
            report = self.next_steps_service.for_learner(
                viewer, learner_id, limit=limit, grant=grant, language=language
            )
            levels = self._levels(grant, learner_id) if with_levels else ()
        except (AccessDeniedError, UnknownRecordError) as exc:
            raise LearnerAccessError(str(exc)) from exc
        learner = LearnerRef(report.learner.id, report.learner.name)
        return NextStepsView(learner, tuple(_step(s) for s in report.steps), levels)

    def _levels(
        self, grant: AccessGrant, learner_id: str
    ) -> tuple[tuple[str, str, float, str], ...]:
        """The learner's current level on every competency with evidence, in framework order."""
        estimates = self.mastery.estimates(grant.only([learner_id]))
        levels = []
        for identifier, estimate in estimates.get(learner_id, {}).items():
            entry = self.catalog.lookup(identifier)
            if entry is None:
                continue
            scale = self.catalog.scale(identifier).levels
            label = next((lv.label for lv in scale if lv.score == estimate.level), "")
            levels.append((entry.order, entry.code, entry.title, estimate.level, label))
        return tuple(level[1:] for level in sorted(levels))


def _step(step: NextStep) -> StepView:
    bar = step.aim[-1] if step.aim else None  # the aims run up to the mastery bar
    return StepView(
        code=step.code,
        title=step.title,
        framework=step.framework,
        reason=step.reason,
        aim=bar.description if bar else "",
        tip=step.tip,
        resources=tuple((r.title, r.path) for r in step.resources),
        prerequisites=tuple(p.code for p in step.prerequisites),
        data=step.as_json(),
    )
