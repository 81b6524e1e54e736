"""Teachers', leaders' and admins' questions about the school's figures: which classes are
least responsive, and what worked for learners stuck on a competency. The facts come from
the leaders' services through the access policy (no learner is named); this words them, each
figure with what it counts, and a comparison never as a cause."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

from assistant.chat.templates import AnswerTemplates

RESPONSIVE = re.compile(
    r"\b(least|most|less|more) responsive\b|\bresponsiveness\b|"
    r"\b(responden|respondan) (menos|m[aá]s)\b|\bcapacidad de respuesta\b",
    re.I,
)
WHAT_WORKED = re.compile(
    r"\bwhat (has )?work(ed|s)\b|\bwhich (activit\w+|interventions?|groups?) work(ed|s)\b|"
    r"\bqu[eé] (ha )?funcion[oó]\b|\bqu[eé] funciona\b",
    re.I,
)
STAFF = ("teacher", "leader", "admin")


def asks_school_figures(text: str, role: str) -> str | None:
    """ "responsiveness", "what_worked" or None."""
    if role not in STAFF:
        return None
    if RESPONSIVE.search(text):
        return "responsiveness"
    if WHAT_WORKED.search(text):
        return "what_worked"
    return None


def _day(value: object) -> str:
    moment = date.fromisoformat(str(value))
    return f"{moment.day} {moment.strftime('%b')}"


def _period(facts: Mapping[str, object]) -> tuple[str, str]:
    period = facts["period"]
    assert isinstance(period, list | tuple) and len(period) == 2
    return str(period[0]), str(period[1])


def _percent(share: object) -> int | None:
    return None if share is None else round(float(str(share)) * 100)


def responsiveness_lines(
    facts: Mapping[str, object], templates: AnswerTemplates, language: str
) -> list[str]:
    start, end = _period(facts)
    classes: Sequence[Mapping[str, object]] = facts["classes"]  # type: ignore[assignment]
    if not classes:
        return [templates.render("school.no_classes", language)]
    scope = "school.scope_school" if facts["scope"] == "school" else "school.scope_own"
    lines = [
        templates.render(
            "school.responsive_heading",
            language,
            start=_day(start),
            end=_day(end),
            scope=templates.render(scope, language),
        )
    ]
    for row in classes:
        line = templates.render(
            "school.responsive_row",
            language,
            class_id=row["class_id"],
            name=row["name"],
            off=_percent(row["off_target_share"]),
            not_ready=_percent(row["not_ready_share"]) or 0,
            mastered=_percent(row["already_mastered_share"]) or 0,
            stuck=row["stuck"],
            quiet=row["quiet"],
        )
        lines.append(f"- {line}")
    lines.append(templates.render("school.responsive_definition", language))
    return lines


def what_worked_lines(
    facts: Mapping[str, object], templates: AnswerTemplates, language: str
) -> list[str]:
    start, end = _period(facts)
    lines = [
        templates.render(
            "school.worked_heading",
            language,
            code=facts["code"],
            title=facts["title"],
            start=_day(start),
            end=_day(end),
        )
    ]
    teams: Sequence[Mapping[str, object]] = facts["teams"]  # type: ignore[assignment]
    recorded = False
    for team in teams:
        classes = ", ".join(str(c) for c in team["classes"])  # type: ignore[attr-defined]
        activities: Sequence[Mapping[str, object]] = team["activities"]  # type: ignore[assignment]
        if not activities:
            lines.append(
                templates.render(
                    "school.worked_nothing", language, team=team["team"], classes=classes
                )
            )
            continue
        recorded = True
        lines.append(
            templates.render(
                "school.worked_team",
                language,
                team=team["team"],
                classes=classes,
                go_to=team["go_to"],
            )
        )
        for activity in activities:
            line = templates.render(
                "school.worked_activity",
                language,
                activity=activity["activity"],
                reached=activity["reached_proficient"],
                learners=activity["learners"],
                days=activity["median_days"],
            )
            lines.append(f"- {line}")
        comparison = team["comparison"]
        if isinstance(comparison, Mapping) and comparison.get("learners"):
            line = templates.render(
                "school.worked_comparison",
                language,
                reached=comparison["reached_proficient"],
                learners=comparison["learners"],
                days=comparison["median_days"],
            )
            lines.append(f"- {line}")
    if recorded:
        lines.append(templates.render("school.worked_caution", language))
    return lines
