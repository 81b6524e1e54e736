"""Equity: the responsiveness figures by the learner attributes a school chose to import.

For each attribute (IEP, Section 504, English learner, a group of the school's own) the school's
learners fall into groups, one per recorded value, plus "not recorded" for the learners the
roster says nothing about; the groups of one attribute cover the school. For each group:

- not_ready  share of its evidence in the period on competencies not ready for;
- repeated   share of its evidence in the period on competencies already mastered;
- quiet      share of its learners with no evidence for 14 days or more at the period's end;
- stuck      share of its learners stuck on at least one competency at the period's end;
- time       median days to proficiency over the competencies its learners reached in the
             period;
- pace       median competencies reached per learner per month (30 days).

The gap is the group's figure minus the same figure over the rest of the school (every learner
not in the group), with a 90% interval: Newcombe's hybrid score interval built on Wilson
intervals for the shares of learners (quiet, stuck); a bootstrap over learners (evidence shares:
each learner's pieces stay together, resampled as a unit; pace) or over the competencies reached
(time), with a fixed seed, for the others. A gap is flagged only when the whole interval lies on
the worse side of zero: higher is worse for every figure but pace, where lower is worse.

Small cells: a group of fewer than `minimum` learners (default 10, never under 5) shows no figure
and no count. If that leaves exactly one group of an attribute hidden, the smallest shown group
is hidden too (complementary suppression), since the school's total and the other groups would
give the hidden group's figure away; a hidden group's count is not shown either.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.leaders.intervals import (
    RESAMPLES,
    SEED,
    Interval,
    bootstrap_gap,
    median_of_counts,
    proportion_gap,
    ratio_of_counts,
)
from assistant.leaders.period import Period
from assistant.leaders.replay import LearnerRecord
from assistant.leaders.responsiveness import QUIET_DAYS

MIN_GROUP = 10
LOWEST_MIN_GROUP = 5
NOT_RECORDED = ""  # the group of learners with no value for the attribute
FIGURES = ("not_ready", "repeated", "quiet", "stuck", "time", "pace")
LOWER_IS_WORSE = frozenset({"pace"})
METHODS = {
    "not_ready": "bootstrap",
    "repeated": "bootstrap",
    "quiet": "wilson",
    "stuck": "wilson",
    "time": "bootstrap",
    "pace": "bootstrap",
}
SMALL, COMPLEMENTARY = "small", "complementary"


@dataclass(frozen=True)
class LearnerFacts:
    """What one learner contributes to the figures over a period."""

    learner_id: str
    evidence: int
    not_ready: int
    mastered: int
    quiet: bool
    stuck: bool
    reached_days: tuple[int, ...]  # days to proficiency of each competency reached in the period
    pace: float  # competencies reached in the period per month


@dataclass(frozen=True)
class Gap:
    interval: Interval
    flagged: bool


@dataclass(frozen=True)
class GroupFigure:
    figure: str
    value: float | None  # the group's
    rest: float | None  # the rest of the school's
    gap: Gap | None


@dataclass(frozen=True)
class EquityGroup:
    value: str  # NOT_RECORDED for learners without one
    learners: int | None  # None when hidden
    hidden: str  # "", SMALL or COMPLEMENTARY
    figures: tuple[GroupFigure, ...]


@dataclass(frozen=True)
class AttributeEquity:
    attribute: str
    groups: tuple[EquityGroup, ...]


@dataclass(frozen=True)
class EquityFigures:
    period: Period
    minimum: int
    resamples: int
    seed: int
    learners: int
    attributes: tuple[AttributeEquity, ...]


def check_minimum(minimum: int) -> int:
    if minimum < LOWEST_MIN_GROUP:
        raise ValueError(
            f"the smallest group shown is at least {LOWEST_MIN_GROUP} learners, not {minimum}"
        )
    return minimum


def learner_facts(
    record: LearnerRecord, period: Period, quiet_days: int = QUIET_DAYS
) -> LearnerFacts:
    recent = [f for f in record.evidence if f.day in period]
    last = record.last_evidence
    reached = tuple(r.days for r in record.reached if r.reached in period)
    return LearnerFacts(
        learner_id=record.learner_id,
        evidence=len(recent),
        not_ready=sum(f.not_ready for f in recent),
        mastered=sum(f.mastered for f in recent),
        quiet=last is None or (period.end - last).days >= quiet_days,
        stuck=bool(record.stuck),
        reached_days=reached,
        pace=len(reached) / period.months,
    )


def hidden_groups(sizes: Mapping[str, int], minimum: int) -> dict[str, str]:
    """Which groups of one attribute to hide, and why: SMALL (fewer than `minimum` learners), or
    COMPLEMENTARY (the smallest shown group, when exactly one group would be hidden otherwise;
    ties go to the value that sorts first). Groups with no learners are not groups."""
    check_minimum(minimum)
    present = {value: n for value, n in sizes.items() if n > 0}
    hidden = {value: SMALL for value, n in present.items() if n < minimum}
    shown = sorted((n, value) for value, n in present.items() if value not in hidden)
    if len(hidden) == 1 and shown:
        hidden[shown[0][1]] = COMPLEMENTARY
    return hidden


def figure_value(figure: str, facts: Sequence[LearnerFacts]) -> float | None:
    """One figure over a set of learners (None: nothing to count)."""
    if not facts:
        return None
    if figure in ("not_ready", "repeated"):
        total = sum(f.evidence for f in facts)
        part = sum(f.not_ready if figure == "not_ready" else f.mastered for f in facts)
        return part / total if total else None
    if figure == "quiet":
        return sum(f.quiet for f in facts) / len(facts)
    if figure == "stuck":
        return sum(f.stuck for f in facts) / len(facts)
    if figure == "time":
        days = [d for f in facts for d in f.reached_days]
        return float(statistics.median(days)) if days else None
    if figure == "pace":
        return float(statistics.median(f.pace for f in facts))
    raise ValueError(f"unknown figure {figure!r}")


def figure_gap(
    figure: str,
    group: Sequence[LearnerFacts],
    rest: Sequence[LearnerFacts],
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> Gap | None:
    """The group's figure minus the rest's, with its 90% interval and whether it is flagged."""
    interval = _interval(figure, group, rest, resamples, seed)
    if interval is None:
        return None
    worse = interval.high < 0 if figure in LOWER_IS_WORSE else interval.low > 0
    return Gap(interval, worse)


def _interval(
    figure: str,
    group: Sequence[LearnerFacts],
    rest: Sequence[LearnerFacts],
    resamples: int,
    seed: int,
) -> Interval | None:
    if not group or not rest:
        return None
    if figure in ("quiet", "stuck"):
        count = (lambda f: f.quiet) if figure == "quiet" else (lambda f: f.stuck)
        return proportion_gap(sum(map(count, group)), len(group), sum(map(count, rest)), len(rest))
    if figure in ("not_ready", "repeated"):

        def pairs(facts: Sequence[LearnerFacts]) -> np.ndarray:
            part = (f.not_ready if figure == "not_ready" else f.mastered for f in facts)
            return np.array([(p, f.evidence) for p, f in zip(part, facts, strict=True)], float)

        if not any(f.evidence for f in group) or not any(f.evidence for f in rest):
            return None
        return bootstrap_gap(
            pairs(group), pairs(rest), ratio_of_counts, resamples=resamples, seed=seed
        )
    if figure == "time":
        mine = np.array([d for f in group for d in f.reached_days], float)
        theirs = np.array([d for f in rest for d in f.reached_days], float)
        return bootstrap_gap(mine, theirs, median_of_counts, resamples=resamples, seed=seed)
    if figure == "pace":
        mine = np.array([f.pace for f in group], float)
        theirs = np.array([f.pace for f in rest], float)
        return bootstrap_gap(mine, theirs, median_of_counts, resamples=resamples, seed=seed)
    raise ValueError(f"unknown figure {figure!r}")


def attribute_equity(
    attribute: str,
    values: Mapping[str, str],
    facts: Sequence[LearnerFacts],
    minimum: int,
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> AttributeEquity:
    """The groups of one attribute (`values`: learner -> value) over every learner's facts."""
    groups: dict[str, list[LearnerFacts]] = {}
    for item in facts:
        groups.setdefault(values.get(item.learner_id, NOT_RECORDED), []).append(item)
    hidden = hidden_groups({value: len(found) for value, found in groups.items()}, minimum)
    rows = []
    for value in sorted(groups, key=lambda v: (v == NOT_RECORDED, v.casefold())):
        members = groups[value]
        if value in hidden:
            rows.append(EquityGroup(value, None, hidden[value], ()))
            continue
        rest = [f for f in facts if values.get(f.learner_id, NOT_RECORDED) != value]
        figures = tuple(
            GroupFigure(
                figure,
                figure_value(figure, members),
                figure_value(figure, rest),
                figure_gap(figure, members, rest, resamples=resamples, seed=seed),
            )
            for figure in FIGURES
        )
        rows.append(EquityGroup(value, len(members), "", figures))
    return AttributeEquity(attribute, tuple(rows))


def equity_figures(
    records: Sequence[LearnerRecord],
    attributes: Mapping[str, Mapping[str, str]],
    period: Period,
    minimum: int = MIN_GROUP,
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> EquityFigures:
    """Every attribute's groups over the school's learners (`records`: one per learner)."""
    check_minimum(minimum)
    facts = [learner_facts(record, period) for record in records]
    found = tuple(
        attribute_equity(name, values, facts, minimum, resamples=resamples, seed=seed)
        for name, values in sorted(attributes.items())
    )
    return EquityFigures(period, minimum, resamples, seed, len(facts), found)
