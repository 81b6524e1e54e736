"""A teacher's question about a class, answered from the class report: who is stuck on what
(with names), the flexible groups with their activity and exit check, and conferences."""

from __future__ import annotations

import re
from datetime import date

from assistant.chat.templates import AnswerTemplates
from assistant.chat.types import Citation
from assistant.frameworks.practice import Activity
from assistant.recommend.class_report import ClassReport

STUCK = re.compile(r"stuck|behind|struggl|not moving|atascad|atrasad|dificultad", re.I)
GROUPS = re.compile(r"group|grupo|pair|reteach|small.group|agrupar", re.I)
MAX_ITEMS = 4


def _day(moment: date) -> str:
    return f"{moment.day} {moment.strftime('%b')}"


def class_answer(
    report: ClassReport, question: str, templates: AnswerTemplates, language: str
) -> tuple[list[str], list[Citation]]:
    names = {row.learner_id: row.name for row in report.matrix}
    class_id = report.school_class.id
    want_stuck = bool(STUCK.search(question)) or not GROUPS.search(question)
    want_groups = bool(GROUPS.search(question)) or not STUCK.search(question)
    lines: list[str] = []
    citations = [
        Citation(
            "Waypoint class report",
            f"Class {class_id}: {report.school_class.name}",
            _day(report.as_of),
            None,
            f"{len(report.matrix)} learners, {len(report.stuck)} stuck competencies, "
            f"{len(report.groups)} groups",
        )
    ]
    if want_stuck:
        if report.stuck:
            lines.append(
                templates.render(
                    "class.stuck_heading", language, class_id=class_id, as_of=_day(report.as_of)
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
                        title=item.title,
                        names=who,
                        advice=item.note,
                    )
                )
        else:
            lines.append(templates.render("class.nobody_stuck", language, class_id=class_id, min=3))
    if want_groups:
        if report.groups:
            lines.append(templates.render("class.groups_heading", language, class_id=class_id))
            for group in report.groups[:MAX_ITEMS]:
                activity = group.activity
                lines.append(
                    "- "
                    + templates.render(
                        "class.group",
                        language,
                        focus=group.focus,
                        title=group.focus_title,
                        names=", ".join(m.name for m in group.members),
                        activity=_activity(activity),
                        exit_check=activity.exit_check if activity else "",
                        review_by=_day(group.review_by),
                    )
                )
                if activity is not None and activity.section:
                    citations.append(
                        Citation(activity.path, activity.guide, activity.section, None, "")
                    )
        else:
            lines.append(templates.render("class.no_groups", language, class_id=class_id))
        if report.conferences:
            who = ", ".join(c.name for c in report.conferences[:MAX_ITEMS])
            lines.append(templates.render("class.conferences", language, names=who))
    unique = list(dict.fromkeys(citations))
    return lines, unique


def _activity(activity: Activity | None) -> str:
    if activity is None or not activity.section:
        return ""
    return f"{activity.section} ({activity.guide})"
