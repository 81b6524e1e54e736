"""Per-learner gap analysis shared by the stuck list, flexible groups and tier suggestions.

stuck       below the bar, the last two pieces of evidence both below the bar, and either both
            at the lowest level, or the evidence spans `stuck_days` or more and the latest
            piece is no higher than the best earlier piece in the window (no new high). One weak
            piece after a strong one is a prompt to check again, not stuck; a learner whose
            latest piece is their best yet is improving, not stuck. A teacher override is never
            stuck.
lowest      two or more pieces in the window at the lowest level, still below the bar.
known gap   a competency with evidence that is below the bar (no evidence is not a gap: the
            learner may simply not have met it yet).
gap chain   from a started competency back through prerequisites that are known gaps; its
            length in links is how far a gap reaches back.
blockers    for each competency a learner is working towards (started, or a class focus) but
            cannot yet reach, the unmet prerequisites nearest to the learner: those whose own
            prerequisites are all proficient (the frontier of the gap).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from itertools import pairwise

from assistant.frameworks.catalog import FrameworkCatalog
from assistant.frameworks.scale import ProficiencyScale
from assistant.learners.types import MasteryEstimate
from assistant.recommend.state import LearnerState
from assistant.settings_groups import ClassRules


def is_stuck(estimate: MasteryEstimate, scale: ProficiencyScale, rules: ClassRules) -> bool:
    """The stuck rule (module docstring) on one estimate."""
    if estimate.override is not None or estimate.proficient:
        return False
    recent = estimate.recent
    if estimate.evidence_count < 2 or len(recent) < 2:
        return False
    if recent[-1] >= scale.bar - 1e-9 or recent[-2] >= scale.bar - 1e-9:
        return False
    lowest = scale.minimum
    if recent[-1] <= lowest + 1e-9 and recent[-2] <= lowest + 1e-9:
        return True
    assert estimate.first_observed is not None and estimate.last_observed is not None
    span = (estimate.last_observed - estimate.first_observed).days
    return span >= rules.stuck_days and recent[-1] <= max(recent[:-1]) + 1e-9


class LearnerGaps:
    """The gap analysis of one learner within the frameworks in scope."""

    def __init__(
        self,
        catalog: FrameworkCatalog,
        estimates: Mapping[str, MasteryEstimate],
        scope: Iterable[str],
        rules: ClassRules,
    ) -> None:
        self.catalog = catalog
        self.estimates = estimates
        self.state = LearnerState(catalog, estimates)
        self.scope = {e.identifier for e in catalog.assessable(scope)}
        self.rules = rules
        self._frontier: dict[str, tuple[str, ...]] = {}
        self._depth: dict[str, tuple[str, ...]] = {}

    def started(self) -> list[str]:
        """Competencies with evidence (or an override) in scope, below the bar."""
        return [
            key
            for key in self._in_order(self.estimates)
            if key in self.scope and not self.state.proficient(key)
        ]

    def stuck(self) -> list[str]:
        return [key for key in self.started() if self.is_stuck(key)]

    def is_stuck(self, key: str) -> bool:
        estimate = self.estimates.get(key)
        if estimate is None:
            return False
        return is_stuck(estimate, self.catalog.scale(key), self.rules)

    def lowest(self) -> list[str]:
        found = []
        for key in self.started():
            estimate = self.estimates[key]
            lowest = self.catalog.scale(key).minimum
            if estimate.override is None and sum(x <= lowest + 1e-9 for x in estimate.recent) >= 2:
                found.append(key)
        return found

    def longest_gap_chain(self) -> tuple[str, ...]:
        """The longest chain from a started competency back through known gaps."""
        best: tuple[str, ...] = ()
        for key in self.started():
            chain = self._chain(key, frozenset())
            if len(chain) > len(best):
                best = chain
        return best

    def blockers(self, focus: Iterable[str] = ()) -> dict[str, list[str]]:
        """Frontier prerequisite -> the targets it holds up, for every blocked target."""
        targets = list(self.started())
        for key in self._in_order(focus):
            if key in self.scope and not self.state.proficient(key) and key not in targets:
                targets.append(key)
        held: dict[str, list[str]] = {}
        for target in targets:
            for prerequisite in self._unmet(target):
                for blocker in self._frontier_of(prerequisite, frozenset({target})):
                    held.setdefault(blocker, [])
                    if target not in held[blocker]:
                        held[blocker].append(target)
        return held

    def evidence_gap(
        self, days: list[date], class_days: list[date], as_of: date
    ) -> tuple[date, date] | None:
        """The latest stretch of `absence_days` or more without evidence from this learner while
        the class had evidence on at least half of its weekdays (so holidays do not count)."""
        points = [*sorted(set(days)), as_of] if days else []
        found: tuple[date, date] | None = None
        for start, end in pairwise(points):
            if (end - start).days < self.rules.absence_days:
                continue
            weekdays = sum(
                1 for n in range(1, (end - start).days) if (start + timedelta(n)).weekday() < 5
            )
            active = sum(1 for d in class_days if start < d < end)
            if active >= 3 and active * 2 >= weekdays:
                found = (start, end)
        return found

    # internals -----------------------------------------------------------------------------
    def _unmet(self, key: str) -> list[str]:
        return [p for p in self.catalog.prerequisites(key) if not self.state.proficient(p)]

    def _frontier_of(self, key: str, visiting: frozenset[str]) -> tuple[str, ...]:
        if key in self._frontier:
            return self._frontier[key]
        if key in visiting:
            return ()
        unmet = self._unmet(key)
        if not unmet:
            found: tuple[str, ...] = (key,)
        else:
            collected: list[str] = []
            for prerequisite in unmet:
                for blocker in self._frontier_of(prerequisite, visiting | {key}):
                    if blocker not in collected:
                        collected.append(blocker)
            found = tuple(collected)
        self._frontier[key] = found
        return found

    def _chain(self, key: str, visiting: frozenset[str]) -> tuple[str, ...]:
        if key in self._depth:
            return self._depth[key]
        best: tuple[str, ...] = (key,)
        for prerequisite in self._unmet(key):
            known_gap = self.state.get(prerequisite) is not None
            if known_gap and prerequisite not in visiting:
                below = self._chain(prerequisite, visiting | {key})
                if len(below) + 1 > len(best):
                    best = (key, *below)
        self._depth[key] = best
        return best

    def _in_order(self, keys: Iterable[str]) -> list[str]:
        known = [k for k in keys if self.catalog.is_assessable(k)]
        return sorted(known, key=lambda k: self.catalog.entry(k).order)
