"""The demo school's teaching-team stretch (issue 19), drawn after the term's simulation with its
own random generator, so nothing the other demo tests work out by hand moves.

- Courses: 6A and 6B are sections of the course MATH6; 7A is MATH7; the advisory is in none.
- Repetition: on the Mondays 9 and 16 November, 6B reviews the first two competencies of its
  pacing (M.6.EE.1, M.6.EE.2) with every simulated learner who had already mastered them: a
  worksheet each day, scored 3 (70 %) or 4. The leader page shows it as evidence on
  competencies already mastered.
- Group meetings: flexible groups that met, each on one competency for the learners of the
  class whose latest evidence on it before the meeting was below Proficient (at most six, by
  id); what became of them is read from the evidence that follows, as for any school.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from assistant.demo.sim import EvidenceRow, SimLearner

COURSES = {"6A": "MATH6", "6B": "MATH6", "7A": "MATH7"}
REVIEW_CLASS = "6B"
REVIEW_CODES = ("M.6.EE.1", "M.6.EE.2")
REVIEW_DAYS = (date(2026, 11, 9), date(2026, 11, 16))
REVIEW_TYPE = "review worksheet"
GROUP_SIZE = 6
PROFICIENT = 3
QUIZ_PROFICIENT = 0.7


@dataclass(frozen=True)
class Meeting:
    class_id: str
    code: str
    activity: str
    day: date
    teacher: str
    note: str = ""


MEETINGS = (
    Meeting(
        "6A",
        "M.6.RP.4",
        "Tape diagrams: the cost of 5 from the cost of 3",
        date(2026, 10, 27),
        "t.okafor",
    ),
    Meeting("6A", "M.6.RP.4", "Worked examples with ratio tables", date(2026, 11, 3), "t.okafor"),
    Meeting("6B", "M.6.EE.3", "Algebra tiles for 3(x + 4)", date(2026, 10, 26), "t.mensah"),
    Meeting("6B", "M.6.EE.3", "Tape diagrams for expressions", date(2026, 11, 2), "t.mensah"),
)
INTERVENTION_HEADER = (
    "class_id",
    "competency",
    "activity",
    "met_on",
    "kind",
    "recorded_by",
    "learners",
    "note",
)


def review_stretch(learners: Sequence[SimLearner], seed: int) -> list[EvidenceRow]:
    """6B's review of already mastered competencies (learners who know both)."""
    rng = random.Random(seed)
    rows = []
    for learner in sorted(learners, key=lambda item: item.learner_id):
        if not all(code in learner.known for code in REVIEW_CODES):
            continue
        for day in REVIEW_DAYS:
            for code in REVIEW_CODES:
                score = 3 if rng.random() < 0.7 else 4
                rows.append(
                    EvidenceRow(
                        learner.learner_id,
                        code,
                        score,
                        day,
                        None,
                        REVIEW_TYPE,
                        f"{REVIEW_CLASS} classwork",
                    )
                )
    return rows


def meeting_rows(
    evidence: Sequence[EvidenceRow], members: Mapping[str, Sequence[str]]
) -> list[list[str]]:
    """interventions.csv: each meeting with the learners of its class below Proficient on its
    competency at their latest evidence before the meeting day (a learner once per code)."""
    rows: list[list[str]] = []
    taken: dict[tuple[str, str], set[str]] = {}
    for meeting in MEETINGS:
        seen = taken.setdefault((meeting.class_id, meeting.code), set())
        below = [
            learner_id
            for learner_id in sorted(members[meeting.class_id])
            if learner_id not in seen and _below(evidence, learner_id, meeting.code, meeting.day)
        ][:GROUP_SIZE]
        seen.update(below)
        if below:
            rows.append(
                [
                    meeting.class_id,
                    meeting.code,
                    meeting.activity,
                    meeting.day.isoformat(),
                    "group",
                    meeting.teacher,
                    ";".join(below),
                    meeting.note,
                ]
            )
    return rows


def _below(evidence: Sequence[EvidenceRow], learner_id: str, code: str, day: date) -> bool:
    before = [
        row
        for row in evidence
        if row.learner_id == learner_id and row.code == code and row.observed_at < day
    ]
    if not before:
        return False
    last = max(before, key=lambda row: row.observed_at)
    if last.max_score:  # a quiz: 7 of 10 is the demo's mark for level 3
        return last.score / last.max_score < QUIZ_PROFICIENT
    return last.score < PROFICIENT
