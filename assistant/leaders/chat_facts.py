"""The facts behind two chat questions, through the access policy (the chat engine words them):

- "which classes are least responsive this month?"  `least_responsive`: the classes in the
  asker's scope (a teacher's own classes; a leader's or an admin's: every class) over the
  period, least responsive first: the largest share of the period's evidence on competencies
  the learner was not ready for or had already mastered ("off target"), then more learners
  stuck, then more without evidence for 14+ days; classes with no evidence in the period last;
- "what worked for learners stuck on M.6.RP.4?"  `what_worked_for`: per team in the asker's
  scope (a teacher's courses, or a class in no course; the whole school for a leader or an
  admin), each activity's result on that competency beside learners with the same gap and no
  recorded intervention, and the team's go-to.

Each answer carries the keys of its figures' definitions in prompts/ui.yaml (English and
Spanish), to be said with the figures. No learner is named, and no learner attribute is read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant.errors import UnknownRecordError
from assistant.leaders.period import Period
from assistant.leaders.replay import LearnerRecord, Replayer
from assistant.leaders.school import Figures, figures, in_framework, replay
from assistant.leaders.team_records import all_class_ids
from assistant.leaders.teams import PointView, TeamService
from assistant.leaders.what_worked import Result
from assistant.learners.access import SCHOOL_ROLES, Viewer
from assistant.learners.store import LearnerStore

PURPOSE = "chat: class responsiveness"
RESPONSIVE_DEFINITIONS = ("fig_off_target_def", "fig_not_ready_def", "fig_repeated_def")
WHAT_WORKED_DEFINITIONS = ("ww_intro", "ww_result_def", "ww_comparison_def")


@dataclass(frozen=True)
class ClassResponsiveness:
    class_id: str
    name: str
    figures: Figures

    @property
    def off_target(self) -> float | None:
        shares = self.figures.shares
        return (shares.not_ready + shares.mastered) / shares.total if shares.total else None

    def as_json(self) -> dict[str, object]:
        f = self.figures
        return {
            "class_id": self.class_id,
            "name": self.name,
            "learners": f.learners,
            "evidence": f.shares.total,
            "off_target_share": self.off_target,
            "not_ready_share": f.shares.not_ready_share,
            "already_mastered_share": f.shares.mastered_share,
            "stuck": len(f.stuck.learners),
            "quiet": f.quiet,
        }


@dataclass(frozen=True)
class ResponsivenessFacts:
    period: Period
    scope: str  # "school" or "own classes"
    classes: tuple[ClassResponsiveness, ...]  # least responsive first
    definitions: tuple[str, ...] = RESPONSIVE_DEFINITIONS

    def as_json(self) -> dict[str, object]:
        return {
            "period": [self.period.start.isoformat(), self.period.end.isoformat()],
            "scope": self.scope,
            "classes": [c.as_json() for c in self.classes],
            "definitions": list(self.definitions),
        }


@dataclass(frozen=True)
class TeamAnswer:
    team: str
    class_ids: tuple[str, ...]
    point: PointView | None  # None: nothing recorded on it by this team


@dataclass(frozen=True)
class WhatWorkedFacts:
    code: str
    title: str
    period: Period
    teams: tuple[TeamAnswer, ...]
    definitions: tuple[str, ...] = WHAT_WORKED_DEFINITIONS

    def as_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "title": self.title,
            "period": [self.period.start.isoformat(), self.period.end.isoformat()],
            "teams": [
                {
                    "team": t.team,
                    "classes": list(t.class_ids),
                    "go_to": t.point.go_to if t.point else None,
                    "activities": [
                        {"activity": a.activity, "classes": list(a.classes), **_result(a.result)}
                        for a in (t.point.activities if t.point else ())
                    ],
                    "comparison": _result(t.point.comparison) if t.point else None,
                }
                for t in self.teams
            ],
            "definitions": list(self.definitions),
        }


class TeamChatFacts:
    def __init__(self, teams: TeamService) -> None:
        self.teams = teams

    def least_responsive(self, viewer: Viewer, period: Period) -> ResponsivenessFacts:
        access = self.teams.access
        store = LearnerStore(access.db)
        if viewer.role in SCHOOL_ROLES:
            grant = access.school_grant(viewer, purpose=PURPOSE)
            classes = [(c, store.class_info(c).name) for c in _all_classes(self.teams)]
            scope = "school"
        else:
            classes = access.classes_of(viewer)  # a teacher's own (others: none)
            members = {lid for c, _ in classes for lid in store.class_info(c).learner_ids}
            grant = access.grant_visible(
                viewer, members, purpose=PURPOSE, scope=f"classes of {viewer.user_id}"
            )
            scope = "own classes"
        records = replay(access.db, grant, period.end, self._replayer())
        found = []
        for class_id, name in classes:
            info = store.class_info(class_id)
            keep = in_framework(self.teams.catalog, info.framework_id)
            scoped = [
                (records.get(lid) or LearnerRecord(lid)).within(keep)
                for lid in info.learner_ids
                if lid in grant.learner_ids
            ]
            found.append(ClassResponsiveness(class_id, name, figures(scoped, period)))
        found.sort(key=_least_responsive_first)
        return ResponsivenessFacts(period, scope, tuple(found))

    def what_worked_for(self, viewer: Viewer, competency: str, period: Period) -> WhatWorkedFacts:
        entry = self.teams.catalog.lookup(competency.strip())
        if entry is None or not self.teams.catalog.is_assessable(entry.identifier):
            raise UnknownRecordError(f"unknown competency {competency!r}")
        if viewer.role in SCHOOL_ROLES:
            results = [self.teams.school(viewer, period)]
            names = ["school"]
        else:
            mine = self.teams.teams_of(viewer)
            results = [self.teams.results(viewer, team, period) for team in mine]
            names = [team.name for team in mine]
        answers = tuple(
            TeamAnswer(name, found.class_ids, found.point(entry.identifier))
            for name, found in zip(names, results, strict=True)
        )
        return WhatWorkedFacts(entry.code, entry.title, period, answers)

    def _replayer(self) -> Replayer:
        teams = self.teams
        return Replayer(
            teams.catalog, teams.mastery.ready_model(), teams.mastery.scale, teams.rules
        )


def _all_classes(teams: TeamService) -> list[str]:
    return all_class_ids(teams.access)


def _least_responsive_first(item: ClassResponsiveness) -> tuple[int, float, int, int, str]:
    share = item.off_target
    f = item.figures
    return (share is None, -(share or 0.0), -len(f.stuck.learners), -f.quiet, item.class_id)


def _result(result: Result) -> dict[str, object]:
    return {
        "learners": result.learners,
        "reached_proficient": result.reached,
        "median_days": result.median_days,
    }


class ChatTeamFacts:
    """The two answers' facts as plain data over the leaders' default period ("this month":
    the period the school pages show), for the chat engine, which words them."""

    def __init__(self, facts: TeamChatFacts, period: Callable[[], Period]) -> None:
        self.facts = facts
        self.period = period

    def responsiveness(self, viewer: Viewer) -> dict[str, object]:
        return self.facts.least_responsive(viewer, self.period()).as_json()

    def what_worked(self, viewer: Viewer, code: str) -> dict[str, object]:
        return self.facts.what_worked_for(viewer, code, self.period()).as_json()
