"""Long tables on the leader pages: the first rows, and a toggle that shows them all (a
district's 360 classes or 500 competencies would otherwise be sent to the browser at every
render)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st

from assistant.app.texts import UiTexts
from ui.views.common import table

ROWS_SHOWN = 50


def capped_table(
    rows: Sequence[Mapping[str, object]], key: str, texts: UiTexts, language: str
) -> None:
    """The rows as a table: the first ROWS_SHOWN, unless the reader asks for all of them."""
    count = len(rows)
    if count > ROWS_SHOWN and not st.toggle(
        texts.t("rows_show_all", language, count=count), key=key
    ):
        st.dataframe(table(rows[:ROWS_SHOWN]), hide_index=True, width="stretch")
        st.caption(texts.t("rows_capped", language, shown=ROWS_SHOWN, count=count))
        return
    st.dataframe(table(rows), hide_index=True, width="stretch")
