"""Synthetic learners with a known true mastery over a framework graph.

The generative model (one learner):
- Mastery is a set of competencies. A competency can only be mastered once all its
  prerequisites are; there is no forgetting.
- Each session the learner attempts one competency: with probability 0.7 one that is truly
  ready (not mastered, prerequisites mastered), with 0.15 one ahead of them (not ready: the
  class moved on), with 0.15 a re-check of one already mastered. First sessions may only be
  ready competencies (the roots).
- Attempting a ready competency teaches it with the learner's learning rate (drawn uniformly
  from 0.15 to 0.5), before the evidence is recorded.
- The score is drawn noisily around the true state and rounded onto the 1-4 scale:
  mastered ~ Normal(3.3, 0.6), ready but not mastered ~ Normal(1.9, 0.6),
  not ready ~ Normal(1.4, 0.5). So a mastered learner sometimes scores 2 (a slip) and an
  unmastered one sometimes 3 (a guess).
- With `confirm` > 0 (a school that asks for several pieces of evidence before moving on), the
  learner spends the next `confirm` sessions after mastering a competency on that competency.
- Sessions are 3 to 5 days apart; the learner is observed after 5 to 60 sessions.
Truly ready to learn at the end: not mastered, every prerequisite mastered.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from assistant.learners.types import Observation

START = datetime(2026, 9, 1)
MEANS = {"mastered": (3.3, 0.6), "ready": (1.9, 0.6), "ahead": (1.4, 0.5)}


@dataclass(frozen=True)
class SyntheticLearner:
    learner_id: str
    mastered: frozenset[str]
    history: dict[str, list[Observation]]
    last_day: datetime


class LearnerSimulator:
    def __init__(
        self,
        order: Sequence[str],
        prerequisites: Mapping[str, Sequence[str]],
        seed: int,
        confirm: int = 0,
    ) -> None:
        self.order = list(order)
        self.prerequisites = prerequisites
        self.rng = random.Random(seed)
        self.confirm = confirm

    def truly_ready(self, mastered: frozenset[str] | set[str]) -> set[str]:
        return {
            c
            for c in self.order
            if c not in mastered and all(p in mastered for p in self.prerequisites.get(c, ()))
        }

    def learner(self, learner_id: str) -> SyntheticLearner:
        rng = self.rng
        rate = rng.uniform(0.15, 0.5)
        mastered: set[str] = set()
        history: dict[str, list[Observation]] = {}
        day = START
        pending: list[str] = []
        for session in range(rng.randint(5, 60)):
            day += timedelta(days=rng.randint(3, 5))
            ready = sorted(self.truly_ready(mastered), key=self.order.index)
            ahead = [c for c in self.order if c not in mastered and c not in ready]
            draw = rng.random()
            if pending:
                target, state = pending.pop(), "mastered"
            elif draw < 0.15 and mastered:
                target, state = rng.choice(sorted(mastered)), "mastered"
            elif draw < 0.30 and ahead and session > 2:
                target, state = rng.choice(ahead), "ahead"
            elif ready:
                target, state = ready[0] if rng.random() < 0.6 else rng.choice(ready), "ready"
                if rng.random() < rate:
                    mastered.add(target)
                    state = "mastered"
                    pending = [target] * self.confirm
            else:
                break
            mean, spread = MEANS[state]
            level = min(4.0, max(1.0, round(rng.gauss(mean, spread))))
            history.setdefault(target, []).append(Observation(day, level, session))
        return SyntheticLearner(learner_id, frozenset(mastered), history, day)

    def cohort(self, size: int, prefix: str = "S") -> list[SyntheticLearner]:
        return [self.learner(f"{prefix}{n:05d}") for n in range(size)]
