"""The teacher's page: class heat map, stuck competencies, flexible groups, tiers, a learner
drill-down with level changes and their history, and evidence upload (all-or-nothing, errors
per row, a template and a preview first). Learners are named everywhere; a name opens the
learner's tab, a heat-map cell opens that learner's evidence on that competency."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import pandas as pd
import streamlit as st

from assistant.app.identity import Account
from assistant.app.learner_record import LearnerRecords
from assistant.app.progress import LearnerProgress
from assistant.app.texts import UiTexts, plain
from assistant.app.uploads import import_evidence_upload, safe_file_name
from assistant.csv_safety import csv_text
from assistant.errors import CsvImportError, WaypointError
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.frameworks.model import ProficiencyLevel
from assistant.recommend.class_report import ClassReport, StuckCompetency
from ui import resources, state
from ui.views import progress_parts as parts
from ui.views import teacher_interventions
from ui.views.common import level_text, megabytes, table, wait_for

TABS = ("heat_map", "stuck", "groups", "tiers", "learner", "upload_evidence")
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
OVERRIDE_RESULT = "override_result"
UPLOADS = "evidence_uploads"  # a counter: a new uploader (an empty box) after an import
PREVIEW_ROWS = 5


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
            _heat_map(who, report, texts, language)
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
            _learner(who, report, texts, language)
    if tabs[5].open is not False:
        with tabs[5]:
            _upload(who, report, texts, language)


# heat map ---------------------------------------------------------------------------------
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


def _heat_map(who: Account, report: ClassReport, texts: UiTexts, language: str) -> None:
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
        format_func=lambda key: _code_title(key, texts),
        key=HEAT_CODE,
        placeholder=texts.t("choose_competency", language),
    )
    if learner_id is None or code is None:
        return
    _evidence(who, str(learner_id), names[str(learner_id)], str(code), texts, language)


def _code_title(code: str, texts: UiTexts) -> str:
    entry = resources.get_assistant().catalog.lookup(code)
    return f"{code} – {entry.title}" if entry else code


def _records() -> LearnerRecords:
    assistant = resources.get_assistant()
    return LearnerRecords(assistant.access, assistant.learner_db, assistant.catalog)


def _evidence(
    who: Account, learner_id: str, name: str, code: str, texts: UiTexts, language: str
) -> None:
    lines = _records().evidence(who.viewer, learner_id, code)
    what = plain(_code_title(code, texts))
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


# stuck, groups, tiers ----------------------------------------------------------------------
def _open_learner(learner_id: str, label: str) -> None:
    """A learner's name was clicked: their tab opens on them."""
    st.session_state[state.TEACHER_LEARNER] = learner_id
    st.session_state[state.TEACHER_TAB] = label


def _name_buttons(
    learner_ids: Sequence[str], names: dict[str, str], key: str, texts: UiTexts, language: str
) -> None:
    """Each learner's name as a link-like button that opens the learner's tab."""
    label = texts.t("learner", language)
    columns = st.columns(min(4, max(1, len(learner_ids))))
    for number, learner_id in enumerate(learner_ids):
        columns[number % len(columns)].button(
            plain(names.get(learner_id, learner_id)),
            key=f"{key}_{learner_id}",
            type="tertiary",
            icon=":material/person:",
            help=texts.t("open_learner", language),
            on_click=_open_learner,
            args=(learner_id, label),
        )


def _stuck(report: ClassReport, texts: UiTexts, language: str) -> None:
    names = {row.learner_id: row.name for row in report.matrix}
    if not report.stuck:
        st.caption(texts.t("stuck_none", language))
    for item in report.stuck:
        _stuck_item(item, names, texts, language)


def _stuck_item(
    item: StuckCompetency, names: dict[str, str], texts: UiTexts, language: str
) -> None:
    with st.container(border=True):
        share = texts.t("stuck_share", language, count=len(item.learners), total=item.total)
        flag = f" · {texts.t('reteach', language)}" if item.reteach else ""
        st.markdown(f"**{plain(item.code)} {plain(item.title)}**: {share}{flag}")
        st.markdown(plain(item.note))
        _name_buttons(item.learners, names, f"stuck_{item.code}", texts, language)


