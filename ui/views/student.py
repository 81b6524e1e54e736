"""The student's page: my next steps (plain first, details on demand), my skills by area, my
levels over time, my path through each area, a printable report and my credentials."""

from __future__ import annotations

import streamlit as st

from assistant.app.texts import plain
from ui import resources, state
from ui.views import progress_parts as parts
from ui.views.common import wait_for


def page() -> None:
    who = state.account()
    assert who is not None and who.role == "student"
    texts = resources.texts()
    language = state.language()
    if not wait_for("school"):
        return
    if not who.learner_ids:
        st.info(texts.t("no_learners", language))
        return
    progress = resources.get_assistant().progress.for_learner(
        who.viewer, who.learner_ids[0], language=language
    )
    st.title(texts.t("my_progress", language))
    st.caption(" · ".join(plain(title) for title in progress.frameworks))
    parts.status_counts(progress, texts, language)
    steps, domains, time, path = st.tabs(
        [
            texts.t("next_steps", language),
            texts.t("by_domain", language),
            texts.t("over_time", language),
            texts.t("path", language),
        ]
    )
    with steps:
        parts.next_steps(progress, texts, language, own=True)
    with domains:
        parts.by_domain(progress, texts, language)
    with time:
        parts.over_time(progress, texts, language, key="student_history")
    with path:
        parts.learning_path(progress, texts, language)
    parts.report_button(progress, texts, language, own=True, key="student_report")
    with st.expander(texts.t("credentials", language)):
        parts.credentials(who.viewer, who.learner_ids[0], texts, language, key="student_badge")
