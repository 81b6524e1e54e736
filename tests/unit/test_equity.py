"""Equity figures, worked out by hand on scripted learners (pure functions: no database).

Period 1 to 30 October 2026 (30 days: one month of pace). Four scripted learners:

P  4 pieces in the period (1 not ready, 2 already mastered), last on 28 Oct; not stuck;
   reached two competencies in the period, in 3 and 5 days (pace 2 a month).
Q  2 pieces (neither), last on 10 Oct (20 days before the end: quiet); stuck since 5 Oct;
   reached one competency, in 10 days (pace 1).
R  no evidence at all (quiet); pace 0.
S  4 pieces (3 not ready), last on 30 Oct; stuck since 20 Oct; reached none (pace 0).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from assistant.leaders.equity import (
    COMPLEMENTARY,
    NOT_RECORDED,
    SMALL,
    LearnerFacts,
    attribute_equity,
    check_minimum,
    equity_figures,
    figure_gap,
    figure_value,
    hidden_groups,
    learner_facts,
)
from assistant.leaders.intervals import (
    bootstrap_gap,
    median_of_counts,
    proportion_gap,
    ratio_of_counts,
    wilson,
)
from assistant.leaders.period import Period
from assistant.leaders.replay import EvidenceFact, LearnerRecord, Reached, StuckRun
from assistant.settings import Settings

PERIOD = Period(date(2026, 10, 1), date(2026, 10, 30))


def day(n: int) -> date:
    return date(2026, 10, n)


def piece(n: int, *, not_ready: bool = False, mastered: bool = False) -> EvidenceFact:
    return EvidenceFact(day(n), "c", not_ready, mastered)


def reached(days: int, on: int) -> Reached:
    return Reached(f"r{days}", day(on) - timedelta(days=days), day(on))


P = LearnerRecord(
    "P",
    (piece(2, not_ready=True), piece(3, mastered=True), piece(20, mastered=True), piece(28)),
    (reached(3, 12), reached(5, 25)),
)
Q = LearnerRecord("Q", (piece(4), piece(10)), (reached(10, 14),), (StuckRun("c", day(5)),))
R = LearnerRecord("R")
S = LearnerRecord(
    "S",
    (piece(5, not_ready=True), piece(6, not_ready=True), piece(7, not_ready=True), piece(30)),
    (),
    (StuckRun("c", day(20)),),
)


def facts(*records: LearnerRecord) -> list[LearnerFacts]:
    return [learner_facts(r, PERIOD) for r in records]


# the facts and the figures -------------------------------------------------------------------
def test_each_learners_facts_over_the_period() -> None:
    p, q, r, s = facts(P, Q, R, S)
    assert (p.evidence, p.not_ready, p.mastered, p.quiet, p.stuck) == (4, 1, 2, False, False)
    assert p.reached_days == (3, 5) and p.pace == 2
    assert (q.evidence, q.quiet, q.stuck, q.reached_days, q.pace) == (2, True, True, (10,), 1)
    assert (r.evidence, r.quiet, r.stuck, r.pace) == (0, True, False, 0)
    assert (s.evidence, s.not_ready, s.quiet, s.stuck, s.pace) == (4, 3, False, True, 0)


def test_each_figure_over_a_group_and_over_the_rest() -> None:
    group, rest = facts(P, Q), facts(R, S)
    # not ready: 1 of P's and Q's 6 pieces; 3 of R's and S's 4
    assert figure_value("not_ready", group) == pytest.approx(1 / 6)
    assert figure_value("not_ready", rest) == pytest.approx(3 / 4)
    # already mastered: 2 of 6; 0 of 4
    assert figure_value("repeated", group) == pytest.approx(2 / 6)
    assert figure_value("repeated", rest) == 0
    # quiet: Q of P, Q; R of R, S.  stuck: Q; S
    assert figure_value("quiet", group) == 0.5 and figure_value("quiet", rest) == 0.5
    assert figure_value("stuck", group) == 0.5 and figure_value("stuck", rest) == 0.5
    # days to proficiency: the median of 3, 5 and 10; the rest reached nothing
    assert figure_value("time", group) == 5 and figure_value("time", rest) is None
    # pace: the median of 2 and 1 a month; of 0 and 0
    assert figure_value("pace", group) == 1.5 and figure_value("pace", rest) == 0
    assert figure_value("not_ready", facts(R)) is None  # no evidence: no share
    assert figure_value("pace", []) is None


# intervals ------------------------------------------------------------------------------------
def test_wilson_intervals_worked_by_hand() -> None:
    # 5 of 10, z = 1.6449 (z^2 = 2.7055): centre (0.5 + 0.1353) / 1.2706 = 0.5,
    # half-width 1.6449 * sqrt(0.025 + 0.00676) / 1.2706 = 0.2307
    found = wilson(5, 10)
    assert (found.low, found.high) == pytest.approx((0.2693, 0.7307), abs=1e-4)
    # 0 of 10: centre 0.1353 / 1.2706 = 0.1065 and the same half-width: from 0 to 0.2129
    none = wilson(0, 10)
    assert (none.low, none.high) == pytest.approx((0.0, 0.2129), abs=1e-4)
    with pytest.raises(ValueError, match="proportion"):
        wilson(1, 0)


def test_the_gap_between_two_shares_has_newcombes_interval() -> None:
    # 6/10 has Wilson (0.3516, 0.8058), 2/10 has (0.0686, 0.4592); d = 0.4
    # lower 0.4 - sqrt((0.6 - 0.3516)^2 + (0.4592 - 0.2)^2) = 0.4 - 0.3590 = 0.0410
    # upper 0.4 + sqrt((0.8058 - 0.6)^2 + (0.2 - 0.0686)^2) = 0.4 + 0.2442 = 0.6442
    found = proportion_gap(6, 10, 2, 10)
    assert found.estimate == pytest.approx(0.4)
    assert (found.low, found.high) == pytest.approx((0.0410, 0.6442), abs=1e-4)


def test_a_bootstrap_interval_is_the_same_every_time_and_exact_on_constant_data() -> None:
    rng = np.random.default_rng(1)
    mine, theirs = rng.integers(0, 20, 30).astype(float), rng.integers(5, 25, 40).astype(float)
    first = bootstrap_gap(mine, theirs, median_of_counts)
    again = bootstrap_gap(mine, theirs, median_of_counts)
    assert first == again and first is not None
    assert first.low <= first.estimate <= first.high
    assert first.estimate == float(np.median(mine) - np.median(theirs))
    constant = bootstrap_gap(np.full(12, 2.0), np.full(15, 5.0), median_of_counts)
    assert constant is not None and (constant.low, constant.estimate, constant.high) == (-3, -3, -3)
    assert bootstrap_gap(np.array([]), theirs, median_of_counts) is None


def test_a_median_from_counts_of_distinct_values() -> None:
    # values 1, 2, 5: once each -> 2; 1 twice and 5 twice -> (1 + 5) / 2; 5 alone -> 5
    values = np.array([1.0, 2.0, 5.0])
    counts = np.array([[1, 1, 1], [2, 0, 2], [0, 0, 1]])
    assert list(median_of_counts(values, counts)) == [2.0, 3.0, 5.0]


def test_a_share_of_evidence_resamples_learners_with_their_pieces() -> None:
    # learners as (part, whole) pairs: one of each of (1 of 4) and (3 of 4) makes 4 of 8; two
    # of (3 of 4) make 6 of 8: the ratio of the sums, not a mean of the learners' shares
    pairs = np.array([[1.0, 4.0], [3.0, 4.0]])
    assert list(ratio_of_counts(pairs, np.array([[1, 1], [0, 2]]))) == [0.5, 0.75]
    assert np.isnan(ratio_of_counts(np.array([[0.0, 0.0]]), np.array([[3]]))[0])  # no evidence


# flags ----------------------------------------------------------------------------------------
def quiet_learners(count: int, quiet: int, prefix: str) -> list[LearnerFacts]:
    return [LearnerFacts(f"{prefix}{i}", 0, 0, 0, i < quiet, False, (), 0.0) for i in range(count)]


def test_a_gap_is_flagged_only_when_its_whole_interval_is_on_the_worse_side() -> None:
    worse = figure_gap("quiet", quiet_learners(20, 18, "a"), quiet_learners(20, 2, "b"))
    assert worse is not None and worse.interval.low > 0 and worse.flagged
    better = figure_gap("quiet", quiet_learners(20, 2, "a"), quiet_learners(20, 18, "b"))
    assert better is not None and better.interval.high < 0 and not better.flagged
    unclear = figure_gap("quiet", quiet_learners(10, 4, "a"), quiet_learners(10, 2, "b"))
    assert unclear is not None and unclear.interval.low < 0 < unclear.interval.high
    assert not unclear.flagged
    # pace: lower is worse
    slow = [LearnerFacts(f"s{i}", 0, 0, 0, False, False, (), 0.0) for i in range(12)]
    fast = [LearnerFacts(f"f{i}", 0, 0, 0, False, False, (), 3.0) for i in range(12)]
    assert figure_gap("pace", slow, fast).flagged  # type: ignore[union-attr]
    assert not figure_gap("pace", fast, slow).flagged  # type: ignore[union-attr]


# small cells -----------------------------------------------------------------------------------
def test_a_group_of_nine_is_hidden_and_a_group_of_ten_is_shown() -> None:
    assert hidden_groups({"yes": 10, "no": 30}, 10) == {}
    # nine: hidden, and the only other group with it, or the school's total would give it away
    assert hidden_groups({"yes": 9, "no": 30}, 10) == {"yes": SMALL, "no": COMPLEMENTARY}


def test_complementary_suppression_hides_the_next_smallest_group() -> None:
    assert hidden_groups({"a": 9, "b": 12, "c": 20}, 10) == {"a": SMALL, "b": COMPLEMENTARY}
    # two small groups already hide each other: nothing more
    assert hidden_groups({"a": 9, "b": 8, "c": 20}, 10) == {"a": SMALL, "b": SMALL}
    # a tie for the next-smallest goes to the value that sorts first
    assert hidden_groups({"a": 3, "c": 12, "b": 12}, 10) == {"a": SMALL, "b": COMPLEMENTARY}
    # a value nobody has is not a group
    assert hidden_groups({"a": 0, "b": 12, "c": 20}, 10) == {}


def test_the_smallest_group_shown_is_never_under_five() -> None:
    assert hidden_groups({"yes": 5, "no": 5}, 5) == {}
    assert hidden_groups({"yes": 4, "no": 30}, 5) == {"yes": SMALL, "no": COMPLEMENTARY}
    for minimum in (4, 0):
        with pytest.raises(ValueError, match="at least 5"):
            check_minimum(minimum)
        with pytest.raises(ValueError, match="at least 5"):
            hidden_groups({"yes": 30}, minimum)
    with pytest.raises(ValueError, match="WAYPOINT_EQUITY_MIN_GROUP"):
        Settings(equity_min_group=4)
    assert Settings().leaders.equity_min_group == 10


def scripted(count: int, prefix: str, record: LearnerRecord) -> list[LearnerRecord]:
    return [
        LearnerRecord(f"{prefix}{i}", record.evidence, record.reached, record.stuck)
        for i in range(count)
    ]


def test_an_attributes_groups_with_a_hidden_not_recorded_group() -> None:
    # 10 learners like P with yes, 12 like S with no, 3 like R with nothing recorded
    records = scripted(10, "y", P) + scripted(12, "n", S) + scripted(3, "u", R)
    values = {r.learner_id: "yes" for r in records[:10]} | {
        r.learner_id: "no" for r in records[10:22]
    }
    found = equity_figures(records, {"english_learner": values}, PERIOD, 10, resamples=200)
    (attribute,) = found.attributes
    groups = {g.value: g for g in attribute.groups}
    assert [g.value for g in attribute.groups] == ["no", "yes", NOT_RECORDED]
    # the 3 not recorded are hidden; then yes (10) is the smallest shown: hidden too
    assert groups[NOT_RECORDED].hidden == SMALL and groups["yes"].hidden == COMPLEMENTARY
    assert groups["yes"].learners is None and groups["yes"].figures == ()
    no = groups["no"]
    assert no.learners == 12 and no.hidden == ""
    by = {f.figure: f for f in no.figures}
    # no: 36 of 48 pieces not ready; the rest (10 like P, 3 like R): 10 of 40
    assert by["not_ready"].value == pytest.approx(0.75)
    assert by["not_ready"].rest == pytest.approx(0.25)
    # stuck: all 12; the rest: none. Newcombe's interval lies above 0: flagged
    assert by["stuck"].value == 1 and by["stuck"].rest == 0
    assert by["stuck"].gap is not None and by["stuck"].gap.flagged
    # every S-like learner has the same pieces: every resample gives 0.75 - 0.25
    assert by["not_ready"].gap is not None and by["not_ready"].gap.flagged
    assert by["time"].value is None and by["time"].gap is None  # no group value: no gap


def test_a_group_of_ten_is_shown_with_its_gap() -> None:
    records = scripted(10, "y", Q) + scripted(15, "n", P)
    values = {r.learner_id: "yes" for r in records[:10]} | {
        r.learner_id: "no" for r in records[10:]
    }
    found = attribute_equity("iep", values, facts(*records), 10, resamples=200)
    yes = next(g for g in found.groups if g.value == "yes")
    assert yes.learners == 10
    pace = next(f for f in yes.figures if f.figure == "pace")
    # Q-like learners reach 1 a month, P-like 2: every resample gives 1 - 2 = -1 (worse)
    assert (pace.value, pace.rest) == (1, 2)
    assert pace.gap is not None and pace.gap.interval.high == -1 and pace.gap.flagged
