"""Value types of the learner model, shared by the store, mastery models and recommenders."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from assistant.frameworks.scale import ProficiencyScale

# leader: a principal or coach, who reads school-wide figures (read-only; see access.py).
Role = Literal["student", "parent", "teacher", "leader", "admin"]


@dataclass(frozen=True)
class Observation:
    """One piece of evidence as a mastery model sees it: when, and the level on the scale."""

    observed_at: datetime
    level: float
    evidence_id: int = 0


@dataclass(frozen=True)
class Override:
    """A teacher's decision on a learner's level for a competency."""

    level: float
    decided_by: str
    reason: str
    decided_at: datetime


@dataclass(frozen=True)
class MasteryEstimate:
    """Where a learner stands on one competency, and how sure the model is.

    `value` is the continuous level on the scale, `level` the scale level it rounds to,
    `progress` how far it is from the bottom of the scale to the bar (1 when proficient),
    `recent` the levels in the model's window, oldest first.
    """

    competency_id: str
    model: str
    value: float
    level: float
    proficient: bool
    progress: float
    confidence: float
    evidence_count: int
    first_observed: datetime | None
    last_observed: datetime | None
    recent: tuple[float, ...] = ()
    probability: float | None = None
    override: Override | None = None

    def overridden(self, override: Override, scale: ProficiencyScale) -> MasteryEstimate:
        """The teacher's level wins; the evidence count and dates stay for the record."""
        return replace(
            self,
            value=override.level,
            level=override.level,
            proficient=scale.is_proficient(override.level),
            progress=1.0 if scale.is_proficient(override.level) else self.progress,
            confidence=1.0,
            override=override,
        )

    @classmethod
    def from_override(
        cls, competency_id: str, override: Override, scale: ProficiencyScale
    ) -> MasteryEstimate:
        proficient = scale.is_proficient(override.level)
        span = max(scale.bar - scale.minimum, 1e-9)
        return cls(
            competency_id=competency_id,
            model="override",
            value=override.level,
            level=override.level,
            proficient=proficient,
            progress=1.0 if proficient else max(0.0, (override.level - scale.minimum) / span),
            confidence=1.0,
            evidence_count=0,
            first_observed=None,
            last_observed=None,
            override=override,
        )


@dataclass(frozen=True)
class LearnerProfile:
    id: str
    name: str
    grade: str = ""
    class_ids: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "grade": self.grade, "classes": self.class_ids}


@dataclass(frozen=True)
class ClassInfo:
    id: str
    name: str
    framework_id: str | None
    teacher_ids: tuple[str, ...] = ()
    learner_ids: tuple[str, ...] = ()
    focus: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "framework": self.framework_id,
            "teachers": list(self.teacher_ids),
            "learners": len(self.learner_ids),
        }
