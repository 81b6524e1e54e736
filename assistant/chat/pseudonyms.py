"""Learner names and ids replaced by placeholders on the way out, restored on the way back."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Pseudonymizer:
    """Maps each real name or id to "Learner A", "L-A"… for one request."""

    mapping: dict[str, str] = field(default_factory=dict)

    def add(self, learner_id: str, name: str) -> None:
        letter = _letters(len({v for v in self.mapping.values() if v.startswith("Learner ")}))
        if name and name not in self.mapping:
            self.mapping[name] = f"Learner {letter}"
            for part in name.split():
                if len(part) > 2 and part not in self.mapping:
                    self.mapping[part] = f"Learner {letter}"
        if learner_id and learner_id not in self.mapping:
            self.mapping[learner_id] = f"L-{letter}"

    def hide(self, text: str) -> str:
        for real in sorted(self.mapping, key=len, reverse=True):
            text = re.sub(rf"(?<!\w){re.escape(real)}(?!\w)", self.mapping[real], text)
        return text

    def hide_all(self, texts: Iterable[str]) -> list[str]:
        return [self.hide(t) for t in texts]

    def restore(self, text: str) -> str:
        reverse: dict[str, str] = {}
        for real, alias in self.mapping.items():
            if alias not in reverse or len(real) > len(reverse[alias]):
                reverse[alias] = real
        for alias in sorted(reverse, key=len, reverse=True):
            text = text.replace(alias, reverse[alias])
        return text


def _letters(n: int) -> str:
    text = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        text = chr(65 + rest) + text
    return text
