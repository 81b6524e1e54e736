"""The teacher page's heat map: learners by competency, each cell coloured by its level's name
and saying its level, most need first; a click on a cell (or the two choices below it, for a
keyboard or a screen reader) opens that learner's evidence on that competency."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import pandas as pd
import streamlit as st

from assistant.app.identity import Account
from assistant.app.texts import UiTexts
from assistant.csv_safety import csv_text
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.frameworks.model import ProficiencyLevel
from assistant.recommend.class_report import ClassReport
from ui import resources
from ui.views.teacher_evidence import code_title, evidence

# Four colours for the four levels, dark-light-light-dark (orange below the mastery line,
# purple at and above it: told apart without colour vision too), with the text colour that
# keeps a 4.5:1 contrast on each; "no evidence" is light grey with a dash in the cell.
LEVEL_COLOURS = ("#b35806", "#fdb863", "#b2abd2", "#542788")
TEXT_COLOURS = ("#ffffff", "#000000", "#000000", "#ffffff")
EMPTY_COLOUR = "#ececec"
EMPTY_INK = "#505050"
INK = "#31333f"  # axis labels as dark as the page's text
HEAT = "teacher_heat"
HEAT_LEARNER = "heat_learner"
HEAT_CODE = "heat_code"
SORT = "heat_sort"


@dataclass(frozen=True)
class Cell:
    learner_id: str
    learner: str
    code: str
    title: str
    level: float | None
    band: str  # the level's name in the reader's language, or "no evidence"
    shown: str  # what the cell says: "3", "2.5", "–"


def need_order(report: ClassReport) -> list[str]:
    """Learner ids, most need first: most competencies below proficient (with evidence), then
    the lowest mean level, then by name."""

    def need(row_index: int) -> tuple[int, float, str]:
        row = report.matrix[row_index]
        seen = [lv for lv in row.levels if lv is not None]
        below = sum(
            1
            for level, proficient in zip(row.levels, row.proficient, strict=True)
            if level is not None and not proficient
        )
        mean = sum(seen) / len(seen) if seen else float("inf")
        return (-below, mean, row.name.casefold())

    ordered = sorted(range(len(report.matrix)), key=need)
    return [report.matrix[i].learner_id for i in ordered]


def band(scale: Sequence[ProficiencyLevel], level: float) -> int:
    """The index of the scale level a (possibly fractional) level falls in."""
    index = 0
    for position, step in enumerate(scale):
        if level + 1e-9 >= step.score:
            index = position
    return index


def heat_cells(
    report: ClassReport, catalog: FrameworkCatalog, texts: UiTexts, language: str
) -> list[Cell]:
    cells: list[Cell] = []
    for row in report.matrix:
        for code, level in zip(report.competencies, row.levels, strict=True):
            entry = catalog.lookup(code)
            title = entry.title if entry else ""
            if level is None:
                cells.append(
                    Cell(row.learner_id, row.name, code, title, None, _empty(texts, language), "–")
                )
                continue
            scale = catalog.scale(entry.identifier).levels if entry else ()
            name = texts.level_name(scale[band(scale, level)].label, language) if scale else ""
            cells.append(
                Cell(row.learner_id, row.name, code, title, level, name, f"{round(level, 1):g}")
            )
    return cells


def _empty(texts: UiTexts, language: str) -> str:
    return texts.t("no_evidence_cell", language)


def heat_chart(
    cells: Sequence[Cell],
    order: Sequence[str],
    names: dict[str, str],
    legend: Sequence[str],
    titles: dict[str, str],
) -> alt.LayerChart:
    """Learners by competency: each cell coloured by its level's name and saying its level;
    `legend` is "no evidence" then the level names; `titles` names the tooltip's fields."""
    colours = [EMPTY_COLOUR, *LEVEL_COLOURS][: len(legend)]
    inks = dict(zip(legend, [EMPTY_INK, *TEXT_COLOURS], strict=False))
    frame = pd.DataFrame(
        [{**cell.__dict__, "ink": inks.get(cell.band, "#000000")} for cell in cells]
    )
    rows = [names[i] for i in order]
    pick = alt.selection_point(name="cell", fields=["learner_id", "code"], on="click")
    base = alt.Chart(frame).encode(
        x=alt.X(
            "code:N",
            sort=list(dict.fromkeys(c.code for c in cells)),
            title=None,
            axis=alt.Axis(
                orient="top", labelAngle=-40, labelLimit=160, labelFontSize=12, labelColor=INK
            ),
        ),
        y=alt.Y(
            "learner:N",
            sort=rows,
            title=None,
            axis=alt.Axis(labelFontSize=12, labelColor=INK, labelLimit=220),
        ),
        tooltip=[alt.Tooltip(f"{key}:N", title=titles.get(key, key)) for key in TOOLTIP],
    )
    cells_layer = (
        base.mark_rect(stroke="#767676", strokeWidth=0.5)
        .encode(
            color=alt.Color(
                "band:N",
                scale=alt.Scale(domain=list(legend), range=colours),
                legend=alt.Legend(title=None, orient="bottom", direction="horizontal"),
            ),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.55)),
        )
        .add_params(pick)
    )
    text_layer = base.mark_text(fontSize=12).encode(
        text="shown:N", color=alt.Color("ink:N", scale=None, legend=None)
    )
    return alt.LayerChart(layer=[cells_layer, text_layer], height=max(120, 30 * len(rows)))


