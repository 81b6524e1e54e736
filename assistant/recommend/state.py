"""A learner's standing across the catalog, with aliases across frameworks merged."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from assistant.frameworks.catalog import FrameworkCatalog
from assistant.frameworks.scale import ProficiencyScale
from assistant.learners.types import MasteryEstimate, Override


@dataclass(frozen=True)
class PrerequisiteStatus:
    code: str
    title: str
    level: float | None
    proficient: bool
    reached_on: date | None
    line: str = ""  # in words, e.g. "Builds on M.6.RP.2 Unit rates: level 3 since 3 Nov"

    def as_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "title": self.title,
            "level": self.level,
            "proficient": self.proficient,
            "reached_on": self.reached_on.isoformat() if self.reached_on else None,
            "line": self.line,
        }


class LearnerState:
    """Estimates by competency; an estimate on an alias counts for every equivalent item."""

    def __init__(self, catalog: FrameworkCatalog, estimates: Mapping[str, MasteryEstimate]):
        self.catalog = catalog
        self._best: dict[str, MasteryEstimate] = {}
        for competency_id, estimate in estimates.items():
            for key in catalog.equivalents(competency_id):
                current = self._best.get(key)
                if current is None or _rank(estimate) > _rank(current):
                    self._best[key] = estimate

    def get(self, competency_id: str) -> MasteryEstimate | None:
        return self._best.get(competency_id)

    def proficient(self, competency_id: str) -> bool:
        found = self._best.get(competency_id)
        return found is not None and found.proficient

    def all_proficient(self, competency_ids: Iterable[str]) -> bool:
        return all(self.proficient(c) for c in competency_ids)

    def prerequisite_statuses(self, keys: Iterable[str]) -> tuple[PrerequisiteStatus, ...]:
        statuses = []
        for key in keys:
            entry = self.catalog.entry(key)
            found = self.get(key)
            statuses.append(
                PrerequisiteStatus(
                    entry.code,
                    entry.title,
                    found.level if found else None,
                    self.proficient(key),
                    reached_on(found),
                )
            )
        return tuple(statuses)


def reached_on(estimate: MasteryEstimate | None) -> date | None:
    """When the current level was shown: the teacher's decision, else the latest evidence."""
    if estimate is None:
        return None
    if estimate.override is not None:
        return estimate.override.decided_at.date()
    return estimate.last_observed.date() if estimate.last_observed else None


@dataclass(frozen=True)
class LevelSnapshot:
    """A learner's current level on one competency, as shown with a next step."""

    level: float
    label: str
    value: float
    proficient: bool
    evidence_count: int
    last_observed: date | None
    days_since: int | None
    confidence: float
    probability: float | None
    model: str
    override: Override | None

    def as_json(self) -> dict[str, object]:
        override = self.override
        return {
            "level": self.level,
            "label": self.label,
            "value": self.value,
            "proficient": self.proficient,
            "evidence_count": self.evidence_count,
            "last_observed": self.last_observed.isoformat() if self.last_observed else None,
            "days_since_evidence": self.days_since,
            "confidence": self.confidence,
            "probability": self.probability,
            "model": self.model,
            "override": {
                "level": override.level,
                "by": override.decided_by,
                "reason": override.reason,
                "on": override.decided_at.date().isoformat(),
            }
            if override
            else None,
        }


def level_snapshot(
    estimate: MasteryEstimate, scale: ProficiencyScale, as_of: date
) -> LevelSnapshot:
    last = estimate.last_observed.date() if estimate.last_observed else None
    return LevelSnapshot(
        level=estimate.level,
        label=scale.level_at(estimate.level).label,
        value=round(estimate.value, 3),
        proficient=estimate.proficient,
        evidence_count=estimate.evidence_count,
        last_observed=last,
        days_since=(as_of - last).days if last else None,
        confidence=round(estimate.confidence, 3),
        probability=estimate.probability,
        model=estimate.model,
        override=estimate.override,
    )


def _rank(estimate: MasteryEstimate) -> tuple[bool, float]:
    return (estimate.proficient, estimate.level)
