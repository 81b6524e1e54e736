"""The scripted learners of the demo school: evidence written row by row, for hand-worked tests.

L001 (6A)         steady through M.6.RP.1 to M.6.RP.4, now working on M.6.RP.5.
L043 to L047 (7A) were at 3 on M.6.RP.4 in June but 2 at the September entry check and since;
                  stuck on M.7.RP.2 and started M.7.RP.3 (the guide's worked example, group A).
L048 to L050 (7A) solid on grade 6 and M.7.RP.2, stuck on unit rates with fractions
                  (M.7.RP.1), started M.7.RP.3 (group B).
L051 (7A)         gaps reaching back from M.6.RP.7 through M.6.RP.5 and M.6.RP.4 to M.6.RP.3.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from assistant.demo.sim import EvidenceRow

PRIOR_DAY = date(2026, 6, 5)
PRIOR_TYPE, PRIOR_SOURCE = "end-of-year record", "Grade 6 record 2025-26"
GROUP_A = ("L043", "L044", "L045", "L046", "L047")
GROUP_B = ("L048", "L049", "L050")
SCRIPTED = ("L001", *GROUP_A, *GROUP_B, "L051")

# (code, score, day, max_score, evidence_type, note); the source follows from the type.
Script = tuple[tuple[str, float, str, int | None, str, str], ...]

L001: Script = (
    ("M.6.RP.1", 2, "2026-09-08", None, "exit ticket", ""),
    ("M.6.RP.1", 3, "2026-09-15", None, "classwork", ""),
    ("M.6.RP.1", 8, "2026-09-17", 10, "quiz", ""),
    ("M.6.RP.2", 2, "2026-09-22", None, "classwork", ""),
    ("M.6.RP.3", 3, "2026-09-29", None, "classwork", ""),
    ("M.6.RP.2", 3, "2026-10-02", None, "practice set", ""),
    ("M.6.RP.3", 4, "2026-10-06", None, "project", "designed a paint-mix problem for the class"),
    ("M.6.RP.4", 2, "2026-10-13", None, "classwork", ""),
    ("M.6.RP.4", 2, "2026-10-20", None, "exit ticket", ""),
    ("M.6.RP.4", 3, "2026-10-27", None, "classwork", ""),
    ("M.6.RP.2", 3, "2026-11-03", None, "unit check", ""),
    ("M.6.RP.4", 3, "2026-11-03", None, "unit check", ""),
    ("M.6.RP.5", 2, "2026-11-10", None, "classwork", ""),
    ("M.6.RP.5", 2, "2026-11-17", None, "exit ticket", "divided the wrong way for price per kg"),
)
GROUP_A_SCRIPT: Script = (
    ("M.6.RP.4", 2, "2026-09-08", None, "classwork", "entry check"),
    ("M.7.RP.1", 2, "2026-09-15", None, "classwork", ""),
    ("M.7.RP.1", 3, "2026-09-22", None, "classwork", ""),
    ("M.7.RP.1", 3, "2026-09-24", None, "practice set", ""),
    ("M.7.RP.2", 2, "2026-09-29", None, "classwork", ""),
    ("M.7.RP.2", 2, "2026-10-06", None, "classwork", ""),
    ("M.6.RP.4", 2, "2026-10-13", None, "classwork", "could not find the cost of 5 from 3"),
    ("M.7.RP.3", 1, "2026-10-20", None, "exit ticket", ""),
    ("M.7.RP.3", 2, "2026-10-27", None, "exit ticket", ""),
    ("M.7.RP.2", 2, "2026-11-03", None, "classwork", ""),
    ("M.6.RP.4", 2, "2026-11-12", None, "practice set", ""),
    ("M.7.RP.3", 2, "2026-11-17", None, "exit ticket", ""),
)
GROUP_B_SCRIPT: Script = (
    ("M.6.RP.4", 3, "2026-09-08", None, "classwork", "entry check"),
    ("M.7.RP.1", 2, "2026-09-15", None, "classwork", ""),
    ("M.7.RP.1", 2, "2026-09-22", None, "classwork", ""),
    ("M.7.RP.2", 3, "2026-09-29", None, "classwork", ""),
    ("M.7.RP.1", 1, "2026-09-30", None, "practice set", ""),
    ("M.7.RP.2", 3, "2026-10-06", None, "classwork", ""),
    ("M.7.RP.1", 2, "2026-10-13", None, "classwork", "1/2 mile in 1/4 hour: divided the wrong way"),
    ("M.7.RP.3", 1, "2026-10-20", None, "exit ticket", ""),
    ("M.7.RP.3", 2, "2026-10-27", None, "exit ticket", ""),
    ("M.7.RP.1", 2, "2026-11-10", None, "classwork", ""),
    ("M.7.RP.2", 3, "2026-11-17", None, "practice set", ""),
)
L051: Script = (
    ("M.6.RP.4", 1, "2026-09-08", None, "classwork", "entry check"),
    ("M.6.RP.3", 2, "2026-09-15", None, "classwork", ""),
    ("M.6.RP.3", 2, "2026-09-22", None, "practice set", ""),
    ("M.6.RP.4", 2, "2026-10-06", None, "classwork", ""),
    ("M.7.RP.3", 1, "2026-10-20", None, "exit ticket", ""),
    ("M.7.RP.2", 1, "2026-10-27", None, "classwork", ""),
    ("M.6.RP.3", 2, "2026-11-10", None, "classwork", ""),
)
L051_PRIOR_GAPS = ("M.6.RP.3", "M.6.RP.4", "M.6.RP.5", "M.6.RP.6", "M.6.RP.7", "M.6.EE.9")


def scripted_rows(order: Sequence[str]) -> list[EvidenceRow]:
    rows = _rows("L001", "6A", L001)
    grade6 = [code for code in order if code.startswith("M.6.")]
    for learner_id in GROUP_A:
        rows += _prior(learner_id, {code: 3 for code in grade6})
        rows += _rows(learner_id, "7A", GROUP_A_SCRIPT)
    for learner_id in GROUP_B:
        rows += _prior(learner_id, {code: 3 for code in grade6})
        rows += _rows(learner_id, "7A", GROUP_B_SCRIPT)
    rows += _prior("L051", {code: 2 if code in L051_PRIOR_GAPS else 3 for code in grade6})
    rows += _rows("L051", "7A", L051)
    return rows


def prior_record(learner_id: str, known: Iterable[str], order: Sequence[str]) -> list[EvidenceRow]:
    """Last year's grade-6 record for a simulated 7A learner: 3 or 4 if mastered, else 2."""
    mastered = set(known)
    seed = int(learner_id[1:])
    levels = {
        code: (4 if (seed + index) % 4 == 0 else 3) if code in mastered else 2
        for index, code in enumerate(c for c in order if c.startswith("M.6."))
    }
    return _prior(learner_id, levels)


def _prior(learner_id: str, levels: dict[str, int]) -> list[EvidenceRow]:
    return [
        EvidenceRow(learner_id, code, level, PRIOR_DAY, None, PRIOR_TYPE, PRIOR_SOURCE)
        for code, level in levels.items()
    ]


def _rows(learner_id: str, class_id: str, script: Script) -> list[EvidenceRow]:
    sources = {
        "classwork": f"{class_id} classwork",
        "practice set": "Waypoint practice",
        "project": f"{class_id} gradebook",
    }
    return [
        EvidenceRow(
            learner_id,
            code,
            score,
            date.fromisoformat(day),
            max_score,
            kind,
            sources.get(kind, f"{class_id} gradebook"),
            note,
        )
        for code, score, day, max_score, kind, note in script
    ]