TOOLTIP = ("learner", "code", "title", "band", "shown")


def heat_map(who: Account, report: ClassReport, texts: UiTexts, language: str) -> None:
    if not report.matrix or not report.competencies:
        st.caption(texts.t("no_evidence", language))
        return
    assistant = resources.get_assistant()
    catalog = assistant.catalog
    names = {row.learner_id: row.name for row in report.matrix}
    sort = st.segmented_control(
        texts.t("heat_sort", language),
        ["need", "name"],
        default="need",
        format_func=lambda key: texts.t(f"heat_sort_{key}", language),
        key=SORT,
        required=True,
    )
    order = need_order(report) if sort != "name" else sorted(names, key=lambda i: names[i])
    cells = heat_cells(report, catalog, texts, language)
    legend = [_empty(texts, language), *_level_names(report, catalog, texts, language)]
    titles = {
        "learner": texts.t("learner", language),
        "code": texts.t("competency", language),
        "title": texts.t("title", language),
        "band": texts.t("level", language),
        "shown": texts.t("level_value", language),
    }
    st.caption(texts.t("heat_caption", language))
    st.altair_chart(
        heat_chart(cells, order, names, legend, titles),
        width="stretch",
        key=HEAT,
        on_select=_cell_chosen,
        selection_mode="cell",
        alt=texts.t("heat_alt", language),
    )
    _cell_panel(who, report, order, names, texts, language)
    header = [texts.t("learner", language), *report.competencies]
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


def _level_names(
    report: ClassReport, catalog: FrameworkCatalog, texts: UiTexts, language: str
) -> list[str]:
    for code in report.competencies:
        entry = catalog.lookup(code)
        if entry is not None:
            return [
                texts.level_name(lv.label, language)
                for lv in catalog.scale(entry.identifier).levels
            ]
    return []


def _cell_chosen() -> None:
    """A click on a cell opens that learner's evidence on that competency below the map."""
    event = st.session_state.get(HEAT)
    picked = []
    try:
        picked = list(event["selection"]["cell"])  # type: ignore[index]
    except (KeyError, TypeError):
        return
    if picked:
        st.session_state[HEAT_LEARNER] = str(picked[0].get("learner_id", ""))
        st.session_state[HEAT_CODE] = str(picked[0].get("code", ""))


def _cell_panel(
    who: Account,
    report: ClassReport,
    order: Sequence[str],
    names: dict[str, str],
    texts: UiTexts,
    language: str,
) -> None:
    """The same as a click on a cell, for a keyboard or a screen reader: choose both."""
    st.markdown(f"**{texts.t('open_cell', language)}**")
    left, right = st.columns(2)
    for key, options in ((HEAT_LEARNER, list(order)), (HEAT_CODE, list(report.competencies))):
        if st.session_state.get(key) not in options:
            st.session_state.pop(key, None)
    learner_id = left.selectbox(
        texts.t("learner", language),
        list(order),
        index=None,
        format_func=lambda key: names.get(key, key),
        key=HEAT_LEARNER,
        placeholder=texts.t("choose_learner", language),
    )
    code = right.selectbox(
        texts.t("competency", language),
        list(report.competencies),
        index=None,
        format_func=lambda key: code_title(key, texts),
        key=HEAT_CODE,
        placeholder=texts.t("choose_competency", language),
    )
    if learner_id is None or code is None:
        return
    evidence(who, str(learner_id), names[str(learner_id)], str(code), texts, language)
