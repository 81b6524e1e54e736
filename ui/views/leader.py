"""The leader's page: the school's responsiveness over a period, a table of its classes, each
figure with its definition, and one class's learners by name when the leader opens it."""

from __future__ import annotations

from datetime import date

import streamlit as st

from assistant.app.texts import UiTexts
from assistant.leaders.period import Period
from assistant.leaders.responsiveness import Spread
from assistant.leaders.school import ClassLearners, Figures, SchoolFigures
from ui import resources, state
from ui.views import leader_equity, leader_review
from ui.views.common import table, wait_for
from ui.views.leader_tables import capped_table

FIGURES = ("not_ready", "repeated", "quiet", "stuck", "time", "pace")


def page() -> None:
    who = state.account()
    assert who is not None
    texts = resources.texts()
    language = state.language()
    assistant = resources.get_assistant()
    if not assistant.leaders.may_lead(who.viewer):  # the page is not offered to other roles
        st.stop()
    st.title(texts.t("leader_title", language))
    st.caption(texts.t("leader_intro", language))
    if not wait_for("school"):
        return
    period = _period(assistant.leaders.default_period(), texts, language)
    if period is None:
        return
    found = assistant.leaders.school(who.viewer, period)
    leader_equity.freshness(texts, language)
    st.subheader(texts.t("school_summary", language))
    _summary(found.school, texts, language)
    st.subheader(texts.t("by_class", language))
    capped_table(_class_rows(found, texts, language), "leader_all_classes", texts, language)
    st.subheader(texts.t("definitions", language))
    st.markdown(
        "\n".join(
            f"- **{texts.t(f'fig_{name}', language)}**: {texts.t(f'fig_{name}_def', language)}"
            for name in FIGURES
        )
    )
    _per_competency(found, texts, language)
    leader_equity.section(period, texts, language)
    leader_review.section(found, period, texts, language)
    _class_learners(found, period, texts, language)


def _period(default: Period, texts: UiTexts, language: str) -> Period | None:
    left, right = st.columns(2)
    start = left.date_input(texts.t("period_from", language), default.start, key="leader_from")
    end = right.date_input(texts.t("period_to", language), default.end, key="leader_to")
    if not isinstance(start, date) or not isinstance(end, date) or start > end:
        st.warning(texts.t("period_invalid", language))
        return None
    period = Period(start, end)
    st.caption(
        texts.t(
            "period_caption",
            language,
            start=start.isoformat(),
            end=end.isoformat(),
            days=period.days,
        )
    )
    return period


def _summary(figures: Figures, texts: UiTexts, language: str) -> None:
    columns = st.columns(4)
    columns[0].metric(texts.t("fig_learners", language), figures.learners)
    columns[1].metric(
        texts.t("fig_not_ready", language),
        _share(figures.shares.not_ready_share),
        help=texts.t("fig_not_ready_def", language),
    )
    columns[2].metric(
        texts.t("fig_repeated", language),
        _share(figures.shares.mastered_share),
        help=texts.t("fig_repeated_def", language),
    )
    columns[3].metric(
        texts.t("fig_quiet", language), figures.quiet, help=texts.t("fig_quiet_def", language)
    )
    columns = st.columns(4)
    columns[0].metric(texts.t("fig_evidence", language), figures.shares.total)
    columns[1].metric(
        texts.t("fig_stuck", language),
        len(figures.stuck.learners),
        help=texts.t("fig_stuck_def", language),
    )
    columns[2].metric(
        texts.t("fig_time", language),
        _number(figures.time_to_proficiency.median if figures.time_to_proficiency else None),
        help=texts.t("fig_time_def", language),
    )
    columns[3].metric(
        texts.t("fig_pace", language), _number(figures.pace), help=texts.t("fig_pace_def", language)
    )
    details = [
        _stuck_days(figures, texts, language),
        _time(figures.time_to_proficiency, texts, language),
    ]
    st.caption(" · ".join(d for d in details if d))


def _class_rows(found: SchoolFigures, texts: UiTexts, language: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for item in found.classes:
        f = item.figures
        rows.append(
            {
                texts.t("class", language): f"{item.class_id}: {item.name}",
                texts.t("fig_learners", language): f.learners,
                texts.t("fig_evidence", language): f.shares.total,
                texts.t("fig_not_ready", language): _share(f.shares.not_ready_share),
                texts.t("fig_repeated", language): _share(f.shares.mastered_share),
                texts.t("fig_quiet", language): f.quiet,
                texts.t("fig_stuck", language): len(f.stuck.learners),
                texts.t("fig_time", language): _time(f.time_to_proficiency, texts, language),
                texts.t("fig_pace", language): _number(f.pace),
            }
        )
    return rows


def _per_competency(found: SchoolFigures, texts: UiTexts, language: str) -> None:
    if not found.competencies:
        return
    with st.expander(texts.t("per_competency", language)):
        rows = [
            {
                "competency": f"{c.code} {c.title}",
                "n": c.spread.count,
                "median": c.spread.median,
                "q1": c.spread.q1,
                "q3": c.spread.q3,
            }
            for c in found.competencies
        ]
        capped_table(rows, "leader_all_competencies", texts, language)


def _class_learners(found: SchoolFigures, period: Period, texts: UiTexts, language: str) -> None:
    st.subheader(texts.t("class_learners", language))
    st.caption(texts.t("class_learners_note", language))
    names = {c.class_id: c.name for c in found.classes}
    chosen = st.selectbox(
        texts.t("class", language),
        list(names),
        index=None,
        format_func=lambda key: f"{key}: {names[key]}",
        key="leader_class",
        placeholder=texts.t("open_class", language),
    )
    if chosen is None:
        return
    who = state.account()
    assert who is not None
    drill = resources.get_assistant().leaders.class_learners(who.viewer, str(chosen), period)
    st.dataframe(table(_learner_rows(drill, texts, language)), hide_index=True, width="stretch")


def _learner_rows(drill: ClassLearners, texts: UiTexts, language: str) -> list[dict[str, object]]:
    return [
        {
            texts.t("learner", language): row.name,
            texts.t("learner_evidence", language): row.evidence,
            texts.t("fig_not_ready", language): row.not_ready,
            texts.t("fig_repeated", language): row.mastered,
            texts.t("learner_days_since", language): row.days_since_evidence,
            texts.t("learner_stuck_on", language): ", ".join(
                f"{code} ({days})" for code, days in row.stuck_on
            ),
            texts.t("learner_reached", language): row.reached,
        }
        for row in drill.rows
    ]


def _share(value: float | None) -> str:
    return "–" if value is None else f"{round(100 * value)}%"


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _stuck_days(figures: Figures, texts: UiTexts, language: str) -> str:
    stuck = figures.stuck
    if stuck.median_days is None or stuck.longest_days is None:
        return ""
    label = texts.t("fig_stuck", language)
    days = texts.t(
        "fig_stuck_days", language, median=f"{stuck.median_days:g}", longest=stuck.longest_days
    )
    return f"{label}: {days}"


def _time(found: Spread | None, texts: UiTexts, language: str) -> str:
    if found is None:
        return ""
    return texts.t(
        "fig_time_value",
        language,
        median=f"{found.median:g}",
        q1=f"{found.q1:g}",
        q3=f"{found.q3:g}",
        count=found.count,
    )
