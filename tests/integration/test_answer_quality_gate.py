"""The answer-quality regression gate: every question of evals/gold/answers.jsonl asked of the
real engine (real model, real index, the demo school), scored as `python -m evals.answers`
scores it; the pass rates must hold the answer_ gates of evals/thresholds.json."""

from __future__ import annotations

from assistant.container import Assistant
from evals.answer_quality import answer_gates, gate_failures
from evals.answers import answer_quality


def test_answer_pass_rates_hold_their_gates(demo_assistant: Assistant) -> None:
    quality = answer_quality(demo_assistant)
    failures = gate_failures(quality["gated"], answer_gates())
    assert not failures, "; ".join(failures)
    # no answer to a student or a parent names another learner (checked on every case)
    assert quality["overall"]["cases"] == quality["cases"] >= 150
