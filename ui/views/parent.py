"""The parent's page: my child's progress in plain words per competency, what each level means,
how to help at home; a child picker for several children; English or Spanish."""

from __future__ import annotations

import streamlit as st

from assistant.app.progress import CompetencyProgress
from assistant.app.texts import UiTexts, plain
from assistant.chat.guards import without_lures
from ui import resources, state
from ui.views import progress_parts as parts
from ui.views.common import STATUS_ICONS, wait_for


def page() -> None:
    who = state.account()
    assert who is not None and who.role == "parent"
    texts = resources.texts()
    language = _language_switch(texts)
    if not wait_for("school"):
        return
    if not who.learner_ids:
        st.info(texts.t("no_learners", language))
        return
    assistant = resources.get_assistant()
    child = who.learner_ids[0]
    if len(who.learner_ids) > 1:
        child = str(
            st.selectbox(
                texts.t("child", language),
                list(who.learner_ids),
                format_func=who.learner_name,
                key=state.CHILD,
            )
        )
    progress = assistant.progress.for_learner(who.viewer, child, language=language)
    st.title(texts.t("progress_of", language, name=plain(progress.learner.name)))
    st.info(texts.t("parent_intro", language))
    parts.status_counts(progress, texts, language)
    st.subheader(texts.t("next_steps", language))
    parts.next_steps(progress, texts, language)
    for domain, items in progress.by_domain().items():
        shown = [item for item in items if item.status != "locked"]
        if not shown:
            continue
        st.subheader(plain(domain))
        for item in shown:
            _competency(item, texts, language)
    with st.expander(texts.t("over_time", language)):
        parts.over_time(progress, texts, language, key="parent_history")
    with st.expander(texts.t("credentials", language)):
        parts.credentials(who.viewer, child, texts, language, key="parent_badge")


def _language_switch(texts: UiTexts) -> str:
    current = state.language()
    chosen = st.segmented_control(
        texts.t("language", current),
        ["en", "es"],
        default=current,
        format_func=lambda code: {"en": "English", "es": "Español"}[code],
        key="parent_language",
    )
    if chosen and chosen != current:
        state.set_language(str(chosen))
        st.rerun()
    return state.language()


def _competency(item: CompetencyProgress, texts: UiTexts, language: str) -> None:
    assistant = resources.get_assistant()
    level = (
        f"{texts.t('level', language)} {item.level:g}: {texts.level_name(item.label, language)}"
        if item.level is not None
        else texts.t(item.status, language)
    )
    with st.expander(f"{STATUS_ICONS[item.status]} {plain(f'{item.code} {item.title}')} · {level}"):
        st.markdown(plain(item.statement))
        if item.meaning:
            st.markdown(f"**{texts.t('now', language)}:** {plain(item.meaning)}")
        if item.next_meaning:
            label = texts.level_name(item.next_label, language)
            st.markdown(
                f"**{texts.t('next_level', language)} ({label}):** {plain(item.next_meaning)}"
            )
        if item.last_observed:
            st.caption(
                texts.t(
                    "evidence_count", language, count=item.evidence_count, day=item.last_observed
                )
            )
        scale = assistant.catalog.scale(item.identifier).levels
        st.markdown(f"**{texts.t('what_levels_mean', language)}**")
        for lv in scale:
            name = texts.level_name(lv.label, language)
            st.markdown(f"- **{lv.score:g} {name}**: {plain(lv.description)}")
        for resource in item.resources[:1]:
            home = assistant.progress.home_help(resource)
            if home:
                st.markdown(f"**{texts.t('help_at_home', language)}** ({plain(resource.title)})")
                st.markdown(plain(without_lures(home), layout=True))
