"""Responsiveness: does the teaching meet learners where they are? Pure functions over the
replayed records of a school's or a class's learners (replay.py) and a period.

- evidence_shares     of the evidence recorded in the period, the share on competencies the
                      learner was not ready for (a prerequisite not yet proficient) and the
                      share on competencies already mastered (repetition);
- quiet_learners      learners with no evidence for `days` (14) or more by the period's end,
                      including learners with none at all;
- stuck_learners      learners stuck (the class report's rule) on at least one competency at
                      the period's end, and for how long (their longest stuck run, in days);
- time_to_proficiency days from the first evidence on a competency to the first day proficient,
                      over the learners who reached it in the period: median and quartiles;
- pace                competencies first reached in the period per learner per month (a month
                      is 30 days), the median over every learner in scope (none reached: 0).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from assistant.leaders.period import Period
from assistant.leaders.replay import LearnerRecord

QUIET_DAYS = 14


@dataclass(frozen=True)
class EvidenceShares:
    total: int
    not_ready: int
    mastered: int

    @property
    def not_ready_share(self) -> float | None:
        return self.not_ready / self.total if self.total else None

    @property
    def mastered_share(self) -> float | None:
        return self.mastered / self.total if self.total else None


@dataclass(frozen=True)
class Spread:
    """A median with its quartiles (the middle half lies between q1 and q3)."""

    count: int
    median: float
    q1: float
    q3: float


@dataclass(frozen=True)
class StuckSummary:
    learners: tuple[str, ...]
    days: tuple[int, ...]  # each stuck learner's longest run, in the order of `learners`

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.days) if self.days else None

    @property
    def longest_days(self) -> int | None:
        return max(self.days, default=None)


def evidence_shares(records: Sequence[LearnerRecord], period: Period) -> EvidenceShares:
    facts = [f for r in records for f in r.evidence if f.day in period]
    return EvidenceShares(
        len(facts), sum(f.not_ready for f in facts), sum(f.mastered for f in facts)
    )


def quiet_learners(
    records: Sequence[LearnerRecord], as_of: date, days: int = QUIET_DAYS
) -> tuple[str, ...]:
    quiet = []
    for record in records:
        last = record.last_evidence
        if last is None or (as_of - last).days >= days:
            quiet.append(record.learner_id)
    return tuple(quiet)


def stuck_learners(records: Sequence[LearnerRecord], as_of: date) -> StuckSummary:
    learners, days = [], []
    for record in records:
        if record.stuck:
            learners.append(record.learner_id)
            days.append(max((as_of - run.since).days for run in record.stuck))
    return StuckSummary(tuple(learners), tuple(days))


def time_to_proficiency(records: Sequence[LearnerRecord], period: Period) -> dict[str, Spread]:
    """Per competency reached by at least one learner in the period."""
    taken: dict[str, list[int]] = defaultdict(list)
    for record in records:
        for reached in record.reached:
            if reached.reached in period:
                taken[reached.competency_id].append(reached.days)
    return {key: spread(values) for key, values in sorted(taken.items())}


def overall_time_to_proficiency(records: Sequence[LearnerRecord], period: Period) -> Spread | None:
    """The same over every competency reached in the period (one value per learner and
    competency)."""
    values = [
        reached.days
        for record in records
        for reached in record.reached
        if reached.reached in period
    ]
    return spread(values) if values else None


def pace(records: Sequence[LearnerRecord], period: Period) -> float | None:
    if not records:
        return None
    per_learner = [
        sum(1 for reached in record.reached if reached.reached in period) / period.months
        for record in records
    ]
    return statistics.median(per_learner)


def spread(values: Sequence[float]) -> Spread:
    if not values:
        raise ValueError("a spread needs at least one value")
    ordered = sorted(values)
    if len(ordered) == 1:
        only = float(ordered[0])
        return Spread(1, only, only, only)
    q1, median, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return Spread(len(ordered), median, q1, q3)
