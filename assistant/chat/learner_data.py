"""What the conversation engine needs from the learner model, behind one small protocol.

Every call takes the asking user; the learner services apply the access policy, so the engine
can never read a learner's data the user may not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from assistant.recommend.class_report import ClassReport


@dataclass(frozen=True)
class LearnerRef:
    id: str
    name: str


class LearnerAccessError(Exception):
    """The user may not see this learner, or the learner does not exist (never said which)."""


class LearnerData(Protocol):
    def visible_learners(self, user_id: str | None) -> list[LearnerRef]: ...

    def names_to_hide(self, user_id: str | None) -> list[LearnerRef]: ...

    def own_learners(self, user_id: str | None) -> list[LearnerRef]: ...

    def classes(self, user_id: str | None) -> list[tuple[str, str]]: ...

    def class_report(
        self, user_id: str | None, class_id: str, language: str | None = None
    ) -> ClassReport: ...

    def responsiveness(self, user_id: str | None) -> dict[str, object]: ...

    def what_worked(self, user_id: str | None, code: str) -> dict[str, object]: ...

    def next_steps(
        self,
        user_id: str | None,
        learner_id: str,
        limit: int,
        *,
        with_levels: bool = False,
        language: str = "en",
    ) -> NextStepsView:
        """`language`: the asker's; the steps' reasons, prerequisite lines (in each
        prerequisite's "line"), aims, tips and titles come in it."""
        ...


@dataclass(frozen=True)
class StepView:
    code: str
    title: str
    framework: str
    reason: str
    aim: str
    tip: str
    resources: tuple[tuple[str, str], ...]  # (title, path relative to the knowledge folder)
    prerequisites: tuple[str, ...]
    data: dict[str, object]


@dataclass(frozen=True)
class NextStepsView:
    learner: LearnerRef
    steps: tuple[StepView, ...]
    levels: tuple[tuple[str, str, float, str], ...] = ()  # (code, title, level, label)
