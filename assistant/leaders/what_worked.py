"""What worked: learners who had a recorded intervention on a sticking point (a competency),
followed to their next evidence, beside learners who had the same gap and no intervention.

Pure functions over replayed records (replay.py), the recorded attendance and a period whose
last day is the review date. Each figure is a comparison, not a causal claim: the learners in a
group were chosen by their teacher, the others were not.

- outcome       from a start day: whether the learner first reached Proficient (the scale's
                mastery level) on the competency by the review date, and after how many days;
                none when they had already reached it before the start (no gap to close);
- gap_start     for a learner with no intervention: the first day in the period they had
                evidence on the competency while not proficient on it (the same gap);
- summarize     how many learners, how many reached Proficient, the median days of those who did;
- what_worked   per sticking point: each activity's result (its learners start on the day they
                first attended it in the period; a learner in two activities counts in both),
                best first, and the comparison group's result.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from assistant.leaders.period import Period
from assistant.leaders.replay import LearnerRecord


@dataclass(frozen=True)
class Attendance:
    """One learner at one recorded intervention."""

    learner_id: str
    competency_id: str
    activity: str
    class_id: str
    day: date


@dataclass(frozen=True)
class Outcome:
    reached: bool
    days: int | None  # from the start to the first day proficient (None: not reached)


@dataclass(frozen=True)
class Result:
    learners: int
    reached: int
    median_days: float | None  # over the learners who reached Proficient

    @property
    def share(self) -> float | None:
        return self.reached / self.learners if self.learners else None


@dataclass(frozen=True)
class ActivityResult:
    activity: str
    classes: tuple[str, ...]
    result: Result


@dataclass(frozen=True)
class StickingPoint:
    competency_id: str
    activities: tuple[ActivityResult, ...]  # best first
    comparison: Result  # learners with the same gap and no recorded intervention

    def best(self) -> ActivityResult | None:
        """The best-performing activity, if any of its learners reached Proficient."""
        found = self.activities[0] if self.activities else None
        return found if found is not None and found.result.reached else None


def outcome(record: LearnerRecord, competency_id: str, start: date, review: date) -> Outcome | None:
    first = next((r.reached for r in record.reached if r.competency_id == competency_id), None)
    if first is not None and first < start:
        return None
    if first is None or first > review:
        return Outcome(False, None)
    return Outcome(True, (first - start).days)


def gap_start(record: LearnerRecord, competency_id: str, period: Period) -> date | None:
    return min(
        (
            fact.day
            for fact in record.evidence
            if fact.competency_id == competency_id and fact.day in period and not fact.mastered
        ),
        default=None,
    )


def summarize(outcomes: Iterable[Outcome]) -> Result:
    found = list(outcomes)
    days = [o.days for o in found if o.reached and o.days is not None]
    return Result(len(found), len(days), statistics.median(days) if days else None)


def what_worked(
    attendances: Sequence[Attendance],
    records: Mapping[str, LearnerRecord],
    cohort: Iterable[str],
    period: Period,
) -> tuple[StickingPoint, ...]:
    """Per competency with an intervention in the period; the review date is the period's end.
    `cohort`: the learners the comparison is drawn from (a course's, a class's, the school's)."""
    review = period.end
    starts: dict[str, dict[str, dict[str, date]]] = defaultdict(lambda: defaultdict(dict))
    classes: dict[tuple[str, str], set[str]] = defaultdict(set)
    touched: dict[str, set[str]] = defaultdict(set)
    for item in attendances:
        if item.day > review:
            continue
        touched[item.competency_id].add(item.learner_id)
        if item.day not in period:
            continue
        by_learner = starts[item.competency_id][item.activity]
        before = by_learner.get(item.learner_id)
        by_learner[item.learner_id] = item.day if before is None else min(before, item.day)
        classes[(item.competency_id, item.activity)].add(item.class_id)
    everyone = sorted(set(cohort))
    points = []
    for competency_id in sorted(starts):
        results = []
        for activity, by_learner in starts[competency_id].items():
            found = [
                outcome(records.get(lid) or LearnerRecord(lid), competency_id, day, review)
                for lid, day in sorted(by_learner.items())
            ]
            results.append(
                ActivityResult(
                    activity,
                    tuple(sorted(classes[(competency_id, activity)])),
                    summarize(o for o in found if o is not None),
                )
            )
        results.sort(key=_rank)
        points.append(
            StickingPoint(
                competency_id,
                tuple(results),
                comparison(records, everyone, touched[competency_id], competency_id, period),
            )
        )
    return tuple(points)


def comparison(
    records: Mapping[str, LearnerRecord],
    cohort: Sequence[str],
    excluded: set[str],
    competency_id: str,
    period: Period,
) -> Result:
    """Learners of the cohort with the gap in the period and no recorded intervention on it."""
    found = []
    for learner_id in cohort:
        record = records.get(learner_id)
        if learner_id in excluded or record is None:
            continue
        start = gap_start(record, competency_id, period)
        if start is None:
            continue
        result = outcome(record, competency_id, start, period.end)
        if result is not None:
            found.append(result)
    return summarize(found)


def _rank(item: ActivityResult) -> tuple[float, float, int, str]:
    share = item.result.share or 0.0
    days = item.result.median_days if item.result.median_days is not None else float("inf")
    return (-share, days, -item.result.learners, item.activity.casefold())
