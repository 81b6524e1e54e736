"""The class view: a learner x competency matrix of levels, competencies where many learners
are stuck, flexible groups of learners held up by the same prerequisite, and tier suggestions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from assistant.frameworks.catalog import FrameworkCatalog
from assistant.learners.types import ClassInfo, LearnerProfile, MasteryEstimate
from assistant.recommend.gaps import LearnerGaps
from assistant.recommend.groups import Conference, FlexibleGroup, flexible_groups
from assistant.recommend.reasons import ReasonTemplates
from assistant.recommend.state import LearnerState
from assistant.recommend.tiers import TierSuggestion, suggest_tier
from assistant.settings_groups import ClassRules


@dataclass(frozen=True)
class MatrixRow:
    learner_id: str
    name: str
    levels: tuple[float | None, ...]
    proficient: tuple[bool, ...]


@dataclass(frozen=True)
class StuckCompetency:
    identifier: str
    code: str
    title: str
    learners: tuple[str, ...]
    total: int
    reteach: bool
    note: str

    @property
    def share(self) -> float:
        return len(self.learners) / self.total if self.total else 0.0

    def as_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "title": self.title,
            "learners": list(self.learners),
            "count": len(self.learners),
            "share": round(self.share, 3),
            "reteach": self.reteach,
            "note": self.note,
        }


@dataclass(frozen=True)
class ClassReport:
    school_class: ClassInfo
    as_of: date
    model: str
    competencies: tuple[str, ...]
    matrix: tuple[MatrixRow, ...]
    stuck: tuple[StuckCompetency, ...]
    groups: tuple[FlexibleGroup, ...]
    conferences: tuple[Conference, ...]
    tiers: tuple[TierSuggestion, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "class": self.school_class.as_json(),
            "as_of": self.as_of.isoformat(),
            "model": self.model,
            "competencies": list(self.competencies),
            "matrix": [
                {
                    "learner_id": row.learner_id,
                    "name": row.name,
                    "levels": dict(zip(self.competencies, row.levels, strict=True)),
                }
                for row in self.matrix
            ],
            "stuck": [s.as_json() for s in self.stuck],
            "groups": [g.as_json() for g in self.groups],
            "conferences": [c.as_json() for c in self.conferences],
            "tiers": [t.as_json() for t in self.tiers],
        }


class ClassAnalyzer:
    def __init__(
        self,
        catalog: FrameworkCatalog,
        reasons: ReasonTemplates,
        rules: ClassRules,
        languages: Mapping[str, ReasonTemplates] | None = None,
    ) -> None:
        self.catalog = catalog
        self.reasons = reasons
        self.rules = rules
        self.languages = dict(languages or {})  # reasons in other languages, e.g. "es"

    def report(
        self,
        school_class: ClassInfo,
        learners: Mapping[str, LearnerProfile],
        estimates: Mapping[str, Mapping[str, MasteryEstimate]],
        evidence_days: Mapping[str, list[date]],
        *,
        as_of: date,
        model: str,
        language: str | None = None,
    ) -> ClassReport:
        """The class's report, its reasons and notes in `language` when its templates exist."""
        other = self.languages.get(language or self.reasons.language)
        if other is not None and other.language != self.reasons.language:
            worded = ClassAnalyzer(self.catalog, other, self.rules)
            args = (school_class, learners, estimates, evidence_days)
            return worded.report(*args, as_of=as_of, model=model)
        roster = sorted(learners.values(), key=lambda p: (p.name.casefold(), p.id))
        scope = self._scope(school_class, estimates)
        gaps = {
            p.id: LearnerGaps(self.catalog, estimates.get(p.id, {}), scope, self.rules)
            for p in roster
        }
        focus = [k for k in school_class.focus if self.catalog.is_assessable(k)]
        columns = self._columns(scope, estimates, focus)
        matrix = tuple(self._row(p, estimates.get(p.id, {}), columns) for p in roster)
        stuck = self._stuck(columns, gaps, len(roster))
        wide_ids = {s.identifier for s in stuck if s.reteach}
        groups, conferences = flexible_groups(
            self.catalog, self.reasons, self.rules, learners, gaps, focus, as_of
        )
        class_days = sorted({d for days in evidence_days.values() for d in days})
        tiers = tuple(
            suggest_tier(
                self.catalog,
                self.reasons,
                p,
                gaps[p.id],
                wide_ids,
                (evidence_days.get(p.id, []), class_days),
                as_of,
            )
            for p in roster
        )
        return ClassReport(
            school_class,
            as_of,
            model,
            tuple(self.catalog.entry(k).code for k in columns),
            matrix,
            tuple(stuck),
            tuple(groups),
            tuple(conferences),
            tiers,
        )

    def _scope(
        self, school_class: ClassInfo, estimates: Mapping[str, Mapping[str, MasteryEstimate]]
    ) -> list[str]:
        if school_class.framework_id and self.catalog.framework(school_class.framework_id):
            return [school_class.framework_id]
        found: list[str] = []
        for by_competency in estimates.values():
            for key in by_competency:
                if self.catalog.is_assessable(key):
                    framework = self.catalog.entry(key).framework_id
                    if framework not in found:
                        found.append(framework)
        return found

    def _columns(
        self,
        scope: list[str],
        estimates: Mapping[str, Mapping[str, MasteryEstimate]],
        focus: list[str],
    ) -> list[str]:
        seen = {k for by_competency in estimates.values() for k in by_competency} | set(focus)
        return [e.identifier for e in self.catalog.assessable(scope) if e.identifier in seen]

    def _row(
        self,
        learner: LearnerProfile,
        estimates: Mapping[str, MasteryEstimate],
        columns: list[str],
    ) -> MatrixRow:
        state = LearnerState(self.catalog, estimates)
        found = [state.get(k) for k in columns]
        return MatrixRow(
            learner.id,
            learner.name,
            tuple(e.level if e else None for e in found),
            tuple(bool(e and e.proficient) for e in found),
        )

    def _stuck(
        self, columns: list[str], gaps: Mapping[str, LearnerGaps], total: int
    ) -> list[StuckCompetency]:
        found: list[StuckCompetency] = []
        for key in columns:
            who = tuple(lid for lid, analysis in gaps.items() if analysis.is_stuck(key))
            if len(who) < self.rules.stuck_min_learners:
                continue
            reteach = total > 0 and len(who) / total >= self.rules.reteach_share
            note = (
                self.reasons.render(
                    "stuck",
                    "reteach",
                    count=len(who),
                    total=total,
                    share=f"{round(100 * len(who) / total)}%",
                )
                if reteach
                else self.reasons.render("stuck", "small_group", count=len(who), total=total)
            )
            entry = self.catalog.entry(key)
            found.append(StuckCompetency(key, entry.code, entry.title, who, total, reteach, note))
        found.sort(key=lambda s: -len(s.learners))
        return found
