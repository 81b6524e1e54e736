"""The reason for one next step, in plain words, from the reason templates of the reader's
language; level names, titles, descriptors and tips from the frameworks' translations."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from assistant.frameworks.catalog import FrameworkCatalog
from assistant.frameworks.model import ProficiencyLevel
from assistant.frameworks.translations import Translations
from assistant.recommend.candidate import Candidate
from assistant.recommend.reasons import ReasonTemplates, level_label
from assistant.recommend.state import LearnerState, PrerequisiteStatus, reached_on

STRUGGLE_MENTION = 0.5


class StepWording:
    def __init__(
        self,
        catalog: FrameworkCatalog,
        reasons: ReasonTemplates,
        state: LearnerState,
        as_of: date,
        name: str | None,
        translations: Translations | None = None,
    ) -> None:
        self.catalog = catalog
        self.reasons = reasons
        self.state = state
        self.as_of = as_of
        self.name = name
        self.language = reasons.language
        self.translations = translations or Translations()

    # texts of the frameworks, in the reader's language ------------------------------------
    def title(self, identifier: str, default: str) -> str:
        return self.translations.title(identifier, self.language, default)

    def level_name(self, label: str) -> str:
        return self.translations.level_name(label, self.language)

    def level(self, code: str, level: ProficiencyLevel) -> ProficiencyLevel:
        """A level of a competency's scale with its name and descriptor translated."""
        return replace(
            level,
            label=self.level_name(level.label),
            description=self.translations.descriptor(
                code, level.score, self.language, level.description
            ),
            feedback=self.translations.feedback(code, level.score, self.language, level.feedback),
        )

    def prerequisite(self, identifier: str, status: PrerequisiteStatus) -> PrerequisiteStatus:
        """The status with its title translated and its line (e.g. "Builds on M.6.RP.2 Unit
        rates: level 3 since 3 Nov") worded."""
        title = self.title(identifier, status.title)
        values: dict[str, object] = {"code": status.code, "title": title}
        key = "prerequisite"
        if status.level is not None:
            values["level"] = level_label(status.level)
            key = "prerequisite_level"
            if status.reached_on is not None:
                values["date"] = self.reasons.day(status.reached_on, self.as_of)
                key = "prerequisite_since"
        line = self._render("next_steps", key, **values).rstrip()
        return replace(status, title=title, line=line)

    def _render(self, section: str, key: str, **values: object) -> str:
        return self.reasons.render(section, key, other=self.name is not None, **values)

    def reason(self, candidate: Candidate) -> str:
        return self.reasons.sentences([text for _, text in self.reason_parts(candidate)])

    def reason_parts(self, candidate: Candidate) -> list[tuple[str, str]]:
        """The reason's sentences, each with its template's key (builds_on, in_progress, opens,
        ...), so a page can show some of them apart (the level in a headline, the rest on
        demand) without saying anything twice."""
        key = candidate.identifier
        code = self.catalog.entry(key).code
        bar = self.catalog.scale(key).bar
        parts = [self._foundation(key, code), *self._progress(key, code)]
        if candidate.opens:
            opens = [self.catalog.entry(d).code for d in candidate.opens]
            parts.append(
                (
                    "opens",
                    self._render(
                        "next_steps", "opens", bar=level_label(bar), opens=self.reasons.join(opens)
                    ),
                )
            )
        started = [
            self.catalog.entry(d).code
            for d in self.catalog.dependents(key)
            if self.state.get(d) is not None and not self.state.proficient(d)
        ]
        if started:
            parts.append(
                (
                    "started_beyond",
                    self._render(
                        "next_steps",
                        "started_beyond",
                        subject=self.reasons.subject(self.name),
                        started=self.reasons.join(started),
                    ),
                )
            )
        if candidate.struggle >= STRUGGLE_MENTION:
            parts.append(("struggle", self._render("next_steps", "struggle")))
        if candidate.priority > 0:
            parts.append(("focus", self._render("next_steps", "focus")))
        return [(name, text) for name, text in parts if text]

    def _foundation(self, key: str, code: str) -> tuple[str, str]:
        prerequisites = self.catalog.prerequisites(key)
        if not prerequisites:
            return ("starting_point", self._render("next_steps", "starting_point", code=code))
        groups: dict[tuple[str, str], list[str]] = {}
        for prerequisite in prerequisites:
            found = self.state.get(prerequisite)
            when = reached_on(found)
            level = level_label(found.level) if found else "?"
            label = self.reasons.day(when, self.as_of) if when else "?"
            groups.setdefault((level, label), []).append(self.catalog.entry(prerequisite).code)
        achievements = [
            self.reasons.render(
                "fragments", "achievement", level=level, codes=self.reasons.join(codes), date=when
            )
            for (level, when), codes in groups.items()
        ]
        return (
            "builds_on",
            self._render(
                "next_steps",
                "builds_on",
                subject=self.reasons.subject(self.name),
                achievements=self.reasons.join(achievements),
                code=code,
                which=self.reasons.which(len(prerequisites)),
            ),
        )

    def _progress(self, key: str, code: str) -> list[tuple[str, str]]:
        """The current level, the one the learner's tables show (the teacher's decision, else
        the model's level from the recent evidence), never a single piece presented as it."""
        estimate = self.state.get(key)
        if estimate is None:
            return []
        scale = self.catalog.scale(key)
        parts: list[tuple[str, str]] = []
        override = estimate.override
        if override is not None:
            parts.append(
                (
                    "override",
                    self._render(
                        "next_steps",
                        "override",
                        teacher=override.decided_by,
                        code=code,
                        level=level_label(override.level),
                        date=self.reasons.day(override.decided_at, self.as_of),
                        reason=override.reason,
                    ),
                )
            )
            return parts
        if estimate.recent and estimate.last_observed is not None:
            parts.append(
                (
                    "in_progress",
                    self._render(
                        "next_steps",
                        "in_progress",
                        possessive=self.reasons.possessive(self.name),
                        code=code,
                        level=level_label(estimate.level),
                        label=self.level_name(scale.level_at(estimate.level).label),
                        date=self.reasons.day(estimate.last_observed, self.as_of),
                        count=estimate.evidence_count,
                        pieces=self.reasons.pieces(estimate.evidence_count),
                        bar=level_label(scale.bar),
                        bar_label=self.level_name(scale.level_at(scale.bar).label),
                    ),
                )
            )
            latest = scale.level_for(estimate.recent[-1])
            if latest.score > estimate.level + 1e-9:
                parts.append(
                    (
                        "latest_higher",
                        self._render(
                            "next_steps",
                            "latest_higher",
                            latest=level_label(latest.score),
                            latest_label=self.level_name(latest.label),
                        ),
                    )
                )
        return parts
