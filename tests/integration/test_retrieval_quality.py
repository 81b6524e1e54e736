"""The retrieval regression gate: hybrid recall@5 on the gold questions must not drop.

Scored with the same functions as `python -m evals.retrieval`, on the session index (the bundled
knowledge plus the shared CASE samples).
"""

from __future__ import annotations

import math

import pytest

from assistant.container import Assistant
from evals.gold_set import GoldQuestion, load_gold
from evals.ranking_quality import (
    code_unit,
    gate_threshold,
    mean_quality,
    overall_recall_at_5,
    score_rankings,
    source_unit,
)
from evals.retrieval_systems import WaypointSearch, evaluate_system


@pytest.fixture(scope="module")
def gold() -> list[GoldQuestion]:
    return load_gold()


def test_hybrid_recall_at_5_holds_the_gate_and_beats_bm25(
    bundled_assistant: Assistant, gold: list[GoldQuestion]
) -> None:
    retriever = bundled_assistant.retriever
    hybrid = overall_recall_at_5(
        evaluate_system(WaypointSearch("hybrid", retriever, "hybrid"), gold)
    )
    bm25 = overall_recall_at_5(evaluate_system(WaypointSearch("bm25", retriever, "lexical"), gold))
    threshold = gate_threshold("hybrid_recall_at_5")
    assert hybrid >= threshold, f"hybrid recall@5 {hybrid:.3f} fell below the gate {threshold}"
    assert hybrid > bm25, f"hybrid recall@5 {hybrid:.3f} does not beat BM25 only ({bm25:.3f})"


def _question(qid: str, sources: tuple[str, ...], codes: tuple[str, ...]) -> GoldQuestion:
    return GoldQuestion(qid, "parents", "en", "plain", "?", sources, codes)


def test_metrics_match_hand_computed_values() -> None:
    found = _question("q1", ("a.md",), ("M.6.RP.1",))
    missed = _question("q2", ("c.md",), ())
    rankings = {
        "q1": [
            source_unit("b.md"),
            source_unit("a.md"),
            code_unit("M.6.RP.2"),
            code_unit("M.6.RP.1"),
        ],
        "q2": [],
    }
    first, second = score_rankings([found, missed], rankings)
    assert first.scores["recall@5"] == 1.0
    assert first.scores["mrr@10"] == 0.5
    assert first.scores["hit_rate@5"] == 1.0
    ideal = 1 + 1 / math.log2(3)
    assert first.scores["ndcg@10"] == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / ideal)
    assert first.first_relevant_rank == 2
    assert all(score == 0.0 for score in second.scores.values())
    assert mean_quality([first, second])["recall@5"] == 0.5
