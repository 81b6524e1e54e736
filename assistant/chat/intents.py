"""A transparent intent classifier: rules from prompts/intents.yaml, then similarity to
labelled examples. Every decision carries its method and scores, so it can be inspected."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import numpy as np
import yaml

from assistant.chat.templates import TemplateFileError
from assistant.chat.types import INTENTS, Intent, Role
from assistant.chat.vectors import unit_rows
from assistant.frameworks.codes import codes_in

EmbedMany = Callable[[list[str]], list[list[float]]]
RULE_BONUS = 0.35
MIN_SIMILARITY = 0.32
FOLLOW_UP_MAX_WORDS = 9


@dataclass(frozen=True)
class IntentSpec:
    patterns: dict[Intent, tuple[re.Pattern[str], ...]]
    examples: dict[Intent, tuple[str, ...]]


@dataclass(frozen=True)
class IntentDecision:
    intent: Intent
    confidence: float
    method: str
    scores: dict[str, float] = field(default_factory=dict)


def load_intent_spec(path: Path) -> IntentSpec:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateFileError(path, f"cannot be read ({exc})") from exc
    intents = data.get("intents") if isinstance(data, dict) else None
    if not isinstance(intents, dict) or data.get("version") != 1:
        raise TemplateFileError(path, "must have version: 1 and an intents mapping")
    unknown = set(intents) - set(INTENTS)
    if unknown:
        raise TemplateFileError(path, f"unknown intents {sorted(unknown)}")
    patterns: dict[Intent, tuple[re.Pattern[str], ...]] = {}
    examples: dict[Intent, tuple[str, ...]] = {}
    for name, entry in intents.items():
        intent = cast(Intent, name)
        if not isinstance(entry, dict) or set(entry) != {"patterns", "examples"}:
            raise TemplateFileError(path, f"{name} needs exactly patterns and examples")
        try:
            patterns[intent] = tuple(re.compile(p, re.IGNORECASE) for p in entry["patterns"])
        except re.error as exc:
            raise TemplateFileError(path, f"{name}: bad pattern ({exc})") from exc
        examples[intent] = tuple(str(e) for e in entry["examples"])
    return IntentSpec(patterns, examples)


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
            self._example_vectors = unit_rows(np.array(self._embed(texts), dtype=np.float32))
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
        vectors, labels = self._examples()
        query = unit_rows(np.array(self._embed([text]), dtype=np.float32))[0]
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
