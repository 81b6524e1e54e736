"""Document-level ranking quality over the gold questions, scored with ranx.

A ranked list of passages becomes a ranked list of *relevance units*: the file for a guide or
resource passage, the competency code for a framework passage. Two passages of the same file
count once, at the rank of the first; the qrels are the units a gold question lists.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.types import SearchHit
from evals.gold_set import GoldQuestion

CUTOFF = 10
METRICS: tuple[str, ...] = ("recall@5", "mrr@10", "ndcg@10", "hit_rate@5")
HEADLINE_METRIC = "recall@5"
THRESHOLDS = Path(__file__).parent / "thresholds.json"


def source_unit(source: str) -> str:
    return f"file:{source}"


def code_unit(code: str) -> str:
    return f"code:{code}"


def relevance_unit(source: str, code: object) -> str:
    """A competency passage counts by its code, any other passage by its file."""
    return code_unit(str(code)) if code else source_unit(source)


def hit_unit(hit: SearchHit) -> str:
    return relevance_unit(hit.chunk.source, hit.chunk.metadata.get("code"))


def document_unit(metadata: Mapping[str, object]) -> str:
    """The unit of a LangChain Document from the vector store: its code, else its file path."""
    return relevance_unit(str(metadata.get("path", "")), metadata.get("code"))


def relevant_units(question: GoldQuestion) -> set[str]:
    return {source_unit(s) for s in question.relevant_sources} | {
        code_unit(c) for c in question.relevant_codes
    }


def first_occurrences(units: Iterable[str], limit: int = CUTOFF) -> list[str]:
    """The units in rank order, each kept at its first occurrence, at most `limit` of them."""
    ranked: list[str] = []
    for unit in units:
        if unit not in ranked:
            ranked.append(unit)
            if len(ranked) == limit:
                break
    return ranked


@dataclass(frozen=True)
class QuestionResult:
    """One question's ranked units and its score on every metric."""

    question: GoldQuestion
    ranking: tuple[str, ...]
    scores: Mapping[str, float]

    @property
    def first_relevant_rank(self) -> int | None:
        relevant = relevant_units(self.question)
        return next((i for i, unit in enumerate(self.ranking, start=1) if unit in relevant), None)


@dataclass(frozen=True)
class Quality:
    """Mean scores over a group of questions."""

    questions: int
    scores: Mapping[str, float]

    def __getitem__(self, metric: str) -> float:
        return self.scores[metric]


def score_rankings(
    questions: Sequence[GoldQuestion], rankings: Mapping[str, Sequence[str]]
) -> list[QuestionResult]:
    """Per-question scores of ranked unit lists (by question id) against the gold units."""
    from ranx import Qrels, Run, evaluate

    qrels = Qrels({q.id: dict.fromkeys(relevant_units(q), 1) for q in questions})
    run = Run(
        {
            q.id: {unit: float(CUTOFF - rank) for rank, unit in enumerate(rankings[q.id][:CUTOFF])}
            for q in questions
        }
    )
    with warnings.catch_warnings():
        # ranx's numba kernels warn about an integer cast that cannot matter at this scale.
        warnings.simplefilter("ignore")
        evaluate(qrels, run, list(METRICS), save_results_in_run=True)
    return [
        QuestionResult(
            question=q,
            ranking=tuple(rankings[q.id][:CUTOFF]),
            scores={m: float(run.scores[m][q.id]) for m in METRICS},
        )
        for q in questions
    ]


def mean_quality(results: Sequence[QuestionResult]) -> Quality:
    if not results:
        return Quality(0, dict.fromkeys(METRICS, 0.0))
    return Quality(
        len(results),
        {m: sum(r.scores[m] for r in results) / len(results) for m in METRICS},
    )


def quality_by(
    results: Sequence[QuestionResult], key: Callable[[GoldQuestion], str]
) -> dict[str, Quality]:
    groups: dict[str, list[QuestionResult]] = {}
    for result in results:
        groups.setdefault(key(result.question), []).append(result)
    return {name: mean_quality(groups[name]) for name in sorted(groups)}


def overall_recall_at_5(results: Sequence[QuestionResult]) -> float:
    return mean_quality(results)[HEADLINE_METRIC]


def gate_threshold(name: str = "hybrid_recall_at_5") -> float:
    """The regression gate stored in evals/thresholds.json."""
    thresholds = json.loads(THRESHOLDS.read_text(encoding="utf-8"))
    return float(thresholds[name])
