"""From OneRoster gradebook records to Waypoint evidence: one piece per result and competency.

A result becomes evidence when it is `fully graded` with a score and its line item (or the
result itself) names learning objectives that are CASE items of the catalog. The score is
scaled onto the competency's proficiency scale from the line item's resultValueMin/Max, else
from its score scale's values, else it must already be on the proficiency scale. A
resultLearningObjectiveIds score, when given, is that objective's score. The evidence is
dated by scoreDate; its type is the line item's category title, its source the line item's
title and its note the result's comment. Evidence is never deleted or rewritten: a result
marked tobedeleted is left as recorded, and a changed score on the same day and line item is
refused (as the evidence importer refuses it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time

from assistant.csv_rows import MAX_YEAR, MIN_YEAR, shown
from assistant.frameworks.catalog import CatalogEntry, FrameworkCatalog
from assistant.imports.evidence import LIMITS
from assistant.imports.evidence_store import EvidencePiece
from assistant.oneroster.reader import OneRosterSet
from assistant.oneroster.record_types import LineItem, Objective, Records, Result, Where

GRADED = "fully graded"


@dataclass(frozen=True)
class Range:
    minimum: float
    maximum: float
    what: str  # where the range comes from, for messages


@dataclass
class EvidencePlan:
    pieces: list[tuple[Where, EvidencePiece]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)


class EvidencePlanner:
    def __init__(
        self,
        found: OneRosterSet,
        records: Records,
        catalog: FrameworkCatalog,
        learners: set[str],
        classes: set[str],
        *,
        today: Callable[[], date],
        allow_future: bool,
    ) -> None:
        self.found = found
        self.records = records
        self.catalog = catalog
        self.learners = learners
        self.classes = classes
        self.today = today
        self.allow_future = allow_future
        self.problems = found.problems
        self.plan = EvidencePlan()

    def make(self) -> EvidencePlan:
        self._check_line_items()
        objectives = self._objectives()
        by_line_item: dict[str, list[Objective]] = {}
        by_result: dict[str, list[Objective]] = {}
        for objective in self.records.line_item_objectives.values():
            self._owned(objective, self.records.line_items, "lineItem")
            by_line_item.setdefault(objective.owner, []).append(objective)
        for objective in self.records.result_objectives.values():
            self._owned(objective, self.records.results, "result")
            by_result.setdefault(objective.owner, []).append(objective)
        first: dict[tuple[object, ...], Where] = {}
        for result in self.records.results.values():
            for piece in self._pieces(result, by_line_item, by_result, objectives):
                before = first.get(piece.identity)
                if before is not None:
                    self.problems.append(
                        result.at.problem(
                            f"the same evidence as line {before.line} (student, competency, "
                            "scoreDate, category and line item title)"
                        )
                    )
                    continue
                first[piece.identity] = result.at
                self.plan.pieces.append((result.at, piece))
        return self.plan

    def _check_line_items(self) -> None:
        for item in self.records.line_items.values():
            if not item.at.active:
                continue
            if item.klass not in self.classes:
                self.problems.append(item.at.problem(f"unknown class {item.klass!r}"))
            self._ref(item.at, "categories", item.category, "categorySourcedId")
            self._ref(item.at, "academicSessions", item.session, "academicSessionSourcedId")
            self._ref(item.at, "orgs", item.school, "schoolSourcedId")
            if len(item.title) > LIMITS["source"]:
                self.problems.append(
                    item.at.problem(f"title is longer than {LIMITS['source']} characters")
                )
        for link in self.records.line_item_scales.values():
            self._owned_link(link.at, link.owner, link.target)

    def _ref(self, at: Where, table: str, sourced_id: str, column: str) -> None:
        tables: dict[str, Mapping[str, object]] = {
            "categories": self.records.categories,
            "academicSessions": self.records.sessions,
            "orgs": self.records.orgs,
        }
        if self.found.mode(table) == "bulk" and sourced_id not in tables[table]:
            self.problems.append(at.problem(f"{column} {sourced_id!r} is not in {table}.csv"))

    def _owned_link(self, at: Where, line_item: str, scale: str) -> None:
        if line_item not in self.records.line_items:
            self.problems.append(at.problem(f"unknown lineItem {line_item!r}"))
        if scale not in self.records.score_scales:
            self.problems.append(at.problem(f"unknown scoreScale {scale!r}"))

    def _owned(self, objective: Objective, owners: Mapping[str, object], kind: str) -> None:
        if objective.owner not in owners:
            self.problems.append(objective.at.problem(f"unknown {kind} {objective.owner!r}"))

    def _objectives(self) -> dict[str, CatalogEntry]:
        """Each learning objective row's competency (a problem for one that is not one)."""
        found: dict[str, CatalogEntry] = {}
        rows = [*self.records.line_item_objectives.values()]
        rows += self.records.result_objectives.values()
        for objective in rows:
            if not objective.at.active:
                continue
            matches = self.catalog.matches(objective.identifier)
            if len(matches) == 1 and self.catalog.is_assessable(matches[0].identifier):
                found[objective.at.file + objective.at.sourced_id] = matches[0]
                continue
            if not matches:
                reason = f"learningObjectiveId {shown(objective.identifier)} is not a CASE item"
                reason += " of any framework Waypoint has"
            elif len(matches) > 1:
                reason = f"learningObjectiveId {shown(objective.identifier)} is ambiguous"
            else:
                reason = f"learningObjectiveId {shown(objective.identifier)} is a group of "
                reason += "competencies, not one evidence can be recorded on"
            self.problems.append(objective.at.problem(reason))
        return found

    def _pieces(
        self,
        result: Result,
        by_line_item: dict[str, list[Objective]],
        by_result: dict[str, list[Objective]],
        objectives: dict[str, CatalogEntry],
    ) -> list[EvidencePiece]:
        at = result.at
        if not at.active:
            self._skip("results marked tobedeleted (evidence is never deleted)")
            return []
        item = self.records.line_items.get(result.line_item)
        reasons: list[str] = []
        if item is None or not item.at.active:
            reasons.append(f"unknown lineItem {result.line_item!r}")
        if result.student not in self.learners:
            reasons.append(f"studentSourcedId {result.student!r} is not a student")
        if len(result.comment) > LIMITS["note"]:
            reasons.append(f"comment is longer than {LIMITS['note']} characters")
        moment = self._when(result.score_date, reasons)
        self.problems.extend(at.problem(r) for r in reasons)
        if reasons or item is None or moment is None:
            return []
        if result.score_status != GRADED or result.score is None:
            self._skip("results not fully graded with a score")
            return []
        linked = [o for o in by_result.get(at.sourced_id, []) if o.at.active]
        linked = linked or [o for o in by_line_item.get(item.at.sourced_id, []) if o.at.active]
        if not linked:
            self._skip("results on line items with no learning objective")
            return []
        category = self.records.categories.get(item.category)
        kind = category.title[: LIMITS["evidence_type"]] if category else ""
        pieces: list[EvidencePiece] = []
        for objective in linked:
            entry = objectives.get(objective.at.file + objective.at.sourced_id)
            if entry is None:
                continue
            score = objective.score if objective.score is not None else result.score
            scaled = self._scaled(result, item, entry, score)
            if scaled is None:
                continue
            raw, out_of, level = scaled
            pieces.append(
                EvidencePiece(
                    line=at.line,
                    learner_id=result.student,
                    competency_id=entry.identifier,
                    code=entry.code,
                    score=raw,
                    max_score=out_of,
                    level=level,
                    observed_at=moment,
                    evidence_type=kind,
                    source=item.title,
                    note=result.comment,
                )
            )
        return pieces

    def _scaled(
        self, result: Result, item: LineItem, entry: CatalogEntry, score: float
    ) -> tuple[float, float | None, float] | None:
        """Score and out-of as the evidence table keeps them, and the level on the scale."""
        scale = self.catalog.scale(entry.identifier)
        span = self._range(item) or Range(
            scale.minimum, scale.maximum, f"the proficiency scale of {entry.code}"
        )
        if not span.minimum <= score <= span.maximum:
            self.problems.append(
                result.at.problem(
                    f"score {score:g} is outside {span.minimum:g} to {span.maximum:g} ({span.what})"
                )
            )
            return None
        if (span.minimum, span.maximum) == (scale.minimum, scale.maximum):
            return score, None, score
        raw, out_of = score - span.minimum, span.maximum - span.minimum
        if span.minimum == 0:
            raw = score
        return raw, out_of, round(scale.from_raw(raw, out_of), 6)

    def _range(self, item: LineItem) -> Range | None:
        if item.minimum is not None and item.maximum is not None:
            return Range(item.minimum, item.maximum, f"resultValueMin/Max of {item.title!r}")
        for link in self.records.line_item_scales.values():
            if link.owner != item.at.sourced_id or not link.at.active:
                continue
            scale = self.records.score_scales.get(link.target)
            numbers = _numbers(scale.values) if scale else []
            if len(numbers) >= 2:
                return Range(min(numbers), max(numbers), f"score scale {link.target!r}")
        return None

    def _when(self, day: date | None, reasons: list[str]) -> datetime | None:
        if day is None:
            return None
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            reasons.append(f"scoreDate {day} is not a plausible date")
            return None
        if not self.allow_future and day > self.today():
            reasons.append(f"scoreDate {day} is in the future")
            return None
        return datetime.combine(day, time())

    def _skip(self, what: str) -> None:
        self.plan.skipped[what] = self.plan.skipped.get(what, 0) + 1


def _numbers(values: tuple[str, ...]) -> list[float]:
    found: list[float] = []
    for value in values:
        try:
            found.append(float(value))
        except ValueError:
            continue
    return found
