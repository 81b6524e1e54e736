"""The admin's knowledge page: index statistics, add a framework or guide, re-index."""

from __future__ import annotations

import streamlit as st

from assistant.app.texts import plain
from assistant.errors import WaypointError
from assistant.types import AUDIENCES
from ui import resources, state
from ui.views.common import table, wait_for


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
    stats = admin.stats()
    st.subheader(texts.t("index_stats", language))
    columns = st.columns(4)
    columns[0].metric("Files", stats.files)
    columns[1].metric("Passages", stats.chunks)
    columns[2].metric("Frameworks", len(stats.frameworks))
    columns[3].metric("Uploads", len(stats.uploads))
    left, right = st.columns(2)
    left.dataframe(
        table(
            [{"type": key, "passages": value} for key, value in stats.by_type.items()]
            + [
                {"type": f"for {key}", "passages": value}
                for key, value in stats.by_audience.items()
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    right.dataframe(
        table(
            [
                {
                    "framework": fw["title"],
                    "items": fw.get("items"),
                    "prerequisites": fw.get("prerequisite_edges"),
                }
                for fw in stats.frameworks
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.subheader(texts.t("upload_knowledge", language))
    upload = st.file_uploader(
        texts.t("upload_knowledge", language),
        type=["json", "md", "txt", "html", "htm", "pdf", "docx"],
        key="knowledge_upload",
        label_visibility="collapsed",
    )
    audience = st.selectbox(texts.t("audience", language), AUDIENCES, key="knowledge_audience")
    if upload is not None and st.button(texts.t("upload", language), key="knowledge_add"):
        try:
            kept = admin.add(upload.name, upload.getvalue(), audience=str(audience))
        except WaypointError as exc:
            st.error(plain(str(exc)))
        else:
            st.success(texts.t("uploaded", language, path=plain(kept.name)))
    if st.button(texts.t("reindex", language), type="primary", key="reindex"):
        bar = st.progress(0.0, text=texts.t("reindex", language))

        def moved(done: int, total: int) -> None:
            bar.progress(min(1.0, done / total) if total else 1.0, text=f"{done}/{total}")

        try:
            report = admin.reindex(progress=moved)
        except WaypointError as exc:
            st.error(plain(str(exc)))
        else:
            message = texts.t(
                "reindexed",
                language,
                added=report.chunks_added,
                removed=report.chunks_removed,
                unchanged=report.chunks_unchanged,
                seconds=report.seconds,
            )
            problems = "".join(f"\n- {plain(problem)}" for problem in report.problems)
            state.put(state.NOTICE, message + problems)
            st.rerun()  # the statistics above are shown again with the new index
