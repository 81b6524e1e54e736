"""A learner's evidence replayed day by day: what they knew when each piece was recorded.

For every competency with evidence or a teacher's decision, the mastery model is run on the
evidence up to the end of each such day (the teacher's standing decision on top), which gives
whether the learner was proficient and whether they were stuck (the class report's rule,
recommend/gaps.py) from that day on. From these states:

- each piece of evidence is marked *not ready* when a prerequisite of its competency was not
  proficient at the start of its day (no evidence of a prerequisite counts as not proficient),
  and *already mastered* when its own competency was proficient at the start of its day (an
  alias in another framework counts as the same competency);
- a competency is *reached* on the first day the learner is proficient on it, having started
  it on the day of their first evidence on it;
- a learner is *stuck* on a competency when the last state up to the end date is stuck, since
  the first day of that unbroken stuck run.

Nothing after the end date is read. No database here: `school.py` reads and calls `record`.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from assistant.frameworks.catalog import FrameworkCatalog
from assistant.frameworks.scale import ProficiencyScale
from assistant.learners.mastery import MasteryModel
from assistant.learners.types import MasteryEstimate, Observation, Override
from assistant.recommend.gaps import is_stuck
from assistant.settings_groups import ClassRules


@dataclass(frozen=True)
class Decision:
    """A teacher's override as recorded (level None: a withdrawal)."""

    competency_id: str
    level: float | None
    decided_at: datetime
    decided_by: str = ""
    reason: str = ""


@dataclass(frozen=True)
class EvidenceFact:
    day: date
    competency_id: str
    not_ready: bool  # a prerequisite not proficient at the start of the day
    mastered: bool  # the competency already proficient at the start of the day


@dataclass(frozen=True)
class Reached:
    competency_id: str
    started: date  # the first evidence on it
    reached: date  # the first day proficient

    @property
    def days(self) -> int:
        return (self.reached - self.started).days


@dataclass(frozen=True)
class StuckRun:
    competency_id: str
    since: date


@dataclass(frozen=True)
class LearnerRecord:
    learner_id: str
    evidence: tuple[EvidenceFact, ...] = ()
    reached: tuple[Reached, ...] = ()
    stuck: tuple[StuckRun, ...] = ()

    @property
    def last_evidence(self) -> date | None:
        return max((fact.day for fact in self.evidence), default=None)

    def within(self, keep: Callable[[str], bool]) -> LearnerRecord:
        """Only the competencies `keep` accepts (a class's framework)."""
        return replace(
            self,
            evidence=tuple(f for f in self.evidence if keep(f.competency_id)),
            reached=tuple(r for r in self.reached if keep(r.competency_id)),
            stuck=tuple(s for s in self.stuck if keep(s.competency_id)),
        )


@dataclass(frozen=True)
class DayState:
    day: date
    proficient: bool
    stuck: bool


class Replayer:
    """Replays learners' histories with one mastery model, catalog and stuck rule."""

    def __init__(
        self,
        catalog: FrameworkCatalog,
        model: MasteryModel,
        scale_of: Callable[[str], ProficiencyScale],
        rules: ClassRules,
    ) -> None:
        self.catalog = catalog
        self.model = model
        self.scale_of = scale_of
        self.rules = rules

    def record(
        self,
        learner_id: str,
        histories: Mapping[str, Sequence[Observation]],
        decisions: Sequence[Decision],
        until: date,
    ) -> LearnerRecord:
        seen = {
            key: [o for o in history if o.observed_at.date() <= until]
            for key, history in histories.items()
        }
        by_competency: dict[str, list[Decision]] = {}
        for decision in sorted(decisions, key=lambda d: d.decided_at):
            if decision.decided_at.date() <= until:
                by_competency.setdefault(decision.competency_id, []).append(decision)
        states = {
            key: self.states(key, seen.get(key, []), by_competency.get(key, []))
            for key in {*seen, *by_competency}
        }
        timeline = Timeline(states, self.catalog.equivalents)
        facts = [
            EvidenceFact(
                obs.observed_at.date(),
                key,
                not_ready=any(
                    not timeline.proficient_before(p, obs.observed_at.date())
                    for p in self._prerequisites(key)
                ),
                mastered=timeline.proficient_before(key, obs.observed_at.date()),
            )
            for key, history in seen.items()
            for obs in history
        ]
        facts.sort(key=lambda f: (f.day, f.competency_id))
        reached = []
        stuck = []
        for key, found in sorted(states.items()):
            first = next((s.day for s in found if s.proficient), None)
            history = seen.get(key, [])
            if first is not None and history:
                started = min(o.observed_at.date() for o in history)
                reached.append(Reached(key, min(started, first), first))
            since = stuck_since(found)
            if since is not None:
                stuck.append(StuckRun(key, since))
        return LearnerRecord(learner_id, tuple(facts), tuple(reached), tuple(stuck))

    def states(
        self, key: str, history: Sequence[Observation], decisions: Sequence[Decision]
    ) -> list[DayState]:
        """The learner's state on one competency at the end of each day something happened."""
        scale = self.scale_of(key)
        ordered = sorted(history, key=lambda o: (o.observed_at, o.evidence_id))
        days = sorted(
            {o.observed_at.date() for o in ordered} | {d.decided_at.date() for d in decisions}
        )
        found: list[DayState] = []
        for day in days:
            prefix = [o for o in ordered if o.observed_at.date() <= day]
            estimate = self.model.estimate(key, prefix, scale) if prefix else None
            standing = _standing(decisions, day)
            if standing is not None:
                estimate = (
                    estimate.overridden(standing, scale)
                    if estimate is not None
                    else MasteryEstimate.from_override(key, standing, scale)
                )
            if estimate is None:
                continue
            stuck = self.catalog.is_assessable(key) and is_stuck(estimate, scale, self.rules)
            found.append(DayState(day, estimate.proficient, stuck))
        return found

    def _prerequisites(self, key: str) -> tuple[str, ...]:
        return self.catalog.prerequisites(key) if self.catalog.is_assessable(key) else ()


class Timeline:
    """Whether a learner was proficient on a competency at the start of a day."""

    def __init__(
        self,
        states: Mapping[str, Sequence[DayState]],
        equivalents: Callable[[str], Iterable[str]],
    ) -> None:
        self._states = states
        self._days = {key: [s.day for s in found] for key, found in states.items()}
        self._equivalents = equivalents

    def proficient_before(self, key: str, day: date) -> bool:
        return any(self._own(k, day) for k in self._equivalents(key))

    def _own(self, key: str, day: date) -> bool:
        days = self._days.get(key)
        if not days:
            return False
        index = bisect.bisect_left(days, day) - 1  # the last state from an earlier day
        return index >= 0 and self._states[key][index].proficient


def stuck_since(states: Sequence[DayState]) -> date | None:
    """The first day of the unbroken stuck run the states end with, or None."""
    since: date | None = None
    for state in reversed(states):
        if not state.stuck:
            break
        since = state.day
    return since


def _standing(decisions: Sequence[Decision], day: date) -> Override | None:
    """The teacher's decision standing at the end of `day` (the latest; a withdrawal ends it)."""
    standing: Override | None = None
    for decision in decisions:
        if decision.decided_at.date() > day:
            break
        standing = (
            None
            if decision.level is None
            else Override(decision.level, decision.decided_by, decision.reason, decision.decided_at)
        )
    return standing
