"""Mastery models: the proficiency-scale rule and Bayesian Knowledge Tracing, worked by hand."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from assistant.frameworks.model import ProficiencyLevel
from assistant.frameworks.scale import DEFAULT_SCALE, ProficiencyScale
from assistant.learners.bkt import DEFAULT_BKT, BktParams, fit, trace, update
from assistant.learners.mastery import (
    BayesianKnowledgeTracing,
    ProficiencyScaleRule,
    decaying_average,
)
from assistant.learners.types import Observation, Override

START = datetime(2026, 9, 1)


def history(*levels: float, days: int = 7) -> list[Observation]:
    return [Observation(START + timedelta(days=days * n), lv, n) for n, lv in enumerate(levels)]


def test_guide_example_recent_evidence_outweighs_early_attempts() -> None:
    # The teacher guide's M.7.EE.4 example: 1, 1, 2, 3, 3. The mean (2.0) says Developing.
    # Window of 4 = 1, 2, 3, 3 with weights 1/8, 1/4, 1/2, 1 (newest):
    # (0.125 + 0.5 + 1.5 + 3) / 1.875 = 5.125 / 1.875 = 2.7333 -> rounds to 3 Proficient.
    estimate = ProficiencyScaleRule(4, 0.5).estimate("x", history(1, 1, 2, 3, 3), DEFAULT_SCALE)
    assert estimate.value == pytest.approx(2.7333, abs=1e-4)
    assert estimate.level == 3.0
    assert estimate.proficient
    assert estimate.progress == 1.0
    assert estimate.evidence_count == 5
    assert estimate.recent == (1, 2, 3, 3)
    assert estimate.last_observed == START + timedelta(days=28)


def test_confidence_counts_evidence_and_consistency() -> None:
    # Two pieces 3, 3: consistency 1, count factor 2/3 -> 0.6667.
    two = ProficiencyScaleRule(4, 0.5).estimate("x", history(3, 3), DEFAULT_SCALE)
    assert two.confidence == pytest.approx(0.6667, abs=1e-4)
    # 1 then 4: value (0.5 + 4) / 1.5 = 3; distances 2 and 1, weighted (1 + 1) / 1.5 = 1.333;
    # consistency 1 - 1.333 / 3 = 0.5556; count factor 2/3 -> 0.3704.
    mixed = ProficiencyScaleRule(4, 0.5).estimate("x", history(1, 4), DEFAULT_SCALE)
    assert mixed.value == pytest.approx(3.0)
    assert mixed.confidence == pytest.approx(0.3704, abs=1e-4)


def test_decay_zero_is_most_recent_and_decay_one_is_the_mean() -> None:
    assert decaying_average([1, 2, 4], 0.0)[0] == pytest.approx(4.0)
    assert decaying_average([1, 2, 4], 1.0)[0] == pytest.approx(7 / 3)


def test_below_the_bar_reports_progress_towards_it() -> None:
    # 1, 2 -> (0.5 + 2) / 1.5 = 1.6667 -> level 2; progress (1.6667 - 1) / (3 - 1) = 0.3333.
    estimate = ProficiencyScaleRule(4, 0.5).estimate("x", history(1, 2), DEFAULT_SCALE)
    assert estimate.level == 2.0
    assert not estimate.proficient
    assert estimate.progress == pytest.approx(0.3333, abs=1e-4)


def test_evidence_order_is_by_date_not_by_input_order() -> None:
    shuffled = list(reversed(history(1, 3)))
    estimate = ProficiencyScaleRule(4, 0.5).estimate("x", shuffled, DEFAULT_SCALE)
    assert estimate.recent == (1, 3)


def test_teacher_override_wins_and_keeps_the_record() -> None:
    estimate = ProficiencyScaleRule(4, 0.5).estimate("x", history(1, 2), DEFAULT_SCALE)
    decided = Override(3.0, "t1", "showed it in a conference", START)
    overridden = estimate.overridden(decided, DEFAULT_SCALE)
    assert overridden.level == 3.0 and overridden.proficient and overridden.confidence == 1.0
    assert overridden.evidence_count == 2 and overridden.override == decided


def test_scale_from_levels_finds_the_bar_by_label_or_position() -> None:
    levels = [ProficiencyLevel(float(n), label) for n, label in enumerate("ABCDE", start=0)]
    assert ProficiencyScale.from_levels(levels).bar == 3.0  # second highest
    named = [*levels[:2], ProficiencyLevel(2.0, "Meets"), *levels[3:]]
    assert ProficiencyScale.from_levels(named).bar == 2.0
    assert DEFAULT_SCALE.from_raw(7, 10) == pytest.approx(3.1)  # 1 + 0.7 * 3
    assert [lv.score for lv in DEFAULT_SCALE.aims(1.0)] == [2.0, 3.0]
    assert [lv.score for lv in DEFAULT_SCALE.aims(None)] == [3.0]


def test_bkt_update_by_hand() -> None:
    params = BktParams(p_init=0.2, p_learn=0.15, p_guess=0.2, p_slip=0.1)
    # Correct: 0.2*0.9 / (0.2*0.9 + 0.8*0.2) = 0.18/0.34 = 0.52941; then + 0.47059*0.15 = 0.6.
    assert update(0.2, True, params) == pytest.approx(0.6)
    # Wrong: 0.2*0.1 / (0.02 + 0.8*0.8) = 0.030303; then + 0.969697*0.15 = 0.175758.
    assert update(0.2, False, params) == pytest.approx(0.175758, abs=1e-6)
    assert trace([True, True], params) == pytest.approx(update(0.6, True, params))


def test_bkt_fit_recovers_known_parameters() -> None:
    true = BktParams(p_init=0.3, p_learn=0.15, p_guess=0.2, p_slip=0.1)
    rng = random.Random(7)
    sequences = []
    for _ in range(800):
        known, seq = rng.random() < true.p_init, []
        for _ in range(12):
            seq.append(rng.random() < (1 - true.p_slip if known else true.p_guess))
            known = known or rng.random() < true.p_learn
        sequences.append(seq)
    fitted = fit(sequences)
    assert fitted.p_init == pytest.approx(0.3, abs=0.06)
    assert fitted.p_learn == pytest.approx(0.15, abs=0.04)
    assert fitted.p_guess == pytest.approx(0.2, abs=0.05)
    assert fitted.p_slip == pytest.approx(0.1, abs=0.04)


def test_bkt_keeps_guess_and_slip_bounded_and_falls_back_without_data() -> None:
    always_right = [[True] * 5 for _ in range(50)]
    fitted = fit(always_right)
    assert fitted.p_guess <= 0.3 and fitted.p_slip <= 0.3
    assert fit([]) == DEFAULT_BKT


def test_bkt_estimate_moves_the_level_to_its_side_of_the_bar() -> None:
    model = BayesianKnowledgeTracing(0.95, window=4, decay=0.5, min_learners=1)
    # Defaults, three correct attempts: 0.2 -> 0.6 -> 0.54/0.62 = 0.87097 + 0.12903*0.15
    # = 0.89032 -> 0.80129/0.82323 = 0.97336 + 0.02664*0.15 = 0.97735 >= 0.95.
    strong = model.estimate("x", history(3, 3, 3), DEFAULT_SCALE)
    assert strong.probability == pytest.approx(0.97735, abs=1e-4)
    assert strong.proficient and strong.level == 3.0
    # One correct attempt: P = 0.6 < 0.95, so not proficient although the level rounds to 3.
    one = model.estimate("x", history(3), DEFAULT_SCALE)
    assert not one.proficient and one.level == 2.0
    assert one.confidence == pytest.approx(0.2)  # |2 * 0.6 - 1|


def test_bkt_prepare_fits_only_competencies_with_enough_learners() -> None:
    model = BayesianKnowledgeTracing(0.95, min_learners=3)
    histories = {"rich": [history(1, 2, 3, 3)] * 5, "thin": [history(3)]}
    prepared = model.prepare(histories, lambda _: DEFAULT_SCALE)
    assert prepared.params["thin"] == DEFAULT_BKT
    assert prepared.params["rich"] != DEFAULT_BKT
    assert model.key != ProficiencyScaleRule().key
