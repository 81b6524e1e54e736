"""Values that flow through a conversation turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from assistant.types import SearchHit

Role = Literal["student", "parent", "teacher", "leader", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
Intent = Literal[
    "next_steps",
    "progress",
    "explain_competency",
    "explain_level",
    "explain_cbe",
    "intervention",
    "resources",
    "small_talk",
    "out_of_scope",
    "follow_up",
    "class_report",
]
INTENTS: tuple[Intent, ...] = get_args(Intent)
AUDIENCE_OF_ROLE = {
    "student": "students",
    "parent": "parents",
    "teacher": "teachers",
    "leader": "teachers",  # school leaders read the professional guides
}


@dataclass(frozen=True)
class AskContext:
    """Who is asking, about whom, and in which language (None: detect from the message)."""

    role: Role
    user_id: str | None = None
    learner_id: str | None = None
    language: str | None = None
    class_id: str | None = None  # the class the app's class picker shows, if any


@dataclass(frozen=True)
class Citation:
    source: str
    title: str
    section: str | None
    code: str | None
    snippet: str

    def as_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "title": self.title,
            "section": self.section,
            "code": self.code,
            "snippet": self.snippet,
        }

    @property
    def label(self) -> str:
        if self.code:
            return f"{self.title} ({self.source})"
        return f"{self.title} › {self.section}" if self.section else self.title


@dataclass(frozen=True)
class Answer:
    text: str
    intent: Intent
    language: str
    citations: tuple[Citation, ...] = ()
    steps: tuple[dict[str, object], ...] = ()
    abstained: bool = False
    composer: str = "extractive"
    notice: str | None = None
    topic: dict[str, object] = field(default_factory=dict)
    # What the answer was built from, for an LLM to rephrase; never shown or serialised.
    passages: tuple[SearchHit, ...] = field(default=(), repr=False, compare=False)
    facts: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "answer": self.text,
            "intent": self.intent,
            "language": self.language,
            "citations": [c.as_json() for c in self.citations],
            "abstained": self.abstained,
            "composer": self.composer,
        }
        if self.steps:
            data["steps"] = list(self.steps)
        if self.notice:
            data["notice"] = self.notice
        return data
