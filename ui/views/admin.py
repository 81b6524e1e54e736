"""The admin's knowledge page: what is indexed (per file, by type, by audience), add a
framework or guide and index it in one step, remove an upload and re-index in one step."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from assistant.app.knowledge_admin import IndexedFile, IndexStats, KnowledgeAdmin
from assistant.app.texts import UiTexts, plain
from assistant.errors import WaypointError
from assistant.ingest.report import IngestReport
from assistant.types import AUDIENCES
from ui import resources, state
from ui.views.common import megabytes, table, wait_for

UPLOADS = "knowledge_uploads"  # a counter: a new (empty) upload box after each addition
SUFFIXES = ["json", "md", "txt", "html", "htm", "pdf", "docx"]
DEFAULT_AUDIENCE = "all"  # a new guide is for everyone unless the admin says otherwise


def page() -> None:
    who = state.account()
    assert who is not None and who.role == "admin"
    texts = resources.texts()
    language = state.language()
    st.title(texts.t("knowledge", language))
    if not wait_for("ready"):
        return
    admin = resources.get_assistant().knowledge_admin
    notice = state.take(state.NOTICE)
    if notice:
        st.success(notice)
    _add(admin, texts, language)
    files = admin.files()
    _files(admin, files, texts, language)
    _stats(admin.stats(), texts, language)


def _add(admin: KnowledgeAdmin, texts: UiTexts, language: str) -> None:
    st.subheader(texts.t("upload_knowledge", language))
    limit = admin.max_file_bytes
    st.caption(texts.t("knowledge_limits", language, mb=megabytes(limit)))
    generation = int(state.get(UPLOADS, 0))
    upload = st.file_uploader(
        texts.t("upload_knowledge", language),
        type=SUFFIXES,
        key=f"knowledge_upload_{generation}" if generation else "knowledge_upload",
        label_visibility="collapsed",
        max_upload_size=megabytes(limit),
    )
    audience = st.selectbox(
        texts.t("audience", language),
        AUDIENCES,
        index=AUDIENCES.index(DEFAULT_AUDIENCE),
        format_func=lambda key: texts.t(f"audience_{key}", language),
        key="knowledge_audience",
        help=texts.t("audience_help", language),
    )
    if upload is None or not st.button(
        texts.t("upload", language), key="knowledge_add", type="primary"
    ):
        return
    try:
        kept = admin.add(upload.name, upload.getvalue(), audience=str(audience))
        report = admin.reindex(progress=_progress_bar(texts, language))
    except WaypointError as exc:
        st.error(plain(str(exc)))
        return
    added = texts.t("uploaded", language, path=plain(kept.name))
    state.put(state.NOTICE, f"{added} {_indexed(report, texts, language)}")
    state.put(UPLOADS, generation + 1)  # the box is empty again
    st.rerun()  # the list and the statistics below include the new file


def _files(admin: KnowledgeAdmin, files: list[IndexedFile], texts: UiTexts, language: str) -> None:
    st.subheader(texts.t("files", language))
    origin = {True: texts.t("origin_upload", language), False: texts.t("origin_bundled", language)}
    st.dataframe(
        table(
            [
                {
                    texts.t("col_file", language): f.path,
                    texts.t("col_origin", language): origin[f.uploaded],
                    texts.t("col_type", language): f.doc_type,
                    texts.t("audience", language): (
                        texts.t(f"audience_{f.audience}", language) if f.audience else "–"
                    ),
                    texts.t("col_passages", language): f.passages,
                    texts.t("col_changed", language): f.changed.isoformat() if f.changed else "",
                }
                for f in files
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    uploads = [f.path for f in files if f.uploaded]
    if not uploads:
        st.caption(texts.t("no_uploads", language))
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox(
        texts.t("remove_upload", language),
        uploads,
        index=None,
        key="knowledge_remove",
        placeholder=texts.t("choose_upload", language),
        disabled=not uploads,
    )
    if right.button(
        texts.t("remove", language),
        key="knowledge_remove_button",
        icon=":material/delete:",
        disabled=chosen is None,
    ):
        try:
            report = admin.remove(str(chosen), progress=_progress_bar(texts, language))
        except WaypointError as exc:
            st.error(plain(str(exc)))
            return
        removed = texts.t("removed", language, path=plain(str(chosen)))
        state.put(state.NOTICE, f"{removed} {_indexed(report, texts, language)}")
        st.rerun()
    if st.button(texts.t("reindex", language), key="reindex", icon=":material/refresh:"):
        try:
            report = admin.reindex(progress=_progress_bar(texts, language))
        except WaypointError as exc:
            st.error(plain(str(exc)))
        else:
            state.put(state.NOTICE, _indexed(report, texts, language))
            st.rerun()  # the statistics below are shown again with the new index


def _stats(stats: IndexStats, texts: UiTexts, language: str) -> None:
    """Figures by what passages are and by whom they are for, in separate tables."""
    st.subheader(texts.t("index_stats", language))
    columns = st.columns(4)
    columns[0].metric(texts.t("stat_files", language), stats.files)
    columns[1].metric(texts.t("stat_passages", language), stats.chunks)
    columns[2].metric(texts.t("stat_frameworks", language), len(stats.frameworks))
    columns[3].metric(texts.t("stat_uploads", language), len(stats.uploads))
    by_type, by_audience = st.columns(2)
    passages = texts.t("col_passages", language)
    by_type.dataframe(
        table([{texts.t("col_type", language): k, passages: v} for k, v in stats.by_type.items()]),
        hide_index=True,
        width="stretch",
    )
    by_audience.dataframe(
        table(
            [
                {texts.t("audience", language): texts.t(f"audience_{k}", language), passages: v}
                for k, v in stats.by_audience.items()
                if k in AUDIENCES
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.dataframe(
        table(
            [
                {
                    texts.t("col_framework", language): fw["title"],
                    texts.t("col_items", language): fw.get("items"),
                    texts.t("prerequisites", language): fw.get("prerequisite_edges"),
                }
                for fw in stats.frameworks
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={
            texts.t("col_framework", language): st.column_config.TextColumn(width="large")
        },
    )


def _progress_bar(texts: UiTexts, language: str) -> Callable[[int, int], None]:
    bar = st.progress(0.0, text=texts.t("reindexing", language))

    def moved(done: int, total: int) -> None:
        bar.progress(min(1.0, done / total) if total else 1.0, text=f"{done}/{total}")

    return moved


def _indexed(report: IngestReport, texts: UiTexts, language: str) -> str:
    message = texts.t(
        "reindexed",
        language,
        added=report.chunks_added,
        removed=report.chunks_removed,
        unchanged=report.chunks_unchanged,
        seconds=report.seconds,
    )
    return message + "".join(f"\n- {plain(problem)}" for problem in report.problems)
