"""The teacher's page: class heat map, stuck competencies, flexible groups, tiers, a learner
drill-down with level changes and their history, and evidence upload (all-or-nothing, errors
per row, a template and a preview first). Learners are named everywhere; a name opens the
learner's tab, a heat-map cell opens that learner's evidence on that competency.

This module draws the class choice and the tabs; each tab is its own module: teacher_heat,
teacher_groups (stuck, groups, tiers), teacher_interventions, teacher_learner, teacher_upload."""

from __future__ import annotations

import streamlit as st

from assistant.app.texts import plain
from ui import resources, state
from ui.views import teacher_heat, teacher_interventions, teacher_learner, teacher_upload
from ui.views.common import wait_for
from ui.views.teacher_groups import groups as _groups
from ui.views.teacher_groups import stuck as _stuck
from ui.views.teacher_groups import tiers as _tiers
from ui.views.teacher_heat import heat_cells, heat_chart, need_order
from ui.views.teacher_upload import evidence_template, preview

__all__ = ["evidence_template", "heat_cells", "heat_chart", "need_order", "page", "preview"]

TABS = ("heat_map", "stuck", "groups", "tiers", "learner", "upload_evidence")


def page() -> None:
    who = state.account()
    assert who is not None and who.role in ("teacher", "admin")
    texts = resources.texts()
    language = state.language()
    if not wait_for("school"):
        return
    assistant = resources.get_assistant()
    classes = assistant.directory.classes_of(who.viewer)
    if not classes:
        st.info(texts.t("no_classes", language))
        return
    names = dict(classes)
    class_id = str(
        st.selectbox(
            texts.t("class", language),
            list(names),
            format_func=lambda key: f"{key}: {names[key]}",
            key=state.CLASS,
        )
    )
    report = assistant.class_reports.for_class(who.viewer, class_id, language=language)
    st.title(plain(f"{class_id}: {names[class_id]}"))
    caption = texts.t(
        "class_caption", language, count=len(report.matrix), day=report.as_of.isoformat()
    )
    framework = assistant.catalog.framework(report.school_class.framework_id or "")
    if framework is not None:  # which framework the class follows, as plain text
        caption = f"{plain(framework.title)} · {caption}"
    st.caption(caption)
    labels = [texts.t(key, language) for key in TABS]
    if st.session_state.get(state.TEACHER_TAB) not in labels:
        st.session_state.pop(state.TEACHER_TAB, None)  # the language changed: start over
    tabs = st.tabs(labels, key=state.TEACHER_TAB, on_change="rerun")
    # Only the open tab is drawn (a name clicked elsewhere opens the learner's tab).
    if tabs[0].open is not False:
        with tabs[0]:
            teacher_heat.heat_map(who, report, texts, language)
    if tabs[1].open is not False:
        with tabs[1]:
            _stuck(report, texts, language)
    if tabs[2].open is not False:
        with tabs[2]:
            _groups(report, texts, language)
            teacher_interventions.section(who, report, texts, language)
    if tabs[3].open is not False:
        with tabs[3]:
            _tiers(report, texts, language)
    if tabs[4].open is not False:
        with tabs[4]:
            teacher_learner.learner(who, report, texts, language)
    if tabs[5].open is not False:
        with tabs[5]:
            teacher_upload.upload(who, report, texts, language)
