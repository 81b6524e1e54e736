"""The parent's page: my child's progress in plain sentences first, then the next steps (a
headline, a tip and a practice link each), then skill by skill what each level means and how
to help at home; a child picker for several children; a printable report. In the language
chosen in the sidebar, competency texts included."""

from __future__ import annotations

import streamlit as st

from assistant.app import progress_words as words
from assistant.app.progress import CompetencyProgress, LearnerProgress
from assistant.app.texts import UiTexts, plain
from assistant.chat.guards import without_lures
from ui import resources, state
from ui.views import progress_parts as parts
from ui.views.common import wait_for

STEPS_SHOWN = 3  # the next steps a family sees, as in the printable report


def page() -> None:
    who = state.account()
    assert who is not None and who.role == "parent"
    texts = resources.texts()
    language = state.language()
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
    st.markdown(plain(" ".join(words.summary(progress, texts, language))))
    parts.report_button(progress, texts, language, own=False, key="parent_report")
    st.subheader(texts.t("next_steps", language))
    parts.next_steps(progress, texts, language, limit=STEPS_SHOWN)
    st.subheader(texts.t("skill_by_skill", language))
    st.caption(texts.t("parent_intro", language))
    _skills(progress, texts, language)
    with st.expander(texts.t("over_time", language)):
        parts.over_time(progress, texts, language, key="parent_history")
    with st.expander(texts.t("credentials", language)):
        parts.credentials(who.viewer, child, texts, language, key="parent_badge")


def _skills(progress: LearnerProgress, texts: UiTexts, language: str) -> None:
    """The skills begun or ready to begin, by area; the ones that come later are counted in
    the opening sentences."""
    for domain, items in progress.by_domain().items():
        shown = [item for item in words.path(items) if item.status != "locked"]
        if not shown:
            continue
        st.markdown(f"**{plain(domain)}**")
        for item in shown:
            _competency(item, texts, language)


def _competency(item: CompetencyProgress, texts: UiTexts, language: str) -> None:
    assistant = resources.get_assistant()
    label = f"{plain(item.title)} · {texts.t(item.status, language)}"  # the icon: the mark
    if item.level is not None:
        label += f" · {words.level_text(item.level, item.label, texts, language)}"
    with st.expander(label, icon=parts.STATUS_ICONS[item.status]):
        st.markdown(plain(item.statement))
        if item.meaning:
            st.markdown(f"**{texts.t('now', language)}:** {plain(item.meaning)}")
        if item.next_meaning:
            following = texts.level_name(item.next_label, language)
            st.markdown(
                f"**{texts.t('next_level', language)} ({following}):** {plain(item.next_meaning)}"
            )
        if item.last_observed:
            day = words.day_text(item.last_observed, texts, language)
            st.caption(texts.t("evidence_count", language, count=item.evidence_count, day=day))
        st.markdown(f"**{texts.t('what_levels_mean', language)}**")
        st.markdown(
            "\n".join(
                f"- **{lv.score:g} {texts.level_name(lv.label, language)}**: "
                f"{plain(lv.description)}"
                for lv in item.levels
            )
        )
        for resource in item.resources[:1]:
            home = assistant.progress.home_help(resource)
            if home:
                st.markdown(f"**{texts.t('help_at_home', language)}** ({plain(resource.title)})")
                st.markdown(plain(without_lures(home), layout=True))
        st.caption(plain(texts.t("step_code", language, code=item.code, framework=item.framework)))
