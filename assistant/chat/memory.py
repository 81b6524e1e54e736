"""Conversation memory: a bounded list of turns per session."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from assistant.chat.types import Answer, AskContext, Intent


@dataclass(frozen=True)
class Turn:
    message: str
    question: str  # the question actually answered (a follow-up resolves to an earlier one)
    intent: Intent
    context: AskContext
    answer: Answer

    @property
    def is_follow_up(self) -> bool:
        return self.message != self.question


@dataclass
class Conversation:
    """What one session said so far, at most `max_turns` turns."""

    max_turns: int = 12
    turns: deque[Turn] = field(default_factory=deque)
    step_in_focus: int = 0

    def add(self, turn: Turn) -> None:
        self.turns.append(turn)
        while len(self.turns) > self.max_turns:
            self.turns.popleft()

    @property
    def last(self) -> Turn | None:
        return self.turns[-1] if self.turns else None

    def last_with_steps(self) -> Turn | None:
        """The latest turn that recommended steps (not a follow-up that showed one of them)."""
        for turn in reversed(self.turns):
            if turn.answer.steps and not turn.is_follow_up:
                return turn
        return None

    def last_answered(self) -> Turn | None:
        """The latest turn that was a real question (not small talk or a refusal)."""
        for turn in reversed(self.turns):
            if turn.intent not in ("small_talk", "out_of_scope", "follow_up") and not (
                turn.is_follow_up
            ):
                return turn
        return None

    def clear(self) -> None:
        self.turns.clear()
        self.step_in_focus = 0
