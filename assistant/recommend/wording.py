"""The reason for one next step, in plain words, from the reason templates."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from assistant.frameworks.catalog import FrameworkCatalog
from assistant.recommend.reasons import ReasonTemplates, day_label, level_label
from assistant.recommend.state import LearnerState, reached_on

if TYPE_CHECKING:
    from assistant.recommend.next_steps import Candidate

STRUGGLE_MENTION = 0.5


class StepWording:
    def __init__(
        self,
        catalog: FrameworkCatalog,
        reasons: ReasonTemplates,
        state: LearnerState,
        as_of: date,
        name: str | None,
    ) -> None:
        self.catalog = catalog
        self.reasons = reasons
        self.state = state
        self.as_of = as_of
        self.name = name

    def reason(self, candidate: Candidate) -> str:
        key = candidate.identifier
        code = self.catalog.entry(key).code
        bar = self.catalog.scale(key).bar
        parts = [self._foundation(key, code), *self._progress(key, code)]
        if candidate.opens:
            opens = [self.catalog.entry(d).code for d in candidate.opens]
            parts.append(
                self.reasons.render(
                    "next_steps", "opens", bar=level_label(bar), opens=self.reasons.join(opens)
                )
            )
        started = [
            self.catalog.entry(d).code
            for d in self.catalog.dependents(key)
            if self.state.get(d) is not None and not self.state.proficient(d)
        ]
        if started:
            parts.append(
                self.reasons.render(
                    "next_steps",
                    "started_beyond",
                    subject=self.reasons.subject(self.name),
                    started=self.reasons.join(started),
                )
            )
        if candidate.struggle >= STRUGGLE_MENTION:
            parts.append(self.reasons.render("next_steps", "struggle"))
        if candidate.priority > 0:
            parts.append(self.reasons.render("next_steps", "focus"))
        return self.reasons.sentences(parts)

    def _foundation(self, key: str, code: str) -> str:
        prerequisites = self.catalog.prerequisites(key)
        if not prerequisites:
            return self.reasons.render("next_steps", "starting_point", code=code)
        groups: dict[tuple[str, str], list[str]] = {}
        for prerequisite in prerequisites:
            found = self.state.get(prerequisite)
            when = reached_on(found)
            level = level_label(found.level) if found else "?"
            label = day_label(when, self.as_of) if when else "?"
            groups.setdefault((level, label), []).append(self.catalog.entry(prerequisite).code)
        achievements = [
            self.reasons.render(
                "fragments", "achievement", level=level, codes=self.reasons.join(codes), date=when
            )
            for (level, when), codes in groups.items()
        ]
        return self.reasons.render(
            "next_steps",
            "builds_on",
            subject=self.reasons.subject(self.name),
            achievements=self.reasons.join(achievements),
            code=code,
            which=self.reasons.which(len(prerequisites)),
        )

    def _progress(self, key: str, code: str) -> list[str]:
        estimate = self.state.get(key)
        if estimate is None:
            return []
        scale = self.catalog.scale(key)
        parts: list[str] = []
        override = estimate.override
        if override is not None:
            parts.append(
                self.reasons.render(
                    "next_steps",
                    "override",
                    teacher=override.decided_by,
                    code=code,
                    level=level_label(override.level),
                    date=day_label(override.decided_at, self.as_of),
                    reason=override.reason,
                )
            )
        if estimate.recent and estimate.last_observed is not None:
            latest = estimate.recent[-1]
            parts.append(
                self.reasons.render(
                    "next_steps",
                    "in_progress",
                    possessive=self.reasons.possessive(self.name),
                    code=code,
                    level=level_label(round(latest, 1)),
                    label=scale.level_for(latest).label,
                    date=day_label(estimate.last_observed, self.as_of),
                    count=estimate.evidence_count,
                    pieces=self.reasons.pieces(estimate.evidence_count),
                    bar=level_label(scale.bar),
                    bar_label=scale.level_at(scale.bar).label,
                )
            )
        return parts
