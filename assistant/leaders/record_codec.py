"""Learners' replayed records as compact JSON lists and back (stored beside the leaders'
snapshot, so a recomputation replays only the learners whose data changed)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from assistant.leaders.replay import EvidenceFact, LearnerRecord, Reached, StuckRun

Records = dict[str, LearnerRecord]


def encode_records(records: Mapping[str, LearnerRecord]) -> list[Any]:
    """Records as compact JSON lists (days as ordinals, flags as 0/1)."""
    return [
        [
            r.learner_id,
            [
                [f.day.toordinal(), f.competency_id, int(f.not_ready), int(f.mastered)]
                for f in r.evidence
            ],
            [[x.competency_id, x.started.toordinal(), x.reached.toordinal()] for x in r.reached],
            [[x.competency_id, x.since.toordinal()] for x in r.stuck],
        ]
        for r in records.values()
    ]


def decode_records(data: list[Any]) -> Records:
    day = date.fromordinal
    return {
        learner_id: LearnerRecord(
            learner_id,
            tuple(EvidenceFact(day(d), c, bool(n), bool(m)) for d, c, n, m in facts),
            tuple(Reached(c, day(a), day(b)) for c, a, b in reached),
            tuple(StuckRun(c, day(d)) for c, d in stuck),
        )
        for learner_id, facts, reached, stuck in data
    }
