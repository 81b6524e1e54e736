"""The teacher page's learner tab: one learner's progress and next steps, and the level-change
form with the history of level decisions."""

from __future__ import annotations

import streamlit as st

from assistant.app.identity import Account
from assistant.app.progress import LearnerProgress
from assistant.app.texts import UiTexts, plain
from assistant.errors import WaypointError
from assistant.recommend.class_report import ClassReport
from ui import resources, state
from ui.views import progress_parts as parts
from ui.views.common import level_text, table
from ui.views.teacher_evidence import evidence, records

OVERRIDE_RESULT = "override_result"


def learner(who: Account, report: ClassReport, texts: UiTexts, language: str) -> None:
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
        evidence(who, learner_id, name, str(code), texts, language)
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
    decisions = records().decisions(who.viewer, learner_id)
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