def _groups(report: ClassReport, texts: UiTexts, language: str) -> None:
    names = {row.learner_id: row.name for row in report.matrix}
    if not report.groups and not report.conferences:
        st.caption(texts.t("groups_none", language))
    for number, group in enumerate(report.groups):
        with st.container(border=True):
            part = (
                " " + texts.t("group_part", language, part=group.part, parts=group.parts)
                if group.parts > 1
                else ""
            )
            st.markdown(f"**{plain(group.focus)} {plain(group.focus_title)}**{part}")
            st.markdown(plain(group.reason))
            st.markdown(f"*{texts.t('members', language)}:*")
            _name_buttons(
                [m.learner_id for m in group.members], names, f"group_{number}", texts, language
            )
            teacher_interventions.team_pick(group, texts, language)
            if group.activity is not None:
                activity = f"{plain(group.activity.guide)} › {plain(group.activity.section)}"
                st.markdown(f"*{texts.t('activity', language)}:* {activity}")
                if group.activity.exit_check:
                    check = plain(group.activity.exit_check)
                    st.caption(f"{texts.t('exit_check', language)}: {check}")
            if group.resources:
                practice = "; ".join(plain(r.title) for r in group.resources)
                st.caption(f"{texts.t('resources', language)}: {practice}")
            st.caption(texts.t("review_by", language, day=group.review_by.isoformat()))
    for conference in report.conferences:
        with st.container(border=True):
            st.markdown(
                "**"
                + texts.t(
                    "conference",
                    language,
                    name=plain(conference.name),
                    focus=plain(conference.focus),
                )
                + "**"
            )
            st.markdown(plain(conference.reason))


TIER_ORDER = ("intensive", "targeted", "core")


def _tiers(report: ClassReport, texts: UiTexts, language: str) -> None:
    """By tier, most support first; the rule and the decision said once, not on every row."""
    if not report.tiers:
        st.caption(texts.t("no_learners", language))
        return
    st.caption(texts.t("tiers_rule", language))
    decision = report.tiers[0].decision
    if decision:
        st.caption(plain(decision))
    names = {t.learner_id: t.name for t in report.tiers}
    for tier in sorted({t.tier for t in report.tiers}, key=_tier_rank):
        members = [t for t in report.tiers if t.tier == tier]
        st.markdown(f"**{texts.t(f'tier_{tier}', language)}** ({len(members)})")
        for member in sorted(members, key=lambda t: t.name.casefold()):
            with st.container(border=True):
                _name_buttons([member.learner_id], names, f"tier_{tier}", texts, language)
                for reason in member.reasons:
                    st.markdown(f"- {plain(reason)}")


def _tier_rank(tier: str) -> int:
    return TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER)


# one learner -------------------------------------------------------------------------------
def _learner(who: Account, report: ClassReport, texts: UiTexts, language: str) -> None:
    names = {row.learner_id: row.name for row in report.matrix}
    if not names:
        return
    if st.session_state.get(state.TEACHER_LEARNER) not in names:
        st.session_state.pop(state.TEACHER_LEARNER, None)
    learner_id = str(
        st.selectbox(
            texts.t("learner", language),
            list(names),
            format_func=lambda key: names[key],
            key=state.TEACHER_LEARNER,
        )
    )
    assistant = resources.get_assistant()
    progress = assistant.progress.for_learner(who.viewer, learner_id, language=language)
    parts.status_counts(progress, texts, language)
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{texts.t('next_steps', language)}**")
        parts.next_steps(progress, texts, language)
    with right:
        parts.over_time(progress, texts, language, key=f"teacher_history_{learner_id}")
        parts.by_domain(progress, texts, language)
    _level_change(who, learner_id, names[learner_id], progress, texts, language)


def _level_change(
    who: Account,
    learner_id: str,
    name: str,
    progress: LearnerProgress,
    texts: UiTexts,
    language: str,
) -> None:
    """Change a level: starts empty, shows the level now and its evidence, keeps what was
    chosen when it is refused, and after saving shows the new counts and the history."""
    st.subheader(texts.t("override", language))
    result = state.take(OVERRIDE_RESULT)
    if result is not None:
        kind, message = result
        (st.success if kind == "ok" else st.error)(message)
    items = {item.code: item for item in progress.competencies}
    code = st.selectbox(
        texts.t("competency", language),
        list(items),
        index=None,
        format_func=lambda key: f"{key} – {items[key].title}",
        key="override_code",
        placeholder=texts.t("choose_competency", language),
    )
    scale = progress.scale
    if code is not None:
        item = items[str(code)]
        scale = resources.get_assistant().catalog.scale(item.identifier).levels or scale
        now = (
            level_text(item.level, item.label, texts, language)
            if item.level is not None
            else texts.t("no_level_yet", language)
        )
        by = f" ({texts.t('decided_by', language, who=plain(item.overridden_by))})"
        st.markdown(
            f"**{texts.t('level_now', language)}:** {now}{by if item.overridden_by else ''}"
        )
        _evidence(who, learner_id, name, str(code), texts, language)
    labels = {lv.score: level_text(lv.score, lv.label, texts, language) for lv in scale}
    st.selectbox(
        texts.t("new_level", language),
        list(labels),
        index=None,
        format_func=lambda score: labels.get(score, f"{score:g}"),
        key="override_level",
        placeholder=texts.t("choose_level", language),
    )
    st.text_area(texts.t("override_reason", language), key="override_reason", max_chars=2000)
    st.button(
        texts.t("override_save", language),
        key="override_save",
        type="primary",
        on_click=_save_level,
        args=(who, learner_id, name, language),
    )
    _decisions(who, learner_id, texts, language)


