"""Responsiveness figures, worked out by hand on the four scripted learners of
tests/support_leaders.py (the replay and each figure are pure: no database here)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import pytest

from assistant.frameworks.catalog import FrameworkCatalog
from assistant.leaders.period import Period
from assistant.leaders.replay import Decision, LearnerRecord, Replayer
from assistant.leaders.responsiveness import (
    Spread,
    evidence_shares,
    overall_time_to_proficiency,
    pace,
    quiet_learners,
    spread,
    stuck_learners,
    time_to_proficiency,
)
from assistant.leaders.school import in_framework
from assistant.learners.mastery import ProficiencyScaleRule
from assistant.learners.types import Observation
from assistant.settings_groups import ClassRules
from tests.support_leaders import DECISION, END, EVIDENCE, HABITS, LEARNERS, START
from tests.support_learners import MATH, bundled_catalog

PERIOD = Period(START, END)


@pytest.fixture(scope="module")
def catalog() -> FrameworkCatalog:
    return bundled_catalog()


def key(catalog: FrameworkCatalog, code: str) -> str:
    entry = catalog.lookup(code)
    assert entry is not None, code
    return entry.identifier


@pytest.fixture(scope="module")
def records(catalog: FrameworkCatalog) -> dict[str, LearnerRecord]:
    replayer = Replayer(catalog, ProficiencyScaleRule(4, 0.5), catalog.scale, ClassRules())
    found = {}
    for learner in LEARNERS:
        histories: dict[str, list[Observation]] = {}
        for number, (lid, code, level, day) in enumerate(EVIDENCE):
            if lid == learner:
                at = datetime.fromisoformat(day)
                histories.setdefault(key(catalog, code), []).append(
                    Observation(at, float(level), number)
                )
        decisions = [
            Decision(key(catalog, DECISION[1]), DECISION[2], DECISION[5], DECISION[3], DECISION[4])
        ]
        found[learner] = replayer.record(
            learner, histories, decisions if learner == DECISION[0] else [], END
        )
    return found


def everyone(records: dict[str, LearnerRecord]) -> list[LearnerRecord]:
    return [records[lid] for lid in LEARNERS]


def maths(catalog: FrameworkCatalog, records: dict[str, LearnerRecord]) -> list[LearnerRecord]:
    framework = catalog.framework(MATH)
    assert framework is not None
    keep = in_framework(catalog, framework.identifier)
    return [records[lid].within(keep) for lid in ("A", "B", "C")]


def habits(catalog: FrameworkCatalog, records: dict[str, LearnerRecord]) -> list[LearnerRecord]:
    framework = catalog.framework(HABITS)
    assert framework is not None
    keep = in_framework(catalog, framework.identifier)
    return [records[lid].within(keep) for lid in ("B", "D")]


def codes(catalog: FrameworkCatalog, keys: Sequence[str]) -> list[str]:
    return [catalog.entry(k).code for k in keys]


# the replay ---------------------------------------------------------------------------------
def test_each_piece_of_evidence_is_marked_with_what_the_learner_knew_that_morning(
    catalog: FrameworkCatalog, records: dict[str, LearnerRecord]
) -> None:
    anna = [(f.day.isoformat(), f.not_ready, f.mastered) for f in records["A"].evidence]
    assert anna == [
        ("2026-09-20", False, False),
        ("2026-10-05", False, True),  # RP.1 proficient since 20 Sep: repetition
        ("2026-10-06", False, False),  # RP.3 builds on RP.1, proficient: ready
        ("2026-10-13", False, False),  # RP.3 becomes proficient that day, not before
    ]  # 5 Nov is after the period's end: not read
    ben = [(codes(catalog, [f.competency_id])[0], f.not_ready) for f in records["B"].evidence]
    assert ben == [
        ("M.6.RP.4", True),  # RP.3 never shown
        ("M.6.RP.4", True),
        ("H.SD.A.1", False),
        ("M.6.RP.4", True),
        ("M.6.RP.1", False),
    ]
    assert records["D"].evidence == () and records["D"].last_evidence is None


def test_reaching_proficiency_and_stuck_runs_follow_the_days(
    catalog: FrameworkCatalog, records: dict[str, LearnerRecord]
) -> None:
    reached = {
        lid: [(catalog.entry(r.competency_id).code, r.days) for r in records[lid].reached]
        for lid in LEARNERS
    }
    assert sorted(reached["A"]) == [("M.6.RP.1", 0), ("M.6.RP.3", 7)]
    assert sorted(reached["B"]) == [("H.SD.A.1", 0), ("M.6.RP.1", 0)]
    assert reached["C"] == [("M.6.RP.1", 27)]  # the teacher's level 3 on 28 Oct
    assert reached["D"] == []
    ben = records["B"].stuck
    assert [(catalog.entry(s.competency_id).code, s.since) for s in ben] == [
        ("M.6.RP.4", date(2026, 10, 20))
    ]
    assert records["C"].stuck == ()  # stuck from 16 Oct, until the override on 28 Oct


def test_cleo_is_stuck_from_the_sixteenth_when_the_period_ends_before_the_override(
    catalog: FrameworkCatalog,
) -> None:
    replayer = Replayer(catalog, ProficiencyScaleRule(4, 0.5), catalog.scale, ClassRules())
    rp1 = key(catalog, "M.6.RP.1")
    history = [
        Observation(datetime.fromisoformat(day), float(level), n)
        for n, (lid, _, level, day) in enumerate(EVIDENCE)
        if lid == "C"
    ]
    record = replayer.record("C", {rp1: history}, [], date(2026, 10, 27))
    assert [(s.since, (date(2026, 10, 27) - s.since).days) for s in record.stuck] == [
        (date(2026, 10, 16), 11)
    ]
    early = replayer.record("C", {rp1: history}, [], date(2026, 10, 5))
    assert [s.since for s in early.stuck] == [date(2026, 10, 3)]  # twice at the lowest level


# the figures ----------------------------------------------------------------------------------
def test_shares_of_evidence_not_ready_for_and_already_mastered(
    catalog: FrameworkCatalog, records: dict[str, LearnerRecord]
) -> None:
    # in the period: Anna 3 (one repetition), Ben 5 (three not ready), Cleo 4, Dev 0
    school = evidence_shares(everyone(records), PERIOD)
    assert (school.total, school.not_ready, school.mastered) == (12, 3, 1)
    assert school.not_ready_share == pytest.approx(0.25)
    assert school.mastered_share == pytest.approx(1 / 12)
    k1 = evidence_shares(maths(catalog, records), PERIOD)  # Ben's habits piece is not K1's
    assert (k1.total, k1.not_ready, k1.mastered) == (11, 3, 1)
    k2 = evidence_shares(habits(catalog, records), PERIOD)
    assert (k2.total, k2.not_ready, k2.mastered) == (1, 0, 0)
    assert evidence_shares([records["D"]], PERIOD).not_ready_share is None


def test_learners_without_new_evidence_for_fourteen_days(
    catalog: FrameworkCatalog, records: dict[str, LearnerRecord]
) -> None:
    # 30 Oct: Anna last 13 Oct (17 days), Ben 27 Oct (3), Cleo 16 Oct (exactly 14), Dev none
    assert quiet_learners(everyone(records), END) == ("A", "C", "D")
    assert quiet_learners(everyone(records), date(2026, 10, 29)) == ("A", "D")  # Cleo: 13
    assert quiet_learners(maths(catalog, records), END) == ("A", "C")
    assert quiet_learners(habits(catalog, records), END) == ("B", "D")  # habits: 15 Oct


def test_learners_stuck_and_for_how_long(
    catalog: FrameworkCatalog, records: dict[str, LearnerRecord]
) -> None:
    stuck = stuck_learners(everyone(records), END)
    assert stuck.learners == ("B",) and stuck.days == (10,)  # since 20 Oct
    assert stuck.median_days == 10 and stuck.longest_days == 10
    assert stuck_learners(habits(catalog, records), END).learners == ()
    assert stuck_learners(habits(catalog, records), END).median_days is None


def test_time_to_proficiency_median_and_quartiles(
    catalog: FrameworkCatalog, records: dict[str, LearnerRecord]
) -> None:
    # reached in October: Anna RP.3 in 7 days, Ben RP.1 and H.SD.A.1 in 0, Cleo RP.1 in 27
    # (Anna's RP.1 was reached on 20 Sep, before the period)
    per = time_to_proficiency(everyone(records), PERIOD)
    named = {catalog.entry(k).code: v for k, v in per.items()}
    assert named == {
        "M.6.RP.1": Spread(2, 13.5, 6.75, 20.25),  # [0, 27]
        "M.6.RP.3": Spread(1, 7, 7, 7),
        "H.SD.A.1": Spread(1, 0, 0, 0),
    }
    # [0, 0, 7, 27]: median 3.5; quartiles at positions 0.75 and 2.25 -> 0 and 7 + 0.25 * 20
    assert overall_time_to_proficiency(everyone(records), PERIOD) == Spread(4, 3.5, 0, 12)
    assert overall_time_to_proficiency(maths(catalog, records), PERIOD) == Spread(
        3, 7, 3.5, 17
    )  # [0, 7, 27]
    assert overall_time_to_proficiency([records["D"]], PERIOD) is None


def test_pace_is_the_median_learner_s_competencies_reached_per_month(
    catalog: FrameworkCatalog, records: dict[str, LearnerRecord]
) -> None:
    # 30 days = one month; reached in the period: Anna 1, Ben 2, Cleo 1, Dev 0 -> median 1
    assert pace(everyone(records), PERIOD) == 1.0
    assert pace(maths(catalog, records), PERIOD) == 1.0  # 1, 1, 1
    assert pace(habits(catalog, records), PERIOD) == 0.5  # Ben 1, Dev 0
    fortnight = Period(date(2026, 10, 17), END)  # 14 days = 14/30 of a month
    # reached in it: Ben RP.1 (27 Oct), Cleo RP.1 (28 Oct): per month 30/14 each; Anna, Dev 0
    assert pace(everyone(records), fortnight) == pytest.approx(15 / 14)
    assert pace([], PERIOD) is None


def test_a_spread_of_one_value_and_a_period_the_wrong_way_round() -> None:
    assert spread([5]) == Spread(1, 5, 5, 5)
    with pytest.raises(ValueError):
        spread([])
    with pytest.raises(ValueError, match="starts"):
        Period(END, START)
    assert Period.ending(END).start == START and Period.ending(END).days == 30
