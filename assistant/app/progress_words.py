"""A learner's progress in plain words, for the student and parent pages and the printable
report (no Streamlit here): the headline of a next step ("Next: Solve unit rate problems. You're
at 2 (Developing), aiming for 3 (Proficient)."), the parent's opening sentences, a competency's
status with its mark, dates in the reader's language, and each area's skills in path order.

Words come from prompts/ui.yaml (English and Spanish); the texts they carry (titles, level
names) are already in the reader's language. Nothing here is Markdown: the pages make it so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from assistant.app.progress import CompetencyProgress, LearnerProgress, Status
from assistant.app.texts import UiTexts
from assistant.recommend.next_steps import NextStep

# A mark beside each status's name: plain text symbols that every common font has (no emoji,
# which show as empty boxes without an emoji font), so status is never colour alone.
STATUS_MARKS: dict[Status, str] = {"mastered": "✓", "working": "◐", "ready": "○", "locked": "⋯"}
# The reason's sentences a step card shows in its headline or as lists of its own.
SHOWN_APART = frozenset({"in_progress", "builds_on", "opens"})


@dataclass(frozen=True)
class Headline:
    """A step in two plain sentences: what is next, and where the learner stands."""

    next: str
    standing: str

    def __str__(self) -> str:
        return f"{self.next}. {self.standing}"


def status_text(status: Status, texts: UiTexts, language: str) -> str:
    return f"{STATUS_MARKS[status]} {texts.t(status, language)}"


def level_text(score: float | None, label: str, texts: UiTexts, language: str) -> str:
    """ "2 Developing" (the name in the reader's language), or "–" without a level."""
    if score is None:
        return "–"
    return f"{score:g} {texts.level_name(label, language)}"


def first_name(name: str) -> str:
    parts = name.split()
    return parts[0] if parts else name


def headline(step: NextStep, texts: UiTexts, language: str, name: str | None = None) -> Headline:
    """`name`: the learner's first name when someone else reads (a parent); None for the
    learner. The level is the one the learner's tables show."""
    target = step.aim[-1] if step.aim else None
    values: dict[str, object] = {
        "bar": f"{target.score:g}" if target else "",
        "bar_label": texts.level_name(target.label, language) if target else "",
        "name": name or "",
    }
    reader = "other" if name else "self"
    current = step.current_level
    if current is None:
        standing = texts.t(f"step_new_{reader}", language, **values)
    else:
        values |= {
            "level": f"{current.level:g}",
            "label": texts.level_name(current.label, language),
        }
        standing = texts.t(f"step_at_{reader}", language, **values)
    return Headline(texts.t("step_next", language, title=step.title), standing)


def why_now(step: NextStep) -> list[str]:
    """The reason's sentences a card keeps for its details: not the level (in the headline),
    nor the prerequisites and what the step opens (shown as lists of titles)."""
    if not step.why:
        return [step.reason] if step.reason else []
    return [text for key, text in step.why if key not in SHOWN_APART]


def titles_of(codes: Sequence[str], progress: LearnerProgress) -> list[str]:
    """Each code's title in the reader's language, with the code after it."""
    shown = []
    for code in codes:
        found = progress.find(code)
        shown.append(f"{found.title} ({code})" if found is not None else code)
    return shown


def summary(progress: LearnerProgress, texts: UiTexts, language: str) -> list[str]:
    """The opening sentences of the parent's page and of the printable report: what the
    learner has mastered, what they work on now, what is ready and what comes later."""
    name = first_name(progress.learner.name)
    counts = progress.counts()
    total = len(progress.competencies)
    sentences = [
        texts.t(
            _counted("summary_mastered", counts["mastered"]),
            language,
            name=name,
            count=counts["mastered"],
            total=total,
        )
    ]
    working = [item.title for item in progress.competencies if item.status == "working"]
    if working:
        sentences.append(
            texts.t("summary_working", language, titles=join(working, texts, language))
        )
    if counts["ready"]:
        sentences.append(
            texts.t(_counted("summary_ready", counts["ready"]), language, count=counts["ready"])
        )
    if counts["locked"]:
        sentences.append(
            texts.t(_counted("summary_later", counts["locked"]), language, count=counts["locked"])
        )
    return sentences


def join(items: Sequence[str], texts: UiTexts, language: str) -> str:
    """ "a, b and c" in the reader's language."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {texts.t('and', language)} {items[-1]}"


def day_text(day: date, texts: UiTexts, language: str) -> str:
    """ "20 Nov 2026" with the month in the reader's language."""
    month = texts.t("months", language).split()[day.month - 1]
    return f"{day.day} {month} {day.year}"


def path(items: Sequence[CompetencyProgress]) -> list[CompetencyProgress]:
    """An area's skills in the order they build on each other: a skill comes after every
    skill of the area it builds on, ties in the framework's own order."""
    codes = {item.code for item in items}
    depth: dict[str, int] = {}

    def level_of(item: CompetencyProgress, seen: frozenset[str]) -> int:
        if item.code in depth:
            return depth[item.code]
        before = [p for p in item.prerequisites if p in codes and p not in seen]
        found = 0
        for code in before:
            earlier = next(i for i in items if i.code == code)
            found = max(found, level_of(earlier, seen | {item.code}) + 1)
        depth[item.code] = found
        return found

    order = {item.code: index for index, item in enumerate(items)}
    return sorted(items, key=lambda item: (level_of(item, frozenset()), order[item.code]))


def _counted(key: str, count: int) -> str:
    if count == 0 and key == "summary_mastered":
        return "summary_mastered_zero"
    return f"{key}_one" if count == 1 else key
