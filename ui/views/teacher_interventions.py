"""The teacher page's team parts (issue 19): the team's pick in a flexible group, a small form
to record that a group met or any intervention, the class's recent recordings, and what worked
across the course's sections with the team's go-to. No learner attribute is ever shown here."""

from __future__ import annotations

from datetime import date

import streamlit as st

from assistant.app.identity import Account
from assistant.app.texts import UiTexts, plain
from assistant.errors import WaypointError
from assistant.leaders.period import Period
from assistant.leaders.teams import PICK_DAYS
from assistant.recommend.class_report import ClassReport
from assistant.recommend.groups import FlexibleGroup
from ui import resources
from ui.views.common import table
from ui.views.leader_review import what_worked_table


def team_pick(group: FlexibleGroup, texts: UiTexts, language: str) -> None:
    """The team's go-to or best-performing activity for the group's focus, shown first."""
    pick = group.team_pick
    if pick is None:
        return
    star = " ★" if pick.go_to else ""
    st.markdown(f"**{texts.t('ww_team_pick', language, activity=plain(pick.activity))}**{star}")
    if pick.learners:
        st.caption(
            texts.t(
                "ww_team_pick_result",
                language,
                reached=pick.reached,
                learners=pick.learners,
                classes=", ".join(pick.class_ids),
            )
        )


def section(who: Account, report: ClassReport, texts: UiTexts, language: str) -> None:
    st.subheader(texts.t("iv_title", language))
    _form(who, report, texts, language)
    _recent(who, report, texts, language)
    _team(who, report, texts, language)


def _form(who: Account, report: ClassReport, texts: UiTexts, language: str) -> None:
    class_id = report.school_class.id
    names = {row.learner_id: row.name for row in report.matrix}
    kinds = {"group": texts.t("iv_kind_group", language)}
    kinds["intervention"] = texts.t("iv_kind_intervention", language)
    if not report.groups:
        kinds.pop("group")
    kind = str(
        st.radio(
            texts.t("iv_kind", language),
            list(kinds),
            format_func=lambda key: kinds[key],
            horizontal=True,
            key=f"iv_kind_{class_id}",
        )
    )
    members: list[str] = []
    activity = ""
    if kind == "group":
        labels = {
            index: f"{g.focus} {g.focus_title}" + (f" ({g.part}/{g.parts})" if g.parts > 1 else "")
            for index, g in enumerate(report.groups)
        }
        chosen = int(
            st.selectbox(
                texts.t("iv_group", language),
                list(labels),
                format_func=lambda key: plain(labels[key]),
                key=f"iv_group_{class_id}",
            )
        )
        group = report.groups[chosen]
        code = group.focus
        members = [m.learner_id for m in group.members]
        if group.team_pick is not None:
            activity = group.team_pick.activity
        elif group.activity is not None:
            activity = group.activity.section
    else:
        code = str(
            st.selectbox(
                texts.t("iv_competency", language),
                list(report.competencies),
                key=f"iv_code_{class_id}",
            )
        )
    chosen_learners = st.multiselect(
        texts.t("iv_learners", language),
        list(names),
        default=members,
        format_func=lambda key: names[key],
        key=f"iv_learners_{class_id}_{kind}_{code}",
    )
    what = st.text_input(
        texts.t("iv_activity", language), value=activity, key=f"iv_activity_{class_id}_{code}"
    )
    left, right = st.columns(2)
    met_on = left.date_input(
        texts.t("iv_date", language), min(report.as_of, date.today()), key=f"iv_date_{class_id}"
    )
    note = right.text_input(texts.t("iv_note", language), key=f"iv_note_{class_id}")
    if not st.button(texts.t("iv_save", language), key=f"iv_save_{class_id}"):
        return
    try:
        done = resources.get_assistant().interventions.record(
            who.viewer,
            class_id,
            code,
            str(what),
            [str(lid) for lid in chosen_learners],
            met_on if isinstance(met_on, date) else report.as_of,
            kind=kind,
            note=str(note),
        )
    except WaypointError as exc:
        st.error(plain(str(exc)))
    else:
        st.success(
            texts.t(
                "iv_saved",
                language,
                activity=plain(done.activity),
                code=plain(done.code),
                count=len(done.learners),
            )
        )


def _recent(who: Account, report: ClassReport, texts: UiTexts, language: str) -> None:
    found = resources.get_assistant().interventions.recorded(who.viewer, report.school_class.id)
    if not found:
        return
    names = {row.learner_id: row.name for row in report.matrix}
    st.markdown(f"**{texts.t('iv_recent', language)}**")
    rows = [
        {
            texts.t("iv_date", language): item.met_on.isoformat(),
            texts.t("iv_competency", language): item.code,
            texts.t("ww_activity", language): item.activity,
            texts.t("iv_learners", language): ", ".join(
                names.get(lid, lid) for lid in item.learners
            ),
        }
        for item in found
    ]
    st.dataframe(table(rows), hide_index=True, width="stretch")


def _team(who: Account, report: ClassReport, texts: UiTexts, language: str) -> None:
    assistant = resources.get_assistant()
    class_id = report.school_class.id
    team = next((t for t in assistant.teams.teams_of(who.viewer) if class_id in t.class_ids), None)
    if team is None:
        return
    results = assistant.teams.results(who.viewer, team, Period.ending(report.as_of, PICK_DAYS))

    def words(key: str, **values: object) -> str:
        return texts.t(key, language, **values)

    st.subheader(f"{texts.t('ww_title', language)}: {plain(team.name)}")
    st.caption(texts.t("ww_intro", language))
    rows = what_worked_table(results, words)
    if not rows:
        st.caption(texts.t("ww_none", language))
        return
    st.dataframe(table(rows), hide_index=True, width="stretch")
    if team.id.startswith("class:"):
        return
    options = [(p.code, a.activity) for p in results.points for a in p.activities]
    if not options:
        return
    picked = st.selectbox(
        texts.t("ww_go_to", language),
        range(len(options)),
        format_func=lambda i: plain(f"{options[i][0]} · {options[i][1]}"),
        key=f"iv_go_to_{class_id}",
    )
    if st.button(texts.t("ww_mark_go_to", language), key=f"iv_mark_{class_id}"):
        code, activity = options[int(picked)]
        try:
            assistant.interventions.mark_go_to(who.viewer, team.id, code, activity)
        except WaypointError as exc:
            st.error(plain(str(exc)))
        else:
            st.success(texts.t("ww_marked", language, activity=plain(activity), code=plain(code)))
