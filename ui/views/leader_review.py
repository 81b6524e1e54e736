"""The leader page's "what worked" table (every course's recorded groups and interventions) and
the quality review pack: the period's indicators as PDF and CSV, with room for notes. The pack
holds the equity figures (a leader's or an admin's page only). The what-worked results are
precomputed with the school's figures; the pack is built only when asked for, then kept for the
session while the data behind it is unchanged (its key holds the figures' stamp)."""

from __future__ import annotations

import streamlit as st

from assistant.app.texts import UiTexts
from assistant.leaders.equity import EquityFigures
from assistant.leaders.period import Period
from assistant.leaders.review_pack import Words, build_pack, pack_csv, pack_pdf, result_text
from assistant.leaders.school import SchoolFigures
from assistant.leaders.teams import TeamResults
from assistant.learners.access import Viewer
from ui import resources, state
from ui.views.leader_tables import capped_table

PACK = "leader_review_pack"  # session key: (what it was built from, PDF, CSV)


def section(found: SchoolFigures, period: Period, texts: UiTexts, language: str) -> None:
    who = state.account()
    assert who is not None
    assistant = resources.get_assistant()
    teams = assistant.leaders.teams(who.viewer, period)
    words = _words(texts, language)
    st.subheader(texts.t("ww_title", language))
    st.caption(texts.t("ww_intro", language))
    rows = what_worked_table(teams, words)
    if rows:
        capped_table(rows, "ww_all", texts, language)
    else:
        st.caption(texts.t("ww_none", language))
    st.subheader(texts.t("pack_heading", language))
    st.caption(texts.t("pack_caption", language))
    stem = f"review-pack-{period.start.isoformat()}-{period.end.isoformat()}"
    key = f"{stem}:{language}:{who.viewer.user_id}:{assistant.leaders.stamp(period)}"
    built = st.session_state.get(PACK)
    if not isinstance(built, tuple) or built[0] != key:
        if not st.button(texts.t("pack_build", language), key="pack_build"):
            return
        pack = build_pack(words, found, teams, _equity(who.viewer, period))
        built = (key, pack_pdf(pack, words), pack_csv(pack, words))
        st.session_state[PACK] = built
    left, right = st.columns(2)
    left.download_button(
        texts.t("pack_download_pdf", language),
        built[1],
        file_name=f"{stem}.pdf",
        mime="application/pdf",
        key="pack_pdf",
    )
    right.download_button(
        texts.t("pack_download_csv", language),
        built[2],
        file_name=f"{stem}.csv",
        mime="text/csv",
        key="pack_csv",
    )


def what_worked_table(teams: TeamResults, words: Words) -> list[dict[str, object]]:
    """One row per sticking point and activity, then the comparison group's row (table cells
    are text, not Markdown: nothing in them is rendered)."""
    rows: list[dict[str, object]] = []
    for point in teams.points:
        label = point.code
        for done in point.activities:
            rows.append(
                {
                    words("ww_competency"): label,
                    words("ww_activity"): done.activity
                    + (" ★" if done.activity == point.go_to else ""),
                    words("ww_classes"): ", ".join(done.classes),
                    words("ww_title"): result_text(words, done.result),
                }
            )
        rows.append(
            {
                words("ww_competency"): label,
                words("ww_activity"): words("ww_comparison"),
                words("ww_classes"): "",
                words("ww_title"): result_text(words, point.comparison),
            }
        )
    return rows


def _equity(viewer: Viewer, period: Period) -> EquityFigures | None:
    """The equity figures for the pack: only a leader's or an admin's (the page's roles)."""
    if viewer.role not in ("leader", "admin"):
        return None
    return resources.get_assistant().leaders.equity(viewer, period)


def _words(texts: UiTexts, language: str) -> Words:
    def words(key: str, **values: object) -> str:
        return texts.t(key, language, **values)

    return words
