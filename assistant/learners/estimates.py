"""Mastery estimates for learners: the configured model over their evidence, overrides on top.

Current estimates are cached in the database under the model's key and the evidence generation
(which changes whenever evidence or an override is added), so they are computed once per change.
Estimates as of a past date are computed from the evidence up to that day and not cached.
Fitted BKT parameters are saved too, and after a change only the competencies whose evidence
changed are fitted again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time

from assistant.frameworks.catalog import FrameworkCatalog
from assistant.frameworks.scale import DEFAULT_SCALE, ProficiencyScale
from assistant.learners.access import AccessGrant, AccessPolicy
from assistant.learners.bkt import DEFAULT_BKT
from assistant.learners.mastery import BayesianKnowledgeTracing, MasteryModel, ScaleOf
from assistant.learners.store import Estimates, Histories, LearnerStore, SavedFit
from assistant.learners.types import MasteryEstimate, Observation, Override


class MasteryService:
    def __init__(
        self,
        store: LearnerStore,
        catalog: FrameworkCatalog,
        model: MasteryModel,
        policy: AccessPolicy,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.model = model
        self.policy = policy

    def estimates(self, grant: AccessGrant, as_of: date | None = None) -> Estimates:
        """Per learner in the grant, per competency with evidence or an override."""
        until = end_of_day(as_of) if as_of is not None and as_of < date.today() else None
        if until is not None:
            histories = self.store.histories(grant, until)
            model = self._fitted(until)
            computed = estimate_all(histories, model, self.scale)
        else:
            computed = self._current(grant)
        overrides = self.store.overrides(grant, until)
        return apply_overrides(computed, overrides, self.scale)

    def ready_model(self) -> MasteryModel:
        """The model ready for the current evidence (BKT: fitted to it), to replay histories."""
        return self._fitted(None, self.store.generation())

    def scale(self, competency_id: str) -> ProficiencyScale:
        if self.catalog.is_assessable(competency_id):
            return self.catalog.scale(competency_id)
        return DEFAULT_SCALE

    def _current(self, grant: AccessGrant) -> Estimates:
        generation = self.store.generation()
        cached = self.store.cached_estimates(grant, self.model.key, generation)
        missing = grant.only(set(grant.learner_ids) - set(cached))
        if not missing.learner_ids:
            return cached
        histories = self.store.histories(missing)
        if not histories:
            return cached
        computed = estimate_all(histories, self._fitted(None, generation), self.scale)
        self.store.save_estimates(computed, self.model.key, generation)
        return {**cached, **computed}

    def _fitted(self, until: datetime | None, generation: str | None = None) -> MasteryModel:
        """The model ready for the evidence up to `until` (all of it when None). BKT fits its
        parameters to everyone's evidence; current parameters are saved under the generation.

        Each competency's parameters depend only on the evidence on that competency, so only
        competencies whose evidence differs from the last saved fit are fitted again (the
        rest keep their saved parameters: the same numbers a full fit gives)."""
        model = self.model
        if not isinstance(model, BayesianKnowledgeTracing):
            return model
        if generation is not None:
            saved = self.store.bkt_params(generation)
            if saved:
                return model.with_params(saved)
        previous = self.store.bkt_fit()
        changed = self.store.competencies_changed(previous.generation, until) if previous else None
        grant = self.policy.fitting_grant()
        # When most competencies changed, reading everything at once is the cheaper query.
        if previous is None or changed is None or 2 * len(changed) > len(previous.params):
            by_competency = histories_by_competency(self.store.histories(grant, until))
            fitted = model.prepare(by_competency, self.scale)
            params, sequences = fitted.params, {k: len(v) for k, v in by_competency.items()}
        else:
            changed |= _misfitted(previous, model.min_learners)
            by_competency = histories_by_competency(
                self.store.histories(grant, until, competencies=changed)
            )
            refitted = model.prepare(by_competency, self.scale).params
            params = {k: v for k, v in previous.params.items() if k not in changed}
            params.update((k, refitted[k]) for k in by_competency)
            sequences = {k: v for k, v in previous.sequences.items() if k not in changed}
            sequences.update((k, len(v)) for k, v in by_competency.items())
            fitted = model.with_params(params)
        if generation is not None:
            self.store.save_bkt_params(params, sequences, generation)
        return fitted


def estimate_all(
    histories: Histories, model: MasteryModel, scale_of: ScaleOf
) -> dict[str, dict[str, MasteryEstimate]]:
    return {
        learner_id: {
            competency_id: model.estimate(competency_id, history, scale_of(competency_id))
            for competency_id, history in by_competency.items()
            if history
        }
        for learner_id, by_competency in histories.items()
    }


def apply_overrides(
    estimates: Estimates, overrides: Mapping[str, Mapping[str, Override]], scale_of: ScaleOf
) -> Estimates:
    merged: Estimates = {learner: dict(found) for learner, found in estimates.items()}
    for learner_id, by_competency in overrides.items():
        mine = merged.setdefault(learner_id, {})
        for competency_id, override in by_competency.items():
            scale = scale_of(competency_id)
            current = mine.get(competency_id)
            mine[competency_id] = (
                current.overridden(override, scale)
                if current is not None
                else MasteryEstimate.from_override(competency_id, override, scale)
            )
    return merged


def histories_by_competency(histories: Histories) -> dict[str, list[Sequence[Observation]]]:
    """Every learner's history on each competency, learners in id order (so a fit does not
    depend on the order the rows were read in)."""
    grouped: dict[str, list[Sequence[Observation]]] = defaultdict(list)
    for learner_id in sorted(histories):
        for competency_id, history in histories[learner_id].items():
            grouped[competency_id].append(history)
    return dict(grouped)


def _misfitted(saved: SavedFit, min_learners: int) -> set[str]:
    """Competencies whose saved parameters disagree with the minimum number of learners for a
    fit (the setting changed since): fitted ones below it, defaulted ones at or above it."""
    return {
        key
        for key, count in saved.sequences.items()
        if (count < min_learners) != (saved.params.get(key) == DEFAULT_BKT)
    }


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time.max)
