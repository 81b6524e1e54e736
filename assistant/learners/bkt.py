"""Bayesian Knowledge Tracing: the standard update and an EM (Baum-Welch) fit.

Two hidden states per learner and competency, unknown and known, no forgetting:
  P(L0) = p_init; after each attempt, P(known | result) by Bayes with guess and slip, then the
  learning transition P(L_next) = P(known | result) + (1 - P(known | result)) * p_learn.
An attempt is correct when its level reaches the competency's mastery bar.
The fit keeps guess and slip at or below 0.3, as is standard, so the model cannot explain
learning away as guessing (Baker, Corbett and Aleven 2008).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
MAX_GUESS_SLIP = 0.3
FLOOR = 0.001


@dataclass(frozen=True)
class BktParams:
    p_init: float
    p_learn: float
    p_guess: float
    p_slip: float

    def bounded(self) -> BktParams:
        return BktParams(
            _clip(self.p_init, FLOOR, 1 - FLOOR),
            _clip(self.p_learn, FLOOR, 1 - FLOOR),
            _clip(self.p_guess, FLOOR, MAX_GUESS_SLIP),
            _clip(self.p_slip, FLOOR, MAX_GUESS_SLIP),
        )


# Standard starting values, used when a competency has too little evidence to fit.
DEFAULT_BKT = BktParams(p_init=0.2, p_learn=0.15, p_guess=0.2, p_slip=0.1)


def update(p_known: float, correct: bool, params: BktParams) -> float:
    """One attempt: Bayes on the result, then the chance of learning from it."""
    if correct:
        seen = p_known * (1 - params.p_slip)
        posterior = seen / (seen + (1 - p_known) * params.p_guess)
    else:
        seen = p_known * params.p_slip
        posterior = seen / (seen + (1 - p_known) * (1 - params.p_guess))
    return posterior + (1 - posterior) * params.p_learn


def trace(results: Sequence[bool], params: BktParams) -> float:
    """P(known) after a sequence of attempts, oldest first."""
    p_known = params.p_init
    for correct in results:
        p_known = update(p_known, correct, params)
    return p_known


def fit(
    sequences: Sequence[Sequence[bool]],
    *,
    start: BktParams = DEFAULT_BKT,
    max_iterations: int = 200,
    tolerance: float = 1e-6,
) -> BktParams:
    """Maximum-likelihood parameters for one competency from every learner's attempts."""
    usable = [seq for seq in sequences if len(seq) > 0]
    if not usable:
        return start
    length = max(len(seq) for seq in usable)
    results = np.zeros((len(usable), length))
    mask = np.zeros((len(usable), length), dtype=bool)
    for row, seq in enumerate(usable):
        results[row, : len(seq)] = [1.0 if c else 0.0 for c in seq]
        mask[row, : len(seq)] = True
    params = start.bounded()
    previous = -np.inf
    for _ in range(max_iterations):
        params, log_likelihood = _em_step(results, mask, params)
        if log_likelihood - previous < tolerance:
            break
        previous = log_likelihood
    return params


def _em_step(results: Floats, mask: npt.NDArray[np.bool_], p: BktParams) -> tuple[BktParams, float]:
    n, length = results.shape
    emit_known = np.where(results > 0, 1 - p.p_slip, p.p_slip)
    emit_unknown = np.where(results > 0, p.p_guess, 1 - p.p_guess)
    alpha0, alpha1, scale = np.ones((n, length)), np.ones((n, length)), np.ones((n, length))
    a0, a1 = (1 - p.p_init) * emit_unknown[:, 0], p.p_init * emit_known[:, 0]
    scale[:, 0] = a0 + a1
    alpha0[:, 0], alpha1[:, 0] = a0 / scale[:, 0], a1 / scale[:, 0]
    for t in range(1, length):
        prior0 = alpha0[:, t - 1] * (1 - p.p_learn)
        prior1 = alpha0[:, t - 1] * p.p_learn + alpha1[:, t - 1]
        n0, n1 = prior0 * emit_unknown[:, t], prior1 * emit_known[:, t]
        valid = mask[:, t]
        scale[:, t] = np.where(valid, n0 + n1, 1.0)
        alpha0[:, t] = np.where(valid, n0 / scale[:, t], alpha0[:, t - 1])
        alpha1[:, t] = np.where(valid, n1 / scale[:, t], alpha1[:, t - 1])
    beta0, beta1 = np.ones((n, length)), np.ones((n, length))
    for t in range(length - 2, -1, -1):
        valid = mask[:, t + 1]
        e0, e1, s = emit_unknown[:, t + 1], emit_known[:, t + 1], scale[:, t + 1]
        b0 = ((1 - p.p_learn) * e0 * beta0[:, t + 1] + p.p_learn * e1 * beta1[:, t + 1]) / s
        b1 = e1 * beta1[:, t + 1] / s
        beta0[:, t] = np.where(valid, b0, 1.0)
        beta1[:, t] = np.where(valid, b1, 1.0)
    gamma0, gamma1 = alpha0 * beta0, alpha1 * beta1
    total = gamma0 + gamma1
    gamma0, gamma1 = gamma0 / total, gamma1 / total
    learn_from = np.zeros(n)
    learned = np.zeros(n)
    for t in range(length - 1):
        valid = mask[:, t + 1]
        moved = alpha0[:, t] * p.p_learn * emit_known[:, t + 1] * beta1[:, t + 1] / scale[:, t + 1]
        learned += np.where(valid, moved, 0.0)
        learn_from += np.where(valid, gamma0[:, t], 0.0)
    weights = mask.astype(float)
    fitted = BktParams(
        p_init=float(gamma1[:, 0].mean()),
        p_learn=_ratio(learned.sum(), learn_from.sum(), p.p_learn),
        p_guess=_ratio((gamma0 * results * weights).sum(), (gamma0 * weights).sum(), p.p_guess),
        p_slip=_ratio((gamma1 * (1 - results) * weights).sum(), (gamma1 * weights).sum(), p.p_slip),
    ).bounded()
    log_likelihood = float(np.log(scale).sum())
    return fitted, log_likelihood


def _ratio(top: float, bottom: float, fallback: float) -> float:
    return float(top / bottom) if bottom > 1e-12 else fallback


def _clip(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)
