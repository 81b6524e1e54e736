"""The leader page's equity section: the responsiveness figures by learner attribute group,
small groups hidden, each gap with its 90% interval and how it was worked out. Only the leader
page (leaders and admins) calls it; the service refuses anyone else and audits each view."""

from __future__ import annotations

import streamlit as st

from assistant.app.texts import UiTexts
from assistant.leaders.equity import (
    COMPLEMENTARY,
    FIGURES,
    NOT_RECORDED,
    AttributeEquity,
    EquityFigures,
    EquityGroup,
    GroupFigure,
)
from assistant.leaders.period import Period
from ui import resources, state
from ui.views.common import table

SHARES = frozenset({"not_ready", "repeated", "quiet", "stuck"})
TITLES = {"quiet": "equity_quiet", "stuck": "equity_stuck"}  # the others: the page's fig_*


def section(period: Period, texts: UiTexts, language: str) -> None:
    """The equity section for `period` (the leader page calls it after the school's figures)."""
    who = state.account()
    assert who is not None
    found = resources.get_assistant().leaders.equity(who.viewer, period)
    st.subheader(texts.t("equity_title", language))
    st.caption(texts.t("equity_intro", language))
    if not found.attributes:
        st.info(texts.t("equity_none", language))
        return
    for attribute in found.attributes:
        st.markdown(f"**{attribute_name(attribute.attribute, texts, language)}**")
        st.dataframe(
            table(group_rows(attribute, found.minimum, texts, language)),
            hide_index=True,
            width="stretch",
        )
    st.markdown(f"**{texts.t('equity_definitions', language)}**")
    st.markdown("\n".join(f"- {line}" for line in definitions(found, texts, language)))


def freshness(texts: UiTexts, language: str) -> None:
    """When the figures shown were precomputed (nothing when computed just now)."""
    found = resources.get_assistant().leaders.freshness()
    if not found.precomputed or found.computed_at is None:
        return
    at = found.computed_at.strftime("%Y-%m-%d %H:%M")
    if found.stale:
        st.caption(texts.t("figures_stale", language, at=at))
    else:
        stored = resources.get_assistant().leaders.cache.stored()
        seconds = f"{stored.seconds:.1f}" if stored is not None else "–"
        st.caption(texts.t("figures_precomputed", language, at=at, seconds=seconds))


def attribute_name(name: str, texts: UiTexts, language: str) -> str:
    if name.startswith("group_"):
        return texts.t("equity_attr_group", language, name=name.removeprefix("group_"))
    return texts.t(f"equity_attr_{name}", language)


def figure_title(figure: str, texts: UiTexts, language: str) -> str:
    return texts.t(TITLES.get(figure, f"fig_{figure}"), language)


def group_rows(
    attribute: AttributeEquity, minimum: int, texts: UiTexts, language: str
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for group in attribute.groups:
        row: dict[str, object] = {
            texts.t("equity_group", language): group_name(group.value, texts, language),
            texts.t("equity_learners", language): learners(group, minimum, texts, language),
        }
        for item in group.figures or ():
            row[figure_title(item.figure, texts, language)] = cell(item, texts, language)
        if not group.figures:
            for figure in FIGURES:
                row[figure_title(figure, texts, language)] = "–"
        flagged = [
            figure_title(f.figure, texts, language)
            for f in group.figures
            if f.gap is not None and f.gap.flagged
        ]
        row[texts.t("equity_flagged", language)] = ", ".join(
            texts.t("equity_worse", language, figure=name) for name in flagged
        )
        rows.append(row)
    return rows


def group_name(value: str, texts: UiTexts, language: str) -> str:
    if value == NOT_RECORDED:
        return texts.t("equity_not_recorded", language)
    if value in ("yes", "no"):
        return texts.t(f"equity_{value}", language)
    return value


def learners(group: EquityGroup, minimum: int, texts: UiTexts, language: str) -> str:
    if group.learners is not None:
        return str(group.learners)
    if group.hidden == COMPLEMENTARY:
        return texts.t("equity_hidden", language)
    return texts.t("equity_small", language, minimum=minimum)


def cell(item: GroupFigure, texts: UiTexts, language: str) -> str:
    value = number(item.value, item.figure)
    if item.gap is None:
        return value
    interval = item.gap.interval
    return texts.t(
        "equity_gap",
        language,
        value=value,
        gap=number(interval.estimate, item.figure, signed=True),
        low=number(interval.low, item.figure, signed=True),
        high=number(interval.high, item.figure, signed=True),
    )


def number(value: float | None, figure: str, *, signed: bool = False) -> str:
    """A share in per cent (a gap in percentage points), a median in its unit; a gap signed."""
    if value is None:
        return "–"
    if figure in SHARES:
        return f"{100 * value:+.0f} pt" if signed else f"{100 * value:.0f}%"
    return f"{value:+.1f}" if signed else f"{value:.1f}"


def definitions(found: EquityFigures, texts: UiTexts, language: str) -> list[str]:
    lines = []
    for figure in FIGURES:
        key = TITLES.get(figure, f"fig_{figure}")
        lines.append(f"**{texts.t(key, language)}**: {texts.t(f'{key}_def', language)}")
    lines += [
        texts.t("equity_method_wilson", language),
        texts.t("equity_method_bootstrap", language, resamples=found.resamples, seed=found.seed),
        texts.t("equity_method_flag", language),
        texts.t("equity_method_suppression", language, minimum=found.minimum),
    ]
    return lines