def _save_level(who: Account, learner_id: str, name: str, language: str) -> None:
    """Runs before the page: a refusal keeps every choice; a success clears the form, and the
    page then shows the new level, counts and history."""
    texts = resources.texts()
    code = st.session_state.get("override_code")
    level = st.session_state.get("override_level")
    reason = str(st.session_state.get("override_reason") or "")
    if code is None or level is None:
        state.put(OVERRIDE_RESULT, ("error", texts.t("override_incomplete", language)))
        return
    try:
        resources.get_assistant().overrides.record(
            who.viewer, learner_id, str(code), float(level), reason
        )
    except WaypointError as exc:
        state.put(OVERRIDE_RESULT, ("error", plain(str(exc))))
        return
    done = texts.t(
        "override_saved", language, code=plain(str(code)), level=f"{level:g}", name=plain(name)
    )
    state.put(OVERRIDE_RESULT, ("ok", done))
    for key in ("override_code", "override_level"):
        st.session_state[key] = None
    st.session_state["override_reason"] = ""


def _decisions(who: Account, learner_id: str, texts: UiTexts, language: str) -> None:
    decisions = _records().decisions(who.viewer, learner_id)
    st.markdown(f"**{texts.t('decisions', language)}**")
    if not decisions:
        st.caption(texts.t("no_decisions", language))
        return
    st.dataframe(
        table(
            [
                {
                    texts.t("col_day", language): d.decided_at.strftime("%Y-%m-%d %H:%M"),
                    texts.t("competency", language): f"{d.code} {d.title}",
                    texts.t("level", language): (
                        f"{d.level:g}" if d.level is not None else texts.t("withdrawn", language)
                    ),
                    texts.t("col_by", language): d.decided_by,
                    texts.t("override_reason", language): d.reason,
                }
                for d in decisions
            ]
        ),
        hide_index=True,
        width="stretch",
    )


# upload ------------------------------------------------------------------------------------
def evidence_template(report: ClassReport, catalog: FrameworkCatalog) -> str:
    """A CSV to fill in: the columns, and one example row per learner of the class on its
    first competency (scores to replace)."""
    header = ["learner_id", "competency", "score", "observed_at", "max_score", "evidence_type"]
    code = report.competencies[0] if report.competencies else "M.6.RP.1"
    day = report.as_of.isoformat()
    rows = [[row.learner_id, code, "", day, "4", "quiz"] for row in report.matrix[:3]]
    return csv_text(rows, header)


def preview(data: bytes, limit: int = PREVIEW_ROWS) -> tuple[list[dict[str, str]], int]:
    """The first rows of an uploaded CSV and how many rows it has (nothing is written)."""
    text = data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    rows: list[dict[str, str]] = []
    count = 0
    for row in reader:
        count += 1
        if len(rows) < limit:
            rows.append({str(k): str(v or "") for k, v in row.items() if k is not None})
    return rows, count


def _upload(who: Account, report: ClassReport, texts: UiTexts, language: str) -> None:
    assistant = resources.get_assistant()
    limit = assistant.settings.max_upload_bytes
    st.caption(texts.t("evidence_limits", language, mb=megabytes(limit)))
    st.download_button(
        texts.t("evidence_template", language),
        evidence_template(report, assistant.catalog),
        file_name="evidence-template.csv",
        mime="text/csv",
        icon=":material/download:",
        key="evidence_template",
    )
    generation = int(state.get(UPLOADS, 0))
    upload = st.file_uploader(
        texts.t("evidence_file", language),
        type=["csv"],
        key=f"evidence_{generation}" if generation else "evidence",
        max_upload_size=megabytes(limit),
    )
    if upload is None:
        return
    data = upload.getvalue()
    try:
        rows, count = preview(data)
    except (UnicodeDecodeError, csv.Error) as exc:
        st.error(texts.t("preview_failed", language, reason=plain(str(exc))))
        return
    st.markdown(f"**{texts.t('preview', language, shown=len(rows), rows=count)}**")
    st.dataframe(table(rows), hide_index=True, width="stretch")
    if not st.button(texts.t("import", language), key="import_evidence", type="primary"):
        return
    try:
        imported = import_evidence_upload(
            assistant.evidence_importer, who.viewer, upload.name, data, limit=limit
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
            table(
                [
                    {
                        texts.t("col_line", language): p.line,
                        texts.t("col_problem", language): p.reason,
                    }
                    for p in exc.problems
                ]
            ),
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
                path=plain(str(imported.path)),
                added=imported.added,
                unchanged=imported.unchanged,
            )
        )
        state.put(UPLOADS, generation + 1)  # the next run shows an empty box
