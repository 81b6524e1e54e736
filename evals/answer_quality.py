"""Scoring one answer against its gold case (evals/gold/answers.jsonl), and summing up.

A case passes when a good answer would be accepted: for a question Waypoint's knowledge
answers, the answer is not a refusal and says every fact of the case (each fact is a list of
case-insensitive patterns, any one of which counts); for an out-of-scope question, the answer
declines. The other figures say how the answer is shaped: whether a fact comes in the first two
sentences, how many sources it cites and how many of them the case accepts, whether it is in the
asker's language, and how hard it is to read.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.chat.answers.classes import CLASS_REPORT
from assistant.chat.types import Answer, Citation
from assistant.language import detect_language
from evals.answer_gold import AnswerCase, CiteTarget, cite_target
from evals.readability import grade_level

THRESHOLDS = Path(__file__).parent / "thresholds.json"
GATE_PREFIX = "answer_"  # gates in evals/thresholds.json that this evaluation checks
FIRST_SENTENCES = 2
MARKER = re.compile(r"\s*\[\d+\]")
BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")


def fact_found(fact: Sequence[str], text: str) -> bool:
    return any(re.search(pattern, text, re.IGNORECASE) for pattern in fact)


def sentences(text: str) -> list[str]:
    """The answer's sentences in reading order: each line (a heading, an intro or a bullet) is
    split at sentence ends; citation markers such as "[2]" and bullets are dropped."""
    found: list[str] = []
    for line in text.splitlines():
        line = BULLET.sub("", MARKER.sub("", line)).strip()
        found += [part for part in SENTENCE_END.split(line) if part.strip()]
    return found


def declined(answer: Answer) -> bool:
    return answer.abstained or answer.intent == "out_of_scope"


def citation_accepted(citation: Citation, targets: Iterable[CiteTarget]) -> bool:
    """A cited competency matches its code; a cited passage matches its file, and its section
    too when the case names one (a subsection "A > B" belongs to section "A"); the class report
    matches "report:class"."""
    for target in targets:
        if target.report is not None:
            if target.report == "class" and citation.source == CLASS_REPORT:
                return True
            continue
        if target.code is not None:
            if citation.code == target.code:
                return True
            continue
        if citation.source != target.path:
            continue
        if target.section is None:
            return True
        section = citation.section or ""
        if section == target.section or section.startswith(f"{target.section} > "):
            return True
    return False


def cited_units(citations: Iterable[Citation]) -> set[str]:
    """Distinct things cited: a competency by its code, a passage by its file and section."""
    return {c.code or f"{c.source}#{c.section or ''}" for c in citations}


@dataclass(frozen=True)
class CaseResult:
    case: AnswerCase
    answer: Answer
    facts: tuple[bool, ...]
    answered_first: bool
    accepted_citations: tuple[bool, ...]
    text_language: str
    grade: float | None

    @property
    def declined(self) -> bool:
        return declined(self.answer)

    @property
    def passed(self) -> bool:
        if not self.case.in_scope:
            return self.declined
        return not self.declined and all(self.facts)

    @property
    def precision(self) -> float:
        hits = self.accepted_citations
        return sum(hits) / len(hits) if hits else 0.0

    def as_json(self, excerpt: int = 300) -> dict[str, object]:
        return {
            "id": self.case.id,
            "role": self.case.role,
            "language": self.case.language,
            "kind": self.case.kind,
            "question": self.case.question,
            "intent": self.answer.intent,
            "declined": self.declined,
            "missing_facts": [
                " | ".join(fact)
                for fact, ok in zip(self.case.facts, self.facts, strict=True)
                if not ok
            ],
            "cited": sorted(cited_units(self.answer.citations)),
            "answer_language": self.answer.language,
            "text_language": self.text_language,
            "answer_start": self.answer.text[:excerpt],
        }


def score(case: AnswerCase, answer: Answer) -> CaseResult:
    text = answer.text
    facts = tuple(fact_found(fact, text) for fact in case.facts)
    opening = " ".join(sentences(text)[:FIRST_SENTENCES])
    targets = [cite_target(entry) for entry in case.cite]
    answered = case.in_scope and not declined(answer)
    return CaseResult(
        case=case,
        answer=answer,
        facts=facts,
        answered_first=answered and any(fact_found(f, opening) for f in case.facts),
        accepted_citations=tuple(citation_accepted(c, targets) for c in answer.citations),
        text_language=detect_language(text, default=answer.language),
        grade=grade_level(text, case.language) if answered else None,
    )


@dataclass(frozen=True)
class GroupQuality:
    """The figures of one group of cases (a role, a language, a kind, or all of them)."""

    cases: int
    pass_rate: float
    in_scope_cases: int
    facts_found: float  # share of single facts found, in-scope cases
    answered_first: float  # in-scope cases with a fact in the first two sentences
    sections_cited: float  # mean distinct sources cited per answered in-scope case
    citation_precision: float  # mean share of accepted citations, answered in-scope cases
    out_of_scope_cases: int
    out_of_scope_declined: float
    wrongly_declined: int  # in-scope cases that were refused
    language_match: float  # answer.language is the case's language
    text_language_match: float  # the answer text reads as that language
    grade_median: float | None  # Flesch-Kincaid (en) or Crawford (es), answered in-scope

    def as_json(self) -> dict[str, object]:
        return {
            name: (round(value, 3) if isinstance(value, float) else value)
            for name, value in self.__dict__.items()
        }


def group_quality(results: Sequence[CaseResult]) -> GroupQuality:
    in_scope = [r for r in results if r.case.in_scope]
    answered = [r for r in in_scope if not r.declined]
    out = [r for r in results if not r.case.in_scope]
    grades = [r.grade for r in answered if r.grade is not None]
    return GroupQuality(
        cases=len(results),
        pass_rate=_share(r.passed for r in results),
        in_scope_cases=len(in_scope),
        facts_found=_share(ok for r in in_scope for ok in r.facts),
        answered_first=_share(r.answered_first for r in in_scope),
        sections_cited=_mean(len(cited_units(r.answer.citations)) for r in answered),
        citation_precision=_mean(r.precision for r in answered),
        out_of_scope_cases=len(out),
        out_of_scope_declined=_share(r.declined for r in out),
        wrongly_declined=sum(r.declined for r in in_scope),
        language_match=_share(r.answer.language == r.case.language for r in results),
        text_language_match=_share(r.text_language == r.case.language for r in results),
        grade_median=statistics.median(grades) if grades else None,
    )


def grouped(
    results: Sequence[CaseResult], key: Callable[[CaseResult], str]
) -> dict[str, GroupQuality]:
    groups: dict[str, list[CaseResult]] = {}
    for result in results:
        groups.setdefault(key(result), []).append(result)
    return {name: group_quality(groups[name]) for name in sorted(groups)}


def answer_gates(path: Path = THRESHOLDS) -> dict[str, float]:
    """The answer-quality gates of evals/thresholds.json: numeric keys starting "answer_"."""
    thresholds = json.loads(path.read_text(encoding="utf-8"))
    return {
        k: float(v)
        for k, v in thresholds.items()
        if k.startswith(GATE_PREFIX) and isinstance(v, int | float) and not isinstance(v, bool)
    }


def gate_failures(measured: dict[str, float], gates: dict[str, float]) -> list[str]:
    """One line per gated figure that fell below its threshold (a missing figure fails)."""
    failures = []
    for name, threshold in gates.items():
        value = measured.get(name)
        if value is None or value < threshold:
            shown = "missing" if value is None else f"{value:.3f}"
            failures.append(f"{name} {shown} is below the gate {threshold}")
    return failures


def _share(values: Iterable[bool]) -> float:
    items = list(values)
    return sum(items) / len(items) if items else 0.0


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return statistics.fmean(items) if items else 0.0
