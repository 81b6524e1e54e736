"""Rendering of a learner's progress, shared by the student, parent and teacher pages."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from assistant.app.progress import STATUSES, LearnerProgress
from assistant.app.texts import UiTexts, plain
from assistant.learners.access import Viewer
from ui import resources
from ui.views.common import STATUS_ICONS, step_card, table

MAP_COLOURS = {"mastered": "#7fc97f", "working": "#80b1d3", "ready": "#fdd76b", "locked": "#d9d9d9"}


def status_counts(progress: LearnerProgress, texts: UiTexts, language: str) -> None:
    counts = progress.counts()
    for column, status in zip(st.columns(len(STATUSES)), STATUSES, strict=True):
        column.metric(f"{STATUS_ICONS[status]} {texts.t(status, language)}", counts[status])


def by_domain(progress: LearnerProgress, texts: UiTexts, language: str) -> None:
    for domain, items in progress.by_domain().items():
        mastered = sum(1 for item in items if item.status == "mastered")
        with st.expander(f"{plain(domain)} ({mastered}/{len(items)})"):
            rows = [
                {
                    "": STATUS_ICONS[item.status],
                    "code": item.code,
                    "competency": item.title,
                    texts.t("level", language): (
                        f"{item.level:g} {texts.level_name(item.label, language)}"
                        if item.level is not None
                        else "–"
                    ),
                    "status": texts.t(item.status, language),
                }
                for item in items
            ]
            st.dataframe(table(rows), hide_index=True, width="stretch")


def over_time(progress: LearnerProgress, texts: UiTexts, language: str, key: str) -> None:
    if not progress.history:
        st.caption(texts.t("no_evidence", language))
        return
    frame = pd.DataFrame(
        [{"day": p.day.isoformat(), "code": p.code, "level": p.level} for p in progress.history]
    )
    codes = list(dict.fromkeys(reversed(frame["code"].tolist())))
    chosen = st.multiselect(
        texts.t("choose_competencies", language), codes, default=codes[:5], key=key
    )
    shown = frame[frame["code"].isin(chosen)]
    top = max((lv.score for lv in progress.scale), default=4.0)
    chart = (
        alt.Chart(shown)
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("level:Q", scale=alt.Scale(domain=[0, top]), title=texts.t("level", language)),
            color=alt.Color("code:N", title=None),
            tooltip=["day:T", "code:N", "level:Q"],
        )
    )
    st.altair_chart(chart, width="stretch")


def framework_map(progress: LearnerProgress, texts: UiTexts, language: str) -> None:
    """The prerequisite graph of the learner's competencies, coloured by status."""
    st.caption(texts.t("map_caption", language))
    known = {item.code for item in progress.competencies}
    lines = ["digraph {", "rankdir=LR;", 'node [shape=box style="rounded,filled" fontsize=10];']
    for item in progress.competencies:
        lines.append(
            f'"{_dot(item.code)}" [fillcolor="{MAP_COLOURS[item.status]}" '
            f'tooltip="{_dot(item.title)}"];'
        )
        for before in item.prerequisites:
            if before in known:
                lines.append(f'"{_dot(before)}" -> "{_dot(item.code)}";')
    lines.append("}")
    st.graphviz_chart("\n".join(lines), width="stretch")


def next_steps(progress: LearnerProgress, texts: UiTexts, language: str) -> None:
    steps = progress.next_steps.steps
    if not steps:
        st.caption(texts.t("no_steps", language))
    for step in steps:
        step_card(step.as_json(), texts, language)


def _dot(text: str) -> str:
    """A quoted Graphviz string (not Markdown): backslashes, quotes and line breaks escaped."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def credentials(viewer: Viewer, learner_id: str, texts: UiTexts, language: str, key: str) -> None:
    """The learner's standing credentials, each with a button that downloads the signed file."""
    held = resources.get_assistant().credentials.for_learner(viewer, learner_id)
    st.caption(texts.t("credentials_intro", language))
    if not held:
        st.caption(texts.t("no_credentials", language))
    for record in held:
        name, button = st.columns([4, 1], vertical_alignment="center")
        name.markdown(
            f"🏅 {plain(f'{record.competency_code} {record.title}')} · {record.issued_at:%Y-%m-%d}"
        )
        button.download_button(
            texts.t("download", language),
            data=record.document,
            file_name=f"{record.competency_code or 'credential'}.credential.json",
            mime="application/json",
            key=f"{key}_{record.status_index}",
        )
