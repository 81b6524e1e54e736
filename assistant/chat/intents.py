"""A transparent intent classifier: rules from prompts/intents.yaml, then similarity to
labelled examples. Every decision carries its method and scores, so it can be inspected."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import numpy as np

from assistant.chat.types import INTENTS, Intent, Role
from assistant.chat.vectors import unit_rows
from assistant.frameworks.codes import codes_in
from assistant.texts.files import load_yaml
from assistant.texts.intents_spec import intents_schema

# vectors as lists, or as a float32 matrix (a row per text)
EmbedMany = Callable[[list[str]], np.ndarray | list[list[float]]]
RULE_BONUS = 0.35
MIN_SIMILARITY = 0.32
FOLLOW_UP_MAX_WORDS = 9
DECISIVE = "decisive rule"  # the method of a decision a `decisive` pattern settled


@dataclass(frozen=True)
class IntentSpec:
    patterns: dict[Intent, tuple[re.Pattern[str], ...]]
    examples: dict[Intent, tuple[str, ...]]
    # a match settles the intent whatever else the message resembles ("do my worksheet for me")
    decisive: dict[Intent, tuple[re.Pattern[str], ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class IntentDecision:
    intent: Intent
    confidence: float
    method: str
    scores: dict[str, float] = field(default_factory=dict)


def load_intent_spec(path: Path) -> IntentSpec:
    data = load_yaml(path, intents_schema(INTENTS))
    intents = data["intents"]
    patterns: dict[Intent, tuple[re.Pattern[str], ...]] = {}
    examples: dict[Intent, tuple[str, ...]] = {}
    decisive: dict[Intent, tuple[re.Pattern[str], ...]] = {}
    for name, entry in intents.items():
        intent = cast(Intent, name)
        patterns[intent] = tuple(re.compile(p, re.IGNORECASE) for p in entry["patterns"])
        examples[intent] = tuple(str(e) for e in entry["examples"])
        if entry.get("decisive"):
            decisive[intent] = tuple(re.compile(p, re.IGNORECASE) for p in entry["decisive"])
    return IntentSpec(patterns, examples, decisive)


class IntentClassifier:
    def __init__(self, spec: IntentSpec, embed: EmbedMany) -> None:
        self.spec = spec
        self._embed = embed
        self._example_vectors: np.ndarray | None = None
        self._example_labels: list[Intent] = []

    def _examples(self) -> tuple[np.ndarray, list[Intent]]:
        if self._example_vectors is None:
            labels: list[Intent] = []
            texts: list[str] = []
            for intent, examples in self.spec.examples.items():
                labels += [intent] * len(examples)
                texts += list(examples)
            self._example_vectors = unit_rows(np.asarray(self._embed(texts), dtype=np.float32))
            self._example_labels = labels
        return self._example_vectors, self._example_labels

    def rule_hits(self, message: str) -> dict[Intent, int]:
        hits: dict[Intent, int] = {}
        for intent, patterns in self.spec.patterns.items():
            count = sum(1 for p in patterns if p.search(message))
            if count:
                hits[intent] = count
        return hits

    def classify(self, message: str, role: Role, *, has_history: bool = True) -> IntentDecision:
        text = message.strip()
        hits = self.rule_hits(text)
        if "follow_up" in hits and len(text.split()) <= FOLLOW_UP_MAX_WORDS and has_history:
            return IntentDecision("follow_up", 1.0, "rule", {"follow_up": 1.0})
        hits.pop("follow_up", None)
        for intent, patterns in self.spec.decisive.items():
            if any(p.search(text) for p in patterns):
                return IntentDecision(_for_role(intent, role), 1.0, DECISIVE, {intent: 1.0})
        vectors, labels = self._examples()
        query = unit_rows(np.asarray(self._embed([text]), dtype=np.float32))[0]
        similarity = vectors @ query
        scores: dict[str, float] = {}
        for intent in INTENTS:
            mine = similarity[[i for i, label in enumerate(labels) if label == intent]]
            if len(mine) == 0 or intent == "follow_up":
                continue
            top = np.sort(mine)[-2:]
            scores[intent] = float(top.mean()) + RULE_BONUS * min(hits.get(intent, 0), 2)
        if codes_in(text) and not (set(hits) - {"explain_competency"}):
            scores["explain_competency"] = scores.get("explain_competency", 0.0) + RULE_BONUS
        best = max(scores, key=scores.__getitem__)
        intent = cast(Intent, best)
        method = "rule+similarity" if intent in hits else "similarity"
        if not hits and float(similarity.max()) < MIN_SIMILARITY:
            return IntentDecision(
                "out_of_scope", 1.0 - float(similarity.max()), "threshold", scores
            )
        return IntentDecision(_for_role(intent, role), scores[best], method, scores)


def _for_role(intent: Intent, role: Role) -> Intent:
    """Teachers' "what do I do" questions are interventions; families' are home practice."""
    if intent == "intervention" and role in ("student", "parent"):
        return "resources"
    return intent
