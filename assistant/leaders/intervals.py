"""90% intervals for the gap between a group and the rest of the school.

- `wilson`: the Wilson score interval of one proportion.
- `proportion_gap`: the difference of two proportions (group minus rest) with Newcombe's
  hybrid score interval, built from the two Wilson intervals (Newcombe 1998, method 10):
  lower = d - sqrt((p1 - l1)^2 + (u2 - p2)^2), upper = d + sqrt((u1 - p1)^2 + (p2 - l2)^2).
- `bootstrap_gap`: the difference of a statistic (a median, or a ratio of sums) between two
  samples, with the percentile interval of `resamples` bootstrap resamples of each sample drawn
  with a fixed seed (the same data always give the same interval).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Z90 = 1.6448536269514722  # the standard normal's 95th percentile: a two-sided 90% interval
LEVEL = 0.90
RESAMPLES = 1000
SEED = 20261204
CHUNK = 200  # resamples drawn at a time (bounds the memory of a large school)

# A statistic of a sample given as its distinct values and, per row, how often each occurs.
Statistic = Callable[[NDArray[np.float64], NDArray[np.int64]], NDArray[np.float64]]


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


def wilson(successes: int, total: int, z: float = Z90) -> Interval:
    if total <= 0 or not 0 <= successes <= total:
        raise ValueError(f"a proportion needs 0 <= successes <= total > 0, not {successes}/{total}")
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


def proportion_gap(
    successes: int, total: int, other_successes: int, other_total: int, z: float = Z90
) -> Interval:
    """p1 - p2 with Newcombe's hybrid score interval."""
    first, second = wilson(successes, total, z), wilson(other_successes, other_total, z)
    p1, p2 = first.estimate, second.estimate
    d = p1 - p2
    low = d - math.sqrt((p1 - first.low) ** 2 + (second.high - p2) ** 2)
    high = d + math.sqrt((first.high - p1) ** 2 + (p2 - second.low) ** 2)
    return Interval(d, low, high)


def bootstrap_gap(
    sample: NDArray[np.float64],
    other: NDArray[np.float64],
    statistic: Statistic,
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> Interval | None:
    """statistic(sample) - statistic(other) with a percentile interval. A sample is a 1-d
    array of values, or a 2-d array of rows (one per learner) the statistic reads together.
    None when a statistic is undefined on the data (e.g. a share with no evidence).

    Each resample draws as many items as the sample has, with replacement; it is drawn as the
    counts of the sample's distinct values (a multinomial draw with the sample's frequencies),
    which is the same resample, in time that grows with the distinct values, not the learners."""
    if len(sample) == 0 or len(other) == 0:
        return None
    mine, theirs = _distinct(sample), _distinct(other)
    estimate = float(statistic(mine[0], mine[1][np.newaxis])[0]) - float(
        statistic(theirs[0], theirs[1][np.newaxis])[0]
    )
    if not math.isfinite(estimate):
        return None
    rng = np.random.default_rng(seed)
    gaps = []
    for start in range(0, resamples, CHUNK):
        size = min(CHUNK, resamples - start)
        first = rng.multinomial(len(sample), mine[1] / len(sample), size=size)
        second = rng.multinomial(len(other), theirs[1] / len(other), size=size)
        gaps.append(statistic(mine[0], first) - statistic(theirs[0], second))
    found = np.concatenate(gaps)
    found = found[np.isfinite(found)]
    if len(found) == 0:
        return None
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(found, [tail, 100 - tail])
    return Interval(estimate, float(low), float(high))


def _distinct(sample: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The distinct values (rows) in order and how often each occurs."""
    values, inverse = np.unique(sample, axis=0, return_inverse=True)
    counts = np.bincount(np.asarray(inverse).ravel(), minlength=len(values))
    return np.asarray(values, dtype=np.float64), np.asarray(counts, dtype=np.int64)


def median_of_counts(values: NDArray[np.float64], counts: NDArray[np.int64]) -> NDArray[np.float64]:
    """The median of each row of counts over sorted distinct values (the mean of the two
    middle items when a row has an even number)."""
    total = counts.sum(axis=1)
    running = np.cumsum(counts, axis=1)
    lower = np.argmax(running > ((total - 1) // 2)[:, np.newaxis], axis=1)
    upper = np.argmax(running > (total // 2)[:, np.newaxis], axis=1)
    return np.asarray((values[lower] + values[upper]) / 2, dtype=np.float64)


def ratio_of_counts(pairs: NDArray[np.float64], counts: NDArray[np.int64]) -> NDArray[np.float64]:
    """Each row of counts over distinct (part, whole) pairs: sum of parts / sum of wholes
    (nan: no whole)."""
    parts = counts @ pairs[:, 0]
    wholes = counts @ pairs[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(wholes > 0, parts / np.where(wholes > 0, wholes, 1), np.nan))
