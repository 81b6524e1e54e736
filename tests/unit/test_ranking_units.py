"""Relevance units, de-duplication and the sweep's choice rule (no model, no ranx)."""

from __future__ import annotations

from assistant.types import SearchHit, make_chunk
from evals.gold_set import load_gold
from evals.ranking_quality import (
    Quality,
    document_unit,
    first_occurrences,
    hit_unit,
    relevant_units,
)
from evals.retrieval_sweep import CLEAR_WIN, SweepRow, choose


def test_a_competency_counts_by_code_and_a_guide_by_file() -> None:
    competency = make_chunk("Waypoint Math", "ratios", {"code": "M.6.RP.1", "path": "f.json"})
    guide = make_chunk("guides/parents/what-is-cbe.en.md", "cbe", {"code": "", "path": "x"})
    assert hit_unit(SearchHit(competency, 1.0)) == "code:M.6.RP.1"
    assert hit_unit(SearchHit(guide, 1.0)) == "file:guides/parents/what-is-cbe.en.md"
    assert document_unit({"code": "M.6.RP.1", "path": "frameworks/math.json"}) == "code:M.6.RP.1"
    assert document_unit({"path": "resources/math/a.en.md"}) == "file:resources/math/a.en.md"


def test_first_occurrences_keep_the_first_rank_and_stop_at_the_limit() -> None:
    units = ["file:a", "file:a", "code:X", "file:b", "code:X", "file:c"]
    assert first_occurrences(units) == ["file:a", "code:X", "file:b", "file:c"]
    assert first_occurrences(units, limit=2) == ["file:a", "code:X"]


def test_every_gold_question_has_units() -> None:
    questions = load_gold()
    assert len(questions) == 206
    assert all(relevant_units(q) for q in questions)
    assert len({q.id for q in questions}) == len(questions)


def _row(label: str, recall: float, ndcg: float, default: bool = False) -> SweepRow:
    quality = Quality(206, {"recall@5": recall, "mrr@10": 0.5, "ndcg@10": ndcg, "hit_rate@5": 1})
    return SweepRow(label, {}, default, {"hybrid": quality})


def test_a_variant_replaces_the_default_only_with_a_clear_win() -> None:
    default = _row("default", 0.80, 0.80, default=True)
    assert choose([default, _row("slightly", 0.80 + CLEAR_WIN / 2, 0.90)]) is default
    assert choose([default, _row("worse ndcg", 0.90, 0.70)]) is default
    clear = _row("clear", 0.80 + CLEAR_WIN * 2, 0.81)
    assert choose([default, _row("worse ndcg", 0.90, 0.70), clear]) is clear
