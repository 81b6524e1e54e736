"""A competency ready for a learner, with the parts of its ranking score: what the ranking
(`next_steps`) produces and the wording (`wording`) explains."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

StepKind = Literal["finish", "ready"]


@dataclass(frozen=True)
class Candidate:
    """A competency that is ready for the learner, with the parts of its score."""

    identifier: str
    kind: StepKind
    opens: tuple[str, ...]
    progress: float
    struggle: float
    priority: float
    score: float
    order: int
