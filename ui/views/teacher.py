"""The teacher's page: class heat map, stuck competencies, flexible groups, tiers, a learner
drill-down with level overrides, and evidence upload (all-or-nothing, errors per row)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from assistant.app.identity import Account
from assistant.app.texts import UiTexts, plain
from assistant.app.uploads import import_evidence_upload, safe_file_name
from assistant.csv_safety import csv_text
from assistant.errors import CsvImportError, WaypointError
from assistant.recommend.class_report import ClassReport
from ui import resources, state
from ui.views import progress_parts as parts
from ui.views.common import table, wait_for


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
    report = assistant.class_reports.for_class(who.viewer, class_id)
    st.title(plain(f"{class_id}: {names[class_id]}"))
    st.caption(
        f"{len(report.matrix)} learners · as of {report.as_of.isoformat()} · {plain(report.model)}"
    )
    tabs = st.tabs(
        [
            texts.t("heat_map", language),
            texts.t("stuck", language),
            texts.t("groups", language),
            texts.t("tiers", language),
            texts.t("learner", language),
            texts.t("upload_evidence", language),
        ]
    )
    with tabs[0]:
        _heat_map(report, texts, language)
    with tabs[1]:
        _stuck(report)
    with tabs[2]:
        _groups(report)
    with tabs[3]:
        _tiers(report)
    with tabs[4]:
        _learner(who, report, texts, language)
    with tabs[5]:
        _upload(who, texts, language)


def matrix_frame(report: ClassReport) -> pd.DataFrame:
    rows = []
    for row in report.matrix:
        for code, level in zip(report.competencies, row.levels, strict=True):
            rows.append({"learner": row.name, "competency": code, "level": level})
    return pd.DataFrame(rows)


def _heat_map(report: ClassReport, texts: UiTexts, language: str) -> None:
    frame = matrix_frame(report)
    if frame.empty:
        st.caption(texts.t("no_evidence", language))
        return
    chart = (
        alt.Chart(frame)
        .mark_rect()
        .encode(
            x=alt.X("competency:N", sort=list(report.competencies), title=None),
            y=alt.Y("learner:N", sort=[r.name for r in report.matrix], title=None),
            color=alt.Color(
                "level:Q", scale=alt.Scale(scheme="blues", domain=[0, 4]), title="level"
            ),
            tooltip=["learner:N", "competency:N", "level:Q"],
        )
    )
    st.altair_chart(chart, width="stretch")
    header = ["learner", *report.competencies]
    body = [
        [row.name, *("" if level is None else f"{level:g}" for level in row.levels)]
        for row in report.matrix
    ]
    st.download_button(
        texts.t("download_csv", language),
        csv_text(body, header),
        file_name=f"{report.school_class.id}-levels.csv",
        mime="text/csv",
    )


def _stuck(report: ClassReport) -> None:
    if not report.stuck:
        st.caption("No competency has several learners stuck on it.")
    for item in report.stuck:
        with st.container(border=True):
            flag = " · reteach to the class" if item.reteach else ""
            share = f"{len(item.learners)} of {item.total}{flag}"
            st.markdown(f"**{plain(item.code)} {plain(item.title)}**: {share}")
            st.markdown(plain(item.note))
            st.caption(", ".join(plain(name) for name in item.learners))


def _groups(report: ClassReport) -> None:
    if not report.groups and not report.conferences:
        st.caption("No flexible groups suggested now.")
    for group in report.groups:
        with st.container(border=True):
            part = f" (group {group.part} of {group.parts})" if group.parts > 1 else ""
            st.markdown(f"**{plain(group.focus)} {plain(group.focus_title)}**{part}")
            st.markdown(plain(group.reason))
            st.markdown("Members: " + ", ".join(plain(m.name) for m in group.members))
            if group.activity is not None:
                st.markdown(
                    f"Activity: {plain(group.activity.guide)} › {plain(group.activity.section)}"
                )
                if group.activity.exit_check:
                    st.caption(f"Exit check: {plain(group.activity.exit_check)}")
            if group.resources:
                st.caption("Practice: " + "; ".join(plain(r.title) for r in group.resources))
            st.caption(f"Review by {group.review_by.isoformat()}")
    for conference in report.conferences:
        with st.container(border=True):
            st.markdown(f"**Conference: {plain(conference.name)}** on {plain(conference.focus)}")
            st.markdown(plain(conference.reason))


def _tiers(report: ClassReport) -> None:
    rows = [
        {"learner": t.name, "tier": t.tier, "why": " ".join(t.reasons), "decision": t.decision}
        for t in report.tiers
    ]
    st.dataframe(table(rows), hide_index=True, width="stretch")


def _learner(who: Account, report: ClassReport, texts: UiTexts, language: str) -> None:
    names = {row.learner_id: row.name for row in report.matrix}
    if not names:
        return
    learner_id = str(
        st.selectbox(
            texts.t("learner", language),
            list(names),
            format_func=lambda key: names[key],
            key="teacher_learner",
        )
    )
    assistant = resources.get_assistant()
    progress = assistant.progress.for_learner(who.viewer, learner_id)
    parts.status_counts(progress, texts, language)
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{texts.t('next_steps', language)}**")
        parts.next_steps(progress, texts, language)
    with right:
        parts.over_time(progress, texts, language, key=f"teacher_history_{learner_id}")
        parts.by_domain(progress, texts, language)
    st.subheader(texts.t("override", language))
    with st.form(f"override_{learner_id}", clear_on_submit=True):
        codes = [item.code for item in progress.competencies]
        code = st.selectbox("Competency", codes, key="override_code")
        levels = [lv.score for lv in progress.scale]
        level = st.selectbox(texts.t("level", language), levels, key="override_level")
        reason = st.text_area(texts.t("override_reason", language), key="override_reason")
        if st.form_submit_button(texts.t("override_save", language)):
            try:
                assistant.overrides.record(
                    who.viewer, learner_id, str(code), float(level), str(reason)
                )
            except WaypointError as exc:
                st.error(plain(str(exc)))
            else:
                st.success(
                    texts.t(
                        "override_saved",
                        language,
                        code=plain(str(code)),
                        level=level,
                        name=plain(names[learner_id]),
                    )
                )


def _upload(who: Account, texts: UiTexts, language: str) -> None:
    assistant = resources.get_assistant()
    upload = st.file_uploader(texts.t("evidence_file", language), type=["csv"], key="evidence")
    if upload is None or not st.button(texts.t("import", language), key="import_evidence"):
        return
    try:
        report = import_evidence_upload(
            assistant.evidence_importer,
            who.viewer,
            upload.name,
            upload.getvalue(),
            limit=assistant.settings.max_upload_bytes,
        )
    except CsvImportError as exc:
        st.error(
            texts.t(
                "import_refused",
                language,
                path=plain(safe_file_name(upload.name, "evidence.csv")),
            )
        )
        st.dataframe(
            table([{"line": p.line, "problem": p.reason} for p in exc.problems]),
            hide_index=True,
            width="stretch",
        )
    except WaypointError as exc:
        st.error(plain(str(exc)))
    else:
        st.success(
            texts.t(
                "imported",
                language,
                path=plain(str(report.path)),
                added=report.added,
                unchanged=report.unchanged,
            )
        )
