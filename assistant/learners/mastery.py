"""Mastery models: from a learner's evidence on a competency to a level, with a confidence.

`ProficiencyScaleRule` (settings `mastery_model=scale`), the rule CBE schools use: a decaying
average of the last N pieces of evidence on the proficiency scale. The newest piece has weight 1,
each older one `decay` times the weight of the next newer one (decay 0 = most recent only,
decay 1 = plain mean of the window). The level is the scale level the average rounds to (half
up); proficient means at or above the mastery bar (3 Proficient on the default scale).
Confidence = min(1, n / 3) x consistency, where n is the evidence count (three pieces is the
usual sufficiency bar) and consistency = 1 - (weighted mean distance of the window from the
average) / (scale range).

`BayesianKnowledgeTracing` (`mastery_model=bkt`): each attempt is correct when it reaches the
bar; P(known) is traced with parameters fitted per competency to the school's evidence (EM, see
bkt.py), or standard defaults when too few learners have evidence. Proficient means P(known) at
or above the threshold (0.95). The level shown is the decaying average's level, moved to the
side of the bar that BKT decides. Confidence = |2 P(known) - 1|.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from assistant.frameworks.scale import ProficiencyScale
from assistant.learners.bkt import DEFAULT_BKT, BktParams, fit, trace
from assistant.learners.types import MasteryEstimate, Observation

ScaleOf = Callable[[str], ProficiencyScale]
SUFFICIENT_EVIDENCE = 3


class MasteryModel(Protocol):
    """Turns one learner's evidence on one competency into a MasteryEstimate."""

    @property
    def name(self) -> str: ...

    @property
    def key(self) -> str:
        """The name and parameters: estimates are cached under it."""
        ...

    def prepare(
        self, histories: Mapping[str, Sequence[Sequence[Observation]]], scale_of: ScaleOf
    ) -> MasteryModel:
        """A model ready for these competencies (histories: every learner's evidence on each)."""
        ...

    def estimate(
        self, competency_id: str, history: Sequence[Observation], scale: ProficiencyScale
    ) -> MasteryEstimate: ...


class ProficiencyScaleRule:
    name = "scale"

    def __init__(self, window: int = 4, decay: float = 0.5) -> None:
        self.window = window
        self.decay = decay

    @property
    def key(self) -> str:
        return f"scale:w{self.window}:d{self.decay:g}"

    def prepare(
        self, histories: Mapping[str, Sequence[Sequence[Observation]]], scale_of: ScaleOf
    ) -> ProficiencyScaleRule:
        return self

    def estimate(
        self, competency_id: str, history: Sequence[Observation], scale: ProficiencyScale
    ) -> MasteryEstimate:
        ordered = _chronological(history)
        recent = tuple(o.level for o in ordered[-self.window :])
        value, spread = decaying_average(recent, self.decay)
        level = scale.level_for(value).score
        proficient = scale.is_proficient(level)
        width = scale.maximum - scale.minimum
        consistency = 1.0 - (spread / width if width > 0 else 0.0)
        return MasteryEstimate(
            competency_id=competency_id,
            model=self.name,
            value=round(value, 4),
            level=level,
            proficient=proficient,
            progress=1.0 if proficient else _progress(value, scale),
            confidence=round(min(1.0, len(ordered) / SUFFICIENT_EVIDENCE) * consistency, 4),
            evidence_count=len(ordered),
            first_observed=ordered[0].observed_at,
            last_observed=ordered[-1].observed_at,
            recent=recent,
        )


class BayesianKnowledgeTracing:
    name = "bkt"

    def __init__(
        self,
        threshold: float = 0.95,
        *,
        window: int = 4,
        decay: float = 0.5,
        min_learners: int = 10,
        params: Mapping[str, BktParams] | None = None,
    ) -> None:
        self.threshold = threshold
        self.min_learners = min_learners
        self.params: dict[str, BktParams] = dict(params or {})
        self._rule = ProficiencyScaleRule(window, decay)

    @property
    def key(self) -> str:
        return f"bkt:t{self.threshold:g}:w{self._rule.window}:d{self._rule.decay:g}"

    def with_params(self, params: Mapping[str, BktParams]) -> BayesianKnowledgeTracing:
        return BayesianKnowledgeTracing(
            self.threshold,
            window=self._rule.window,
            decay=self._rule.decay,
            min_learners=self.min_learners,
            params={**self.params, **params},
        )

    def prepare(
        self, histories: Mapping[str, Sequence[Sequence[Observation]]], scale_of: ScaleOf
    ) -> BayesianKnowledgeTracing:
        fitted: dict[str, BktParams] = {}
        for competency_id, sequences in histories.items():
            if len(sequences) < self.min_learners:
                fitted[competency_id] = DEFAULT_BKT
                continue
            bar = scale_of(competency_id).bar
            results = [[o.level >= bar - 1e-9 for o in _chronological(s)] for s in sequences]
            fitted[competency_id] = fit(results)
        return self.with_params(fitted)

    def estimate(
        self, competency_id: str, history: Sequence[Observation], scale: ProficiencyScale
    ) -> MasteryEstimate:
        on_scale = self._rule.estimate(competency_id, history, scale)
        params = self.params.get(competency_id, DEFAULT_BKT)
        ordered = _chronological(history)
        p_known = trace([o.level >= scale.bar - 1e-9 for o in ordered], params)
        proficient = p_known >= self.threshold
        level = on_scale.level
        if proficient and not scale.is_proficient(level):
            level = scale.bar
        elif not proficient and scale.is_proficient(level):
            level = scale.below_bar().score
        return MasteryEstimate(
            competency_id=competency_id,
            model=self.name,
            value=on_scale.value,
            level=level,
            proficient=proficient,
            progress=1.0 if proficient else round(min(1.0, p_known / self.threshold), 4),
            confidence=round(abs(2 * p_known - 1), 4),
            evidence_count=on_scale.evidence_count,
            first_observed=on_scale.first_observed,
            last_observed=on_scale.last_observed,
            recent=on_scale.recent,
            probability=round(p_known, 4),
        )


def decaying_average(levels: Sequence[float], decay: float) -> tuple[float, float]:
    """The weighted mean of levels (oldest first; newest weighs 1) and the weighted mean
    absolute distance from it."""
    weights = [decay**age for age in range(len(levels) - 1, -1, -1)]
    total = sum(weights)
    value = sum(w * x for w, x in zip(weights, levels, strict=True)) / total
    spread = sum(w * abs(x - value) for w, x in zip(weights, levels, strict=True)) / total
    return value, spread


def make_mastery_model(
    kind: str, *, window: int, decay: float, threshold: float, min_learners: int
) -> MasteryModel:
    if kind == "bkt":
        return BayesianKnowledgeTracing(
            threshold, window=window, decay=decay, min_learners=min_learners
        )
    return ProficiencyScaleRule(window, decay)


def _chronological(history: Sequence[Observation]) -> list[Observation]:
    if not history:
        raise ValueError("a mastery estimate needs at least one piece of evidence")
    return sorted(history, key=lambda o: (o.observed_at, o.evidence_id))


def _progress(value: float, scale: ProficiencyScale) -> float:
    span = scale.bar - scale.minimum
    if span <= 0:
        return 0.0
    return round(min(1.0, max(0.0, (value - scale.minimum) / span)), 4)
