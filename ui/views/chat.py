"""The chat page: streamed answers with sources, next-step cards, thumbs up/down, starters."""

from __future__ import annotations

from collections.abc import Iterator

import streamlit as st

from assistant.app.chat_session import ChatSession, ChatTurn
from assistant.app.identity import Account
from assistant.app.texts import UiTexts, plain
from assistant.chat.guards import MessageRejectedError
from ui import resources, state
from ui.views.common import show_answer, wait_for


def page() -> None:
    who = state.account()
    assert who is not None
    assistant = resources.get_assistant()
    texts = resources.texts()
    language = state.language()
    st.title(texts.t("chat", language))
    learner_id = _learner_choice(who, texts, language)
    session = state.chat(who, learner_id)
    session.language = "es" if language == "es" else None  # else: the language of each question
    if st.button(texts.t("new_conversation", language), icon=":material/add_comment:"):
        session.reset()
        st.rerun()
    for index, turn in enumerate(session.turns):
        _show_turn(session, turn, index, texts, language)
    if not wait_for("ready"):
        return
    pending = state.take(state.PENDING)
    if not session.turns and pending is None:
        st.caption(texts.t("try_asking", language))
        starters = texts.starters(who.role, language)
        columns = st.columns(max(1, min(len(starters), 4)))
        for number, question in enumerate(starters):
            if columns[number % len(columns)].button(question, key=f"starter_{number}"):
                state.put(state.PENDING, question)
                st.rerun()
    typed = st.chat_input(
        texts.t("chat_placeholder", language),
        max_chars=assistant.settings.chat.max_message_chars,
    )
    question = typed or pending
    if question:
        with st.chat_message("user"):
            st.markdown(plain(question))
        try:
            with st.chat_message("assistant"):
                _show_stream(session.stream(assistant.chat, question))
        except MessageRejectedError as exc:
            st.warning(texts.t(f"message_{exc.reason}", language, limit=f"{exc.limit:,}"))
            return
        st.rerun()


def _learner_choice(who: Account, texts: UiTexts, language: str) -> str | None:
    """Parents with several children and teachers choose whom the conversation is about."""
    if who.role == "student":
        return who.learner_ids[0] if who.learner_ids else None
    if who.role == "parent":
        children = list(who.learner_ids)
        if len(children) <= 1:
            return children[0] if children else None
        chosen = st.selectbox(
            texts.t("child", language),
            children,
            format_func=who.learner_name,
            key=state.CHILD,
        )
        return str(chosen) if chosen else None
    return None


def _show_stream(pieces: Iterator[str]) -> None:
    """The answer as it is composed, made plain as a whole each time: a piece may end inside
    an address or a Markdown construct that the next piece completes."""
    box = st.empty()
    shown = ""
    for piece in pieces:
        shown += piece
        box.markdown(plain(shown, layout=True))


def _show_turn(
    session: ChatSession, turn: ChatTurn, index: int, texts: UiTexts, language: str
) -> None:
    with st.chat_message("user"):
        st.markdown(plain(turn.question))
    with st.chat_message("assistant"):
        st.markdown(plain(turn.answer.text, layout=True))
        show_answer(turn.answer, texts, language)
        rating = st.feedback("thumbs", key=f"rating_{session.id}_{index}")
        if rating is not None and rating != turn.rating:
            turn.rating = int(rating)
            _save_feedback(session, turn)
        if turn.rating is not None:
            st.caption(texts.t("feedback_thanks", language))
        if turn.rating == 0:
            comment = st.text_input(
                texts.t("feedback_comment", language),
                key=f"comment_{session.id}_{index}",
                max_chars=2000,
            )
            if comment and comment != turn.comment:
                turn.comment = comment
                _save_feedback(session, turn)


def _save_feedback(session: ChatSession, turn: ChatTurn) -> None:
    assistant = resources.get_assistant()
    turn.feedback_id = assistant.feedback.record(
        user_id=session.account.user_id,
        role=session.account.role,
        question=turn.question,
        answer=turn.answer.text,
        intent=turn.answer.intent,
        citations=[c.as_json() for c in turn.answer.citations],
        rating=int(turn.rating if turn.rating is not None else 0),
        comment=turn.comment or None,
        learner_id=session.learner_id,
        conversation_id=session.id,
    )
