"""A learner's progress in one line (how many skills at the bar, what is next), for a parent who
asks about all their children at once ("which of my two kids needs more help") or how one child
is doing against the pace ("is Mateo ahead of his class")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.chat.learner_data import NextStepsView
from assistant.chat.templates import AnswerTemplates
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.frameworks.translations import Translations

# every child at once: "both", "which of my kids", "my two kids", "cada uno de mis hijos"
ALL_CHILDREN = re.compile(
    r"\bboth\b|\beach of (my|our)\b|\bwhich (one )?of (my|our|the)\b"
    r"|\ball (of )?(my|our) (kids|children)\b"
    r"|\b(my|our) ((two|2|three|3) )?(kids|children|sons|daughters)\b|\bambos\b|\bcada uno\b"
    r"|\bmis ((dos|tres|2|3) )?hij[oa]s\b|\bcu[aá]l de (mis|los) hij[oa]s\b|\blos dos\b",
    re.I,
)
# one child against the pace of others: "ahead of his class", "behind", "keeping up"
PACE = re.compile(
    r"\bahead\b|\bbehind\b|\bkeep(ing)? up\b|\bon track\b|\bcompared? (to|with)\b"
    r"|\badelantad[oa]\b|\batrasad[oa]\b|\bal ritmo\b|\bcomparad[oa]\b"
    # bored, or finding it too easy: where the child is, then the sections on being ahead
    r"|\bbored\b|\bboring\b|\btoo easy\b|\baburr\w*|\bmuy f[aá]cil\b",
    re.I,
)


def asks_all_children(question: str) -> bool:
    return bool(ALL_CHILDREN.search(question))


def asks_pace(question: str) -> bool:
    return bool(PACE.search(question))


@dataclass(frozen=True)
class Overview:
    name: str
    mastered: int  # competencies at the bar or above
    below: int  # competencies with evidence still under the bar
    line: str


class OverviewPlan:
    def __init__(self, templates: AnswerTemplates, translations: Translations) -> None:
        self.templates = templates
        self.translations = translations

    def of(
        self, catalog: FrameworkCatalog, view: NextStepsView, language: str, *, own: bool = False
    ) -> Overview:
        """`view`: with levels and at least one step when there is one."""
        mastered = below = 0
        bar, bar_label = 3.0, "Proficient"
        for code, _title, level, _label in view.levels:
            entry = catalog.lookup(code)
            if entry is None:
                continue
            scale = catalog.scale(entry.identifier)
            bar, bar_label = scale.bar, scale.level_at(scale.bar).label
            if scale.is_proficient(level):
                mastered += 1
            else:
                below += 1
        step = view.steps[0] if view.steps else None
        now = next((row[2] for row in view.levels if step and row[0] == step.code), None)
        known = catalog.lookup(step.code) if step else None
        title = step.title if step else ""
        if known is not None:
            title = self.translations.title(known.item.identifier, language, title)
        name = view.learner.name.split()[0]
        line = self.templates.render(
            "overview.line",
            language,
            name=name,
            own=own,
            mastered=mastered,
            below=below,
            bar=f"{bar:g}",
            bar_name=self.translations.level_name(bar_label, language),
            code=step.code if step else "",
            title=title,
            level=f"{now:g}" if now is not None else "",
        )
        return Overview(name, mastered, below, line)

    def compare(self, found: list[Overview], language: str) -> str:
        """Who has the larger share of their skills still under the bar, said plainly; the same
        when it is even."""
        most = max(found, key=_share_below)
        if sum(1 for o in found if abs(_share_below(o) - _share_below(most)) < 0.05) > 1:
            return self.templates.render("overview.even", language)
        return self.templates.render("overview.most", language, name=most.name)


def _share_below(overview: Overview) -> float:
    shown = overview.mastered + overview.below
    return overview.below / shown if shown else 0.0
