"""One person's conversation in the app: the engine's memory, the turns shown, their feedback."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from assistant.app.identity import Account
from assistant.chat.engine import ChatEngine
from assistant.chat.memory import Conversation
from assistant.chat.types import Answer, AskContext
from assistant.chat.types import Role as ChatRole
from assistant.learners.types import Role

MAX_SHOWN_TURNS = 50


@dataclass
class ChatTurn:
    question: str
    answer: Answer
    rating: int | None = None  # 1 thumbs up, 0 thumbs down
    comment: str = ""
    feedback_id: int | None = None


@dataclass
class ChatSession:
    """Belongs to one signed-in account; never shared between sessions."""

    account: Account
    learner_id: str | None = None
    language: str | None = None  # None: answer in the language of each question
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    turns: list[ChatTurn] = field(default_factory=list)
    conversation: Conversation | None = None

    def context(self) -> AskContext:
        return AskContext(
            role=chat_role(self.account.role),
            user_id=self.account.user_id,
            learner_id=self.learner_id,
            language=self.language,
        )

    def stream(self, engine: ChatEngine, message: str) -> Iterator[str]:
        """Text pieces as the answer is composed; the finished turn is kept when it ends."""
        if self.conversation is None:
            self.conversation = engine.new_conversation()
        for piece in engine.stream(message, self.context(), self.conversation):
            if isinstance(piece, Answer):
                self.turns.append(ChatTurn(message, piece))
                del self.turns[:-MAX_SHOWN_TURNS]
            else:
                yield piece

    @property
    def last(self) -> ChatTurn | None:
        return self.turns[-1] if self.turns else None

    def reset(self) -> None:
        """A new conversation: nothing of the old one is remembered."""
        self.id = uuid.uuid4().hex
        self.turns = []
        self.conversation = None


def chat_role(role: Role) -> ChatRole:
    """The role a person asks chat as: their own (a leader's questions get the school's
    figures with their definitions, never a learner's name)."""
    return role
