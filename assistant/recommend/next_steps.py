"""Next steps for a learner: what is ready to learn, what to finish first, and why.

A competency is a candidate when the learner is not yet proficient on it and is proficient on
every prerequisite (resolved across frameworks, aliases and the hierarchy by the catalog).
"Finish first" candidates already have evidence; "ready" ones do not. Finish-first steps come
first, then each group is ranked by

    score = w_unlocks * opens + w_nearness * progress + w_struggle * struggle + w_priority * focus

opens     competencies that become ready as soon as this one is proficient;
progress  how far the learner is from the bottom of the scale to the bar (0 when not started);
struggle  share of the evidence window below the bar, when the latest piece is recent;
focus     the teacher priority of the learner's classes for this competency (0 if none);
ties go to the earlier competency in the framework's own order.

Steps are worded in the reader's language: the reason and prerequisite lines from that
language's reason templates, titles, level names, descriptors, tips and practice from the
frameworks' translations (English, the frameworks' own texts, by default).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from assistant.frameworks.catalog import FrameworkCatalog
from assistant.frameworks.model import ProficiencyLevel
from assistant.frameworks.practice import ResourceLink
from assistant.frameworks.translations import Translations
from assistant.learners.types import MasteryEstimate
from assistant.recommend.candidate import Candidate, StepKind
from assistant.recommend.reasons import ReasonTemplates
from assistant.recommend.state import (
    LearnerState,
    LevelSnapshot,
    PrerequisiteStatus,
    level_snapshot,
)
from assistant.recommend.wording import StepWording
from assistant.settings_groups import RankingWeights


@dataclass(frozen=True)
class NextStep:
    code: str
    identifier: str
    title: str
    framework: str
    kind: StepKind
    score: float
    reason: str
    prerequisites: tuple[PrerequisiteStatus, ...]
    current_level: LevelSnapshot | None
    aim: tuple[ProficiencyLevel, ...]
    tip: str
    resources: tuple[ResourceLink, ...]
    opens: tuple[str, ...]
    # the reason's sentences by template key (builds_on, in_progress, opens, ...), for pages
    # that show the level apart and the rest on demand; `reason` is them joined
    why: tuple[tuple[str, str], ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "title": self.title,
            "framework": self.framework,
            "kind": self.kind,
            "score": round(self.score, 3),
            "reason": self.reason,
            "prerequisites": [p.as_json() for p in self.prerequisites],
            "current_level": self.current_level.as_json() if self.current_level else None,
            "aim": [
                {"level": lv.score, "label": lv.label, "description": lv.description}
                for lv in self.aim
            ],
            "tip": self.tip,
            "resources": [r.as_json() for r in self.resources],
            "opens": list(self.opens),
        }


class Recommender:
    def __init__(
        self,
        catalog: FrameworkCatalog,
        reasons: ReasonTemplates,
        *,
        weights: RankingWeights | None = None,
        struggle_days: int = 21,
        limit: int = 5,
        languages: Mapping[str, ReasonTemplates] | None = None,
        translations: Translations | None = None,
    ) -> None:
        """`reasons`: the English templates; `languages`: the templates of other languages;
        `translations`: the frameworks' texts in other languages."""
        self.catalog = catalog
        self.reasons = reasons
        self.weights = weights or RankingWeights()
        self.struggle_days = struggle_days
        self.limit = limit
        self.languages = dict(languages or {})
        self.translations = translations or Translations()

    def templates(self, language: str) -> ReasonTemplates:
        """The reason templates of a language; English for a language without its own."""
        return self.languages.get(language, self.reasons)

    def candidates(
        self,
        estimates: Mapping[str, MasteryEstimate],
        *,
        as_of: date,
        frameworks: Iterable[str] | None = None,
        priorities: Mapping[str, float] | None = None,
    ) -> list[Candidate]:
        """Every ready and finish-first competency, best first."""
        state = LearnerState(self.catalog, estimates)
        focus = priorities or {}
        found: list[Candidate] = []
        for entry in self.catalog.assessable(frameworks):
            key = entry.identifier
            if state.proficient(key) or not state.all_proficient(self.catalog.prerequisites(key)):
                continue
            estimate = state.get(key)
            opens = tuple(
                d
                for d in self.catalog.dependents(key)
                if not state.proficient(d)
                and all(p == key or state.proficient(p) for p in self.catalog.prerequisites(d))
            )
            progress = estimate.progress if estimate else 0.0
            struggle = self._struggle(key, estimate, as_of)
            priority = max((focus.get(k, 0.0) for k in self.catalog.equivalents(key)), default=0)
            w = self.weights
            score = (
                w.unlocks * len(opens)
                + w.nearness * progress
                + w.struggle * struggle
                + w.priority * priority
            )
            kind: StepKind = "finish" if estimate is not None else "ready"
            found.append(
                Candidate(key, kind, opens, progress, struggle, priority, score, entry.order)
            )
        found.sort(key=lambda c: (c.kind != "finish", -round(c.score, 9), c.order))
        return found

    def next_steps(
        self,
        estimates: Mapping[str, MasteryEstimate],
        *,
        as_of: date,
        frameworks: Iterable[str] | None = None,
        priorities: Mapping[str, float] | None = None,
        name: str | None = None,
        limit: int | None = None,
        language: str = "en",
    ) -> list[NextStep]:
        """The top steps with reasons; `name` words them for someone other than the learner,
        `language` in the reader's language."""
        chosen = self.candidates(
            estimates, as_of=as_of, frameworks=frameworks, priorities=priorities
        )[: limit or self.limit]
        state = LearnerState(self.catalog, estimates)
        templates = self.templates(language)
        wording = StepWording(self.catalog, templates, state, as_of, name, self.translations)
        return [self._step(candidate, state, wording) for candidate in chosen]

    def _step(self, candidate: Candidate, state: LearnerState, wording: StepWording) -> NextStep:
        key = candidate.identifier
        entry = self.catalog.entry(key)
        scale = self.catalog.scale(key)
        estimate = state.get(key)
        current = estimate.level if estimate else None
        levels = self.catalog.framework_of(key).levels.get(key, ())
        tip_level = scale.level_at(current) if current is not None else None
        tips = [
            wording.level(entry.code, lv).feedback
            for lv in levels
            if (tip_level is None or lv.score == tip_level.score) and lv.feedback
        ]
        keys = self.catalog.prerequisites(key)
        statuses = state.prerequisite_statuses(keys)
        snapshot = level_snapshot(estimate, scale, wording.as_of) if estimate else None
        why = tuple(wording.reason_parts(candidate))
        return NextStep(
            code=entry.code,
            identifier=key,
            title=wording.title(key, entry.title),
            framework=wording.title(entry.framework_id, entry.framework_title),
            kind=candidate.kind,
            score=candidate.score,
            reason=wording.reasons.sentences([text for _, text in why]),
            prerequisites=tuple(
                wording.prerequisite(k, s) for k, s in zip(keys, statuses, strict=True)
            ),
            current_level=replace(snapshot, label=wording.level_name(snapshot.label))
            if snapshot
            else None,
            aim=tuple(
                wording.level(entry.code, _described(lv, levels))
                for lv in scale.aims(current if estimate else None)
            ),
            tip=next(iter(tips), ""),
            resources=tuple(
                self.catalog.practice.in_language(r, wording.language)
                for r in self.catalog.resources(key)
            ),
            opens=tuple(self.catalog.entry(d).code for d in candidate.opens),
            why=why,
        )

    def _struggle(self, key: str, estimate: MasteryEstimate | None, as_of: date) -> float:
        if estimate is None or estimate.last_observed is None or not estimate.recent:
            return 0.0
        if (as_of - estimate.last_observed.date()).days > self.struggle_days:
            return 0.0
        bar = self.catalog.scale(key).bar
        below = sum(1 for level in estimate.recent if level < bar - 1e-9)
        return below / len(estimate.recent)


def _described(level: ProficiencyLevel, levels: tuple[ProficiencyLevel, ...]) -> ProficiencyLevel:
    for candidate in levels:
        if candidate.score == level.score:
            return candidate
    return level
