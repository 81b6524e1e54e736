"""The weekly simulation behind the demo school's evidence.

Each learner has a true state (the competencies they have mastered). Every school week they work
on their current competency: the first one in the class's pacing so far that they have not
mastered (or, once ahead of the class, the next one the framework makes ready), plus one more
check after mastering it. Working on a competency whose prerequisites are mastered teaches it
with the learner's learning rate; a competency named `stuck_on` is not learned this term
(and scores 2 (60 %), 1 (35 %), 3 (5 %) until then).
The class's exit ticket on the week's topic also goes to learners one step behind it or ahead.
Scores are drawn around the true state: mastered 3 (65 %), 4 (25 %), 2 (10 %, a slip); ready but
not mastered 2 (55 %), 1 (30 %), 3 (15 %, a guess); prerequisites missing 1 (65 %), 2 (35 %).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

STUCK_RATE = 0.0
QUIZ_MARKS = {1: 1, 2: 4, 3: 7, 4: 10}


@dataclass(frozen=True)
class Pattern:
    name: str
    learn_rate: float
    extra_sessions: int = 0
    absent_weeks: tuple[int, ...] = ()
    stuck_on: str | None = None
    no_slip: tuple[str, ...] = ()
    sure: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvidenceRow:
    learner_id: str
    code: str
    score: float
    observed_at: date
    max_score: int | None = None
    evidence_type: str = ""
    source: str = ""
    note: str = ""


@dataclass
class SimLearner:
    learner_id: str
    pattern: Pattern
    known: set[str] = field(default_factory=set)
    checks: dict[str, int] = field(default_factory=dict)
    known_at_start: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ClassPlan:
    class_id: str
    term_start: date
    pacing: tuple[str, ...]
    order: tuple[str, ...]


class Simulation:
    def __init__(self, prerequisites: Mapping[str, Sequence[str]], rng: random.Random) -> None:
        self.prerequisites = prerequisites
        self.rng = rng

    def run(self, plan: ClassPlan, learners: Sequence[SimLearner]) -> list[EvidenceRow]:
        rows: list[EvidenceRow] = []
        for week, topic in enumerate(plan.pacing):
            monday = plan.term_start + timedelta(weeks=week)
            for learner in learners:
                if week in learner.pattern.absent_weeks:
                    continue
                rows.extend(self._week(plan, learner, week, topic, monday))
        return rows

    def _week(
        self, plan: ClassPlan, learner: SimLearner, week: int, topic: str, monday: date
    ) -> list[EvidenceRow]:
        days = sorted(self.rng.sample(range(1, 5), 1 + min(learner.pattern.extra_sessions, 2)))
        rows: list[EvidenceRow] = []
        for number, offset in enumerate(days):
            current = self._current(plan, learner, week)
            if current is None:
                break
            self._learn(learner, current)
            kind, source = (
                ("practice set", "Waypoint practice")
                if number
                else ("classwork", f"{plan.class_id} classwork")
            )
            rows.append(
                self._evidence(learner, current, monday + timedelta(days=offset), kind, source)
            )
        behind = self._current(plan, learner, week)
        near = behind is not None and behind in self.prerequisites.get(topic, ())
        ahead = topic in learner.known and self.rng.random() < 0.5
        if topic != behind and (ahead or (near and self.rng.random() < 0.5)):
            kind, max_score = ("quiz", 10) if week % 3 == 2 else ("exit ticket", None)
            rows.append(
                self._evidence(
                    learner,
                    topic,
                    monday + timedelta(days=4),
                    kind,
                    f"{plan.class_id} gradebook",
                    max_score,
                )
            )
        return rows

    def _current(self, plan: ClassPlan, learner: SimLearner, week: int) -> str | None:
        for code in dict.fromkeys(plan.pacing[: week + 1]):
            if code not in learner.known or learner.checks.get(code, 0) < 1:
                return code
        for code in plan.order:
            ready = all(p in learner.known for p in self.prerequisites.get(code, ()))
            if ready and (code not in learner.known or learner.checks.get(code, 0) < 1):
                return code
        return None

    def _learn(self, learner: SimLearner, code: str) -> None:
        if code in learner.known:
            learner.checks[code] = learner.checks.get(code, 0) + 1
            return
        if not all(p in learner.known for p in self.prerequisites.get(code, ())):
            return
        rate = STUCK_RATE if code == learner.pattern.stuck_on else learner.pattern.learn_rate
        if code in learner.pattern.sure:
            rate = max(rate, 0.9)
        if self.rng.random() < rate:
            learner.known.add(code)

    def level(self, learner: SimLearner, code: str) -> int:
        draw = self.rng.random()
        if code in learner.known:
            if code in learner.pattern.no_slip:
                return 4 if draw < 0.3 else 3
            return 3 if draw < 0.65 else 4 if draw < 0.9 else 2
        if code == learner.pattern.stuck_on:
            return 2 if draw < 0.6 else 1 if draw < 0.95 else 3
        if all(p in learner.known for p in self.prerequisites.get(code, ())):
            return 2 if draw < 0.55 else 1 if draw < 0.85 else 3
        return 1 if draw < 0.65 else 2

    def _evidence(
        self,
        learner: SimLearner,
        code: str,
        day: date,
        kind: str,
        source: str,
        max_score: int | None = None,
    ) -> EvidenceRow:
        level = self.level(learner, code)
        if max_score is not None:
            return EvidenceRow(
                learner.learner_id, code, QUIZ_MARKS[level], day, max_score, kind, source
            )
        return EvidenceRow(learner.learner_id, code, level, day, None, kind, source)
