"""A teacher's question about a class, answered from the class report: who is stuck on what
(with names), the flexible groups with their activity and exit check, and conferences."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date

from assistant.chat.templates import AnswerTemplates
from assistant.chat.types import Citation
from assistant.frameworks.practice import Activity
from assistant.recommend.class_report import ClassReport
from assistant.recommend.groups import FlexibleGroup

STUCK = re.compile(
    r"stuck|behind|struggl|not moving|atascad|atorad|atrasad|estancad|dificultad", re.I
)
GROUPS = re.compile(r"group|grupo|pair|reteach|small.group|agrupar", re.I)
# "what do I do about it", "ideas for tomorrow": the teaching guide joins the class's data
TEACHING = re.compile(
    r"\bideas?\b|what (do|should|can) i (do|try)|how (do|should|can) i (teach|help|reteach)|"
    r"mini.?lesson|activit|strateg|interven|reteach|qu[ée] (hago|puedo hacer)|actividad|"
    r"estrategia|c[oó]mo (les )?(enseño|ayudo)",
    re.I,
)
TIERS = re.compile(
    r"\btier|targeted|intensive|mtss|\bapoyo (focalizado|intensivo)"
    r"|\bintervenci[oó]n (de )?nivel [23]\b|\bnivel [23] de (apoyo|intervenci[oó]n)",
    re.I,
)
MAX_ITEMS = 4
# Who is ready for more on one competency ("who's ready for enrichment on …"): those at the goal.
READY = re.compile(
    r"\bready for (enrichment|extension|more|a challenge|the next)|\benrichment\b|\bextension\b"
    r"|\bahead\b|\bwho('?s| has| have)? (mastered|reached|got (it|a 3|a 4))|\bat (a )?[34]\b"
    r"|\blistos? para|\bampliaci[oó]n\b|\badelantad",
    re.I,
)
# the source a class answer cites: the class report it was read from
CLASS_REPORT = "Waypoint class report"


MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
}
Titled = Callable[[str, str], str]  # (code, title) → the competency's title in the asker's language


def _day(moment: date, language: str = "en") -> str:
    return f"{moment.day} {MONTHS.get(language, MONTHS['en'])[moment.month - 1]}"


def class_answer(
    report: ClassReport,
    question: str,
    templates: AnswerTemplates,
    language: str,
    *,
    focus: tuple[str, str] | None = None,
    related: tuple[str, ...] = (),
    bar: float = 3.0,
    titled: Titled,
) -> tuple[list[str], list[Citation]]:
    """`focus`: (code, title) of the one competency the question is about, if any; `related`:
    the few competencies a topic it names covers ("unit rates"), whose groups it asks about
    too; `titled`: a competency's title in the asker's language."""
    names = {row.learner_id: row.name for row in report.matrix}
    class_id = report.school_class.id
    want_tiers = bool(TIERS.search(question))
    want_stuck = bool(STUCK.search(question)) or not (GROUPS.search(question) or want_tiers)
    want_groups = bool(GROUPS.search(question)) or not (STUCK.search(question) or want_tiers)
    lines: list[str] = []
    citations = [
        Citation(
            CLASS_REPORT,
            f"Class {class_id}: {report.school_class.name}",
            _day(report.as_of, language),
            None,
            f"{len(report.matrix)} learners, {len(report.stuck)} stuck competencies, "
            f"{len(report.groups)} groups",
        )
    ]
    if focus is not None and focus[0] in report.competencies:
        ready = bool(READY.search(question))
        lines.append(_on_code(report, focus, bar, templates, language, reached_asked=ready))
        if GROUPS.search(question) or TEACHING.search(question):
            focused = [
                g for g in report.groups if focus[0] in (g.focus, *g.targets) or g.focus in related
            ]
            lines += _group_lines(focused, templates, language, citations, titled)
        want_stuck = want_groups = False
    if focus is None and READY.search(question) and not STUCK.search(question):
        # "who in 7A is ready for more challenge": those at the goal on everything they have
        # evidence on, most 4s first; not who is stuck
        lines.append(_ready_for_more(report, bar, templates, language))
        want_stuck = want_groups = want_tiers = False
    if want_tiers:
        lines += _tiers(report, templates, language)
    if want_stuck:
        if report.stuck:
            lines.append(
                templates.render(
                    "class.stuck_heading",
                    language,
                    class_id=class_id,
                    as_of=_day(report.as_of, language),
                )
            )
            for item in report.stuck[:MAX_ITEMS]:
                who = ", ".join(names.get(i, i) for i in item.learners)
                lines.append(
                    "- "
                    + templates.render(
                        "class.stuck",
                        language,
                        code=item.code,
                        title=titled(item.code, item.title),
                        names=who,
                        advice=item.note,
                    )
                )
        else:
            lines.append(templates.render("class.nobody_stuck", language, class_id=class_id, min=3))
    if want_groups:
        if report.groups:
            lines.append(templates.render("class.groups_heading", language, class_id=class_id))
            lines += _group_lines(report.groups, templates, language, citations, titled)
        else:
            lines.append(templates.render("class.no_groups", language, class_id=class_id))
        if report.conferences:
            # a learner held up on two competencies has two conferences, but one name
            names_once = list(dict.fromkeys(c.name for c in report.conferences))
            who = ", ".join(names_once[:MAX_ITEMS])
            lines.append(templates.render("class.conferences", language, names=who))
    unique = list(dict.fromkeys(citations))
    return lines, unique


def _group_lines(
    groups: Sequence[FlexibleGroup],
    templates: AnswerTemplates,
    language: str,
    citations: list[Citation],
    titled: Titled,
) -> list[str]:
    """One line per flexible group (who, the activity, its exit check, when to review); the
    activity's guide section joins the citations."""
    lines = []
    for group in groups[:MAX_ITEMS]:
        activity = group.activity
        lines.append(
            "- "
            + templates.render(
                "class.group",
                language,
                focus=group.focus,
                title=titled(group.focus, group.focus_title),
                names=", ".join(m.name for m in group.members),
                activity=_activity(activity),
                exit_check=activity.exit_check if activity else "",
                review_by=_day(group.review_by, language),
            )
        )
        if activity is not None and activity.section:
            citations.append(Citation(activity.path, activity.guide, activity.section, None, ""))
    return lines


