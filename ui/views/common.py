"""Pieces shared by pages: the start-up status, answers with sources, next-step cards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import streamlit as st

from assistant.app.texts import UiTexts, plain
from assistant.csv_safety import safe_cell
from ui import resources, state

if TYPE_CHECKING:  # the sign-in page renders before the app's heavier modules load
    import pandas as pd

    from assistant.app.bootstrap import Status
    from assistant.chat.types import Answer

STATUS_ICONS = {"mastered": "🟢", "working": "🔵", "ready": "🟡", "locked": "⚪"}


def wait_for(need: str) -> bool:
    """True when what the page needs is ready ('school': the database, 'ready': everything).

    Otherwise shows the progress, refreshing itself until it is ready, and returns False."""
    status = resources.preparation().status
    if _satisfied(status, need):
        return True
    _progress(need)
    return False


def _satisfied(status: Status, need: str) -> bool:
    return status.ready if need == "ready" else status.school_ready


@st.fragment(run_every=2.0)
def _progress(need: str) -> None:
    texts = resources.texts()
    language = state.language()
    status = resources.preparation().status
    if _satisfied(status, need):
        st.rerun(scope="app")
    if status.phase == "failed":
        st.error(texts.t("preparation_failed", language, message=plain(status.message)))
        return
    st.info(texts.t("preparing_note", language))
    label = f"{texts.t('preparing', language)}: {plain(status.message)}"
    if status.total:
        label += f" ({status.done}/{status.total})"
    st.progress(status.fraction if status.total else 0.0, text=label)


def show_answer(answer: Answer, texts: UiTexts, language: str) -> None:
    """The parts of an answer below its text: notice, next-step cards, sources."""
    if answer.notice:
        st.caption(plain(answer.notice))
    if answer.steps:
        with st.expander(f"{texts.t('next_steps', language)} ({len(answer.steps)})"):
            for step in answer.steps:
                step_card(step, texts, language)
    if answer.citations:
        show_sources(answer, texts, language)


def show_sources(answer: Answer, texts: UiTexts, language: str) -> None:
    """Each citation as an expander named by it (title › section) that opens onto the whole
    section it names; expanders are not nested, so they stay usable on a phone."""
    st.caption(f"{texts.t('sources', language)} ({len(answer.citations)})")
    cited = resources.get_assistant().section_texts
    for number, citation in enumerate(answer.citations, 1):
        with st.expander(f"\\[{number}\\] {plain(citation.label)}"):
            text = cited.for_citation(citation, answer.language) or citation.snippet
            if text.strip():
                st.markdown(plain(text, layout=True))
            else:
                st.caption(texts.t("source_missing", language))


def step_card(step: Mapping[str, Any], texts: UiTexts, language: str) -> None:
    with st.container(border=True):
        st.markdown(f"**{plain(str(step.get('code', '')))}: {plain(str(step.get('title', '')))}**")
        if step.get("reason"):
            st.markdown(f"*{texts.t('why', language)}:* {plain(str(step['reason']))}")
        aim = _proficient_aim(step.get("aim") or [])
        if aim:
            st.markdown(f"*{texts.t('aim', language)}:* {plain(aim)}")
        if step.get("tip"):
            st.markdown(f"*{texts.t('tip', language)}:* {plain(str(step['tip']))}")
        prerequisites = step.get("prerequisites") or []
        if prerequisites:
            names = ", ".join(
                f"{p.get('code')} {'✓' if p.get('proficient') else '…'}" for p in prerequisites
            )
            st.caption(f"{texts.t('prerequisites', language)}: {plain(names)}")
        resources_ = step.get("resources") or []
        if resources_:
            st.markdown(
                f"*{texts.t('resources', language)}:* "
                + "; ".join(plain(str(r.get("title", ""))) for r in resources_)
            )


def _proficient_aim(aim: Sequence[Mapping[str, Any]]) -> str:
    """The aims run up to the mastery bar (whatever its name in the reader's language)."""
    return str(aim[-1].get("description", "")) if aim else ""


def level_text(score: float, label: str, texts: UiTexts, language: str) -> str:
    """A level as teachers and parents read it: "3 – Proficient" (the name translated)."""
    name = texts.level_name(label, language) if label else ""
    return f"{score:g} – {name}" if name else f"{score:g}"


def megabytes(limit: int) -> int:
    """A byte limit in whole megabytes, rounded up (the unit upload boxes state)."""
    return max(1, -(-limit // (1024 * 1024)))


def table(rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    """A table to show with st.dataframe, whose toolbar can download it as CSV: text cells
    that a spreadsheet would run as a formula (=, +, -, @, tab, CR) get a leading apostrophe,
    as in every CSV Waypoint writes (assistant/csv_safety.py). Numbers stay numbers."""
    import pandas as pd

    return pd.DataFrame(
        [{key: safe_cell(v) if isinstance(v, str) else v for key, v in r.items()} for r in rows]
    )
