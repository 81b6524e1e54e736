"""What worked, worked out by hand on scripted learners (replayed records written directly).

Period 1 to 30 October 2026; the review date is its last day. Competency X.

P  attended "Tape diagrams" on 5 Oct; first proficient on X on 12 Oct: reached after 7 days.
Q  attended "Tape diagrams" on 5 and 8 Oct (starts on the 5th); never proficient: not reached.
R  attended "Double number line" on 6 Oct; proficient on 26 Oct: reached after 20 days.
S  attended "Tape diagrams" on 10 Oct, but was proficient on X since 1 Oct: no gap, not counted.
T  no intervention; evidence on X on 3 and 9 Oct while not proficient (the gap starts 3 Oct),
   proficient on 20 Oct: reached after 17 days.
U  no intervention; evidence on X on 15 Oct while not proficient; never proficient.
V  no intervention; evidence on X only while already proficient: no gap.
Y  attended "Tape diagrams" on 2 Nov: after the review date, not counted (and not compared).

Tape diagrams: P and Q, 1 of 2 reached, median 7 days (share 50 %).
Double number line: R, 1 of 1, median 20 days (share 100 %: listed first).
Comparison (same gap, no intervention): T and U, 1 of 2, median 17 days.
"""

from __future__ import annotations

from datetime import date

from assistant.leaders.period import Period
from assistant.leaders.replay import EvidenceFact, LearnerRecord, Reached
from assistant.leaders.what_worked import (
    Attendance,
    Outcome,
    Result,
    gap_start,
    outcome,
    summarize,
    what_worked,
)

X = "X"
PERIOD = Period(date(2026, 10, 1), date(2026, 10, 30))


def day(number: int, month: int = 10) -> date:
    return date(2026, month, number)


def record(learner: str, reached: int | None = None, *evidence: tuple[int, bool]) -> LearnerRecord:
    facts = tuple(EvidenceFact(day(d), X, False, mastered) for d, mastered in evidence)
    found = (Reached(X, day(1), day(reached)),) if reached is not None else ()
    return LearnerRecord(learner, facts, found)


RECORDS = {
    "P": record("P", 12, (4, False), (12, False)),
    "Q": record("Q", None, (4, False), (20, False)),
    "R": record("R", 26, (26, False)),
    "S": record("S", 1, (1, False), (11, True)),
    "T": record("T", 20, (3, False), (9, False), (20, False)),
    "U": record("U", None, (15, False)),
    "V": record("V", None, (7, True)),
}
ATTENDED = (
    Attendance("P", X, "Tape diagrams", "6A", day(5)),
    Attendance("Q", X, "Tape diagrams", "6A", day(5)),
    Attendance("Q", X, "Tape diagrams", "6A", day(8)),
    Attendance("R", X, "Double number line", "6B", day(6)),
    Attendance("S", X, "Tape diagrams", "6B", day(10)),
    Attendance("Y", X, "Tape diagrams", "6A", day(2, 11)),
)


def test_an_outcome_counts_days_from_the_start_to_the_first_day_proficient() -> None:
    assert outcome(RECORDS["P"], X, day(5), PERIOD.end) == Outcome(True, 7)
    assert outcome(RECORDS["Q"], X, day(5), PERIOD.end) == Outcome(False, None)
    assert outcome(RECORDS["P"], X, day(12), PERIOD.end) == Outcome(True, 0)  # the same day
    assert outcome(RECORDS["S"], X, day(10), PERIOD.end) is None  # already proficient
    assert outcome(RECORDS["R"], X, day(6), day(25)) == Outcome(False, None)  # after review


def test_the_gap_starts_at_the_first_evidence_in_the_period_while_not_proficient() -> None:
    assert gap_start(RECORDS["T"], X, PERIOD) == day(3)
    assert gap_start(RECORDS["U"], X, PERIOD) == day(15)
    assert gap_start(RECORDS["V"], X, PERIOD) is None
    assert gap_start(RECORDS["T"], X, Period(day(4), day(30))) == day(9)


def test_summarize_counts_learners_reached_and_the_median_days_of_those_who_reached() -> None:
    assert summarize([Outcome(True, 7), Outcome(False, None), Outcome(True, 2)]) == Result(
        3, 2, 4.5
    )
    assert summarize([]) == Result(0, 0, None)
    assert Result(0, 0, None).share is None


def test_what_worked_per_activity_best_first_beside_learners_with_the_same_gap() -> None:
    [point] = what_worked(ATTENDED, RECORDS, [*RECORDS, "Y"], PERIOD)
    assert point.competency_id == X
    assert [(a.activity, a.classes, a.result) for a in point.activities] == [
        ("Double number line", ("6B",), Result(1, 1, 20)),
        ("Tape diagrams", ("6A", "6B"), Result(2, 1, 7)),
    ]
    assert point.comparison == Result(2, 1, 17)
    assert point.best() is not None and point.best().activity == "Double number line"  # type: ignore[union-attr]


def test_no_activity_is_best_when_none_of_its_learners_reached_proficient() -> None:
    only_q = (Attendance("Q", X, "Worked example", "6A", day(5)),)
    [point] = what_worked(only_q, RECORDS, ["Q", "T"], PERIOD)
    assert point.activities[0].result == Result(1, 0, None)
    assert point.best() is None
    assert point.comparison == Result(1, 1, 17)
