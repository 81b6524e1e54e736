"""A competency's proficiency scale: its levels and the mastery bar."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.frameworks.model import ProficiencyLevel

# Labels that name the mastery bar on the scales schools publish.
BAR_LABELS = ("proficient", "mastery", "meets", "meets expectations", "secure")


@dataclass(frozen=True)
class ProficiencyScale:
    """Levels sorted by score, and the score a learner needs to count as proficient."""

    levels: tuple[ProficiencyLevel, ...]
    bar: float

    @classmethod
    def from_levels(cls, levels: Sequence[ProficiencyLevel]) -> ProficiencyScale:
        """The bar is the level labelled Proficient (or a synonym), else the second highest."""
        ordered = tuple(sorted(levels, key=lambda lv: lv.score))
        if len(ordered) < 2:
            return DEFAULT_SCALE
        for level in ordered:
            if level.label.strip().casefold() in BAR_LABELS:
                return cls(ordered, level.score)
        return cls(ordered, ordered[-2].score if len(ordered) >= 3 else ordered[-1].score)

    @property
    def minimum(self) -> float:
        return self.levels[0].score

    @property
    def maximum(self) -> float:
        return self.levels[-1].score

    def level_for(self, value: float) -> ProficiencyLevel:
        """The level a continuous value rounds to: the highest level at or below value + 0.5."""
        chosen = self.levels[0]
        for level in self.levels:
            if level.score <= value + 0.5 + 1e-9:
                chosen = level
        return chosen

    def level_at(self, score: float) -> ProficiencyLevel:
        for level in self.levels:
            if abs(level.score - score) < 1e-9:
                return level
        return self.level_for(score)

    def below_bar(self) -> ProficiencyLevel:
        """The highest level under the bar."""
        under = [lv for lv in self.levels if lv.score < self.bar]
        return under[-1] if under else self.levels[0]

    def is_proficient(self, level_score: float) -> bool:
        return level_score >= self.bar - 1e-9

    def aims(self, current: float | None) -> tuple[ProficiencyLevel, ...]:
        """The levels to aim for: each level above the current one, up to the bar."""
        if current is None:
            return tuple(lv for lv in self.levels if abs(lv.score - self.bar) < 1e-9)
        above = tuple(lv for lv in self.levels if current < lv.score <= self.bar + 1e-9)
        if above:
            return above
        return tuple(lv for lv in self.levels if lv.score > current)[:1]

    def from_raw(self, score: float, max_score: float | None) -> float:
        """A score on this scale; a raw score out of max_score maps linearly onto it."""
        if max_score is None:
            return score
        return self.minimum + (score / max_score) * (self.maximum - self.minimum)


DEFAULT_SCALE = ProficiencyScale(
    (
        ProficiencyLevel(1.0, "Beginning"),
        ProficiencyLevel(2.0, "Developing"),
        ProficiencyLevel(3.0, "Proficient"),
        ProficiencyLevel(4.0, "Advanced"),
    ),
    3.0,
)
