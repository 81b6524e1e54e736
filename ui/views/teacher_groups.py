"""The teacher page's stuck competencies, flexible groups and tiers; every learner is named,
and a name opens the learner's tab."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from assistant.app.texts import UiTexts, plain
from assistant.recommend.class_report import ClassReport, StuckCompetency
from ui import state
from ui.views import teacher_interventions


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


def stuck(report: ClassReport, texts: UiTexts, language: str) -> None:
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


def groups(report: ClassReport, texts: UiTexts, language: str) -> None:
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


def tiers(report: ClassReport, texts: UiTexts, language: str) -> None:
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
