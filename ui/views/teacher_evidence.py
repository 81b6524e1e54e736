"""The teacher page's evidence table: one learner's evidence on one competency, read through
the access policy (shared by the heat map and the level-change form)."""

from __future__ import annotations

import streamlit as st

from assistant.app.identity import Account
from assistant.app.learner_record import LearnerRecords
from assistant.app.texts import UiTexts, plain
from ui import resources
from ui.views.common import table


def code_title(code: str, texts: UiTexts) -> str:
    entry = resources.get_assistant().catalog.lookup(code)
    return f"{code} – {entry.title}" if entry else code


def records() -> LearnerRecords:
    assistant = resources.get_assistant()
    return LearnerRecords(assistant.access, assistant.learner_db, assistant.catalog)


def evidence(
    who: Account, learner_id: str, name: str, code: str, texts: UiTexts, language: str
) -> None:
    lines = records().evidence(who.viewer, learner_id, code)
    what = plain(code_title(code, texts))
    st.markdown(f"**{texts.t('evidence_of', language, name=plain(name), what=what)}**")
    if not lines:
        st.caption(texts.t("no_evidence_here", language))
        return
    st.dataframe(
        table(
            [
                {
                    texts.t("col_day", language): line.day.isoformat(),
                    texts.t("level", language): f"{line.level:g}",
                    texts.t("col_score", language): (
                        f"{line.score:g}/{line.max_score:g}"
                        if line.max_score
                        else f"{line.score:g}"
                    ),
                    texts.t("col_kind", language): line.kind,
                    texts.t("col_source", language): line.source,
                    texts.t("col_note", language): line.note,
                }
                for line in lines
            ]
        ),
        hide_index=True,
        width="stretch",
    )