def _activity(activity: Activity | None) -> str:
    if activity is None or not activity.section:
        return ""
    return f"{activity.section} ({activity.guide})"


def _on_code(
    report: ClassReport,
    focus: tuple[str, str],
    bar: float,
    templates: AnswerTemplates,
    language: str,
    *,
    reached_asked: bool = False,
) -> str:
    """Who in the class is below the goal on one competency, lowest first (asked who is
    ready for more: who has reached it, highest first)."""
    column = report.competencies.index(focus[0])
    levels = [(row.name, row.levels[column]) for row in report.matrix]
    seen = [(name, level) for name, level in levels if level is not None]
    reached = sorted(((n, lv) for n, lv in seen if lv >= bar), key=lambda p: (-p[1], p[0]))
    below = sorted(((n, lv) for n, lv in seen if lv < bar), key=lambda p: (p[1], p[0]))
    shown = reached if reached_asked else below
    return templates.render(
        "class.on_code_reached" if reached_asked else "class.on_code",
        language,
        code=focus[0],
        title=focus[1],
        class_id=report.school_class.id,
        bar=f"{bar:g}",
        names=", ".join(f"{name} ({level:g})" for name, level in shown),
        reached=len(reached),
        below=len(below),
        total=len(levels),
        unseen=len(levels) - len(seen),
    )


def _ready_for_more(
    report: ClassReport, bar: float, templates: AnswerTemplates, language: str
) -> str:
    """The learners at the goal or above on every competency they have evidence on."""
    ready = []
    for row in report.matrix:
        seen = [level for level in row.levels if level is not None]
        if seen and min(seen) >= bar:
            ready.append((-sum(level >= bar + 1 for level in seen), row.name))
    names = ", ".join(name for _, name in sorted(ready)[: MAX_ITEMS * 3])
    return templates.render(
        "class.ready", language, class_id=report.school_class.id, bar=f"{bar:g}", names=names
    )


def _tiers(report: ClassReport, templates: AnswerTemplates, language: str) -> list[str]:
    class_id = report.school_class.id
    suggested = sorted(
        (t for t in report.tiers if t.tier != "core"),
        key=lambda t: (t.tier != "intensive", t.name),
    )
    if not suggested:
        return [templates.render("class.no_tiers", language, class_id=class_id)]
    lines = [templates.render("class.tiers_heading", language, class_id=class_id)]
    for tier in suggested[: MAX_ITEMS * 2]:
        reason = tier.reasons[0] if tier.reasons else ""
        line = templates.render(
            "class.tier", language, name=tier.name, tier=tier.tier, reason=reason
        )
        lines.append(f"- {line}")
    return lines
