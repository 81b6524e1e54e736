"""Every st.session_state key the app uses, behind typed accessors (one place to look)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import streamlit as st

if TYPE_CHECKING:  # loaded once someone signs in: the sign-in page renders without them
    from assistant.app.chat_session import ChatSession
    from assistant.app.identity import Account

ACCOUNT = "wp_account"
CHAT = "wp_chat"
LANGUAGE = "wp_language"
CHILD = "wp_child"
CLASS = "wp_class"
PENDING = "wp_pending_question"
NOTICE = "wp_notice"
LANGUAGE_SWITCH = "wp_language_switch"  # the sidebar's control; LANGUAGE is what pages read
SESSION_TOKEN = "wp_session_token"  # the single-use token the browser's cookie holds now
FORGET_COOKIE = "wp_forget_cookie"  # signed out: the next page removes the cookie
LOADING = "wp_loading"  # just signed in: the first page shows a spinner while it loads
TEACHER_TAB = "wp_teacher_tab"
TEACHER_LEARNER = "teacher_learner"
LANGUAGES = {"en": "English", "es": "Español"}


def account() -> Account | None:
    found = st.session_state.get(ACCOUNT)
    if found is None:
        return None
    from assistant.app.identity import Account

    return found if isinstance(found, Account) else None


def sign_in(who: Account) -> None:
    clear()
    st.session_state[ACCOUNT] = who


def clear() -> None:
    """Forget everything of the session (sign-out): nothing carries over to the next person
    but the language the page is shown in."""
    kept = language()
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[LANGUAGE] = kept


def language() -> str:
    """The language of every page ("en" or "es"), chosen in the sidebar, kept for the session.
    Every page reads it here."""
    found = str(st.session_state.get(LANGUAGE, "en"))
    return found if found in LANGUAGES else "en"


def set_language(value: str) -> None:
    if value not in LANGUAGES:
        raise ValueError(f"unknown language {value!r} (expected one of {', '.join(LANGUAGES)})")
    st.session_state[LANGUAGE] = value


def chat(who: Account, learner_id: str | None) -> ChatSession:
    """This session's conversation; a new one when the account or the learner changed."""
    from assistant.app.chat_session import ChatSession

    session = st.session_state.get(CHAT)
    if (
        not isinstance(session, ChatSession)
        or session.account != who
        or session.learner_id != learner_id
    ):
        session = ChatSession(who, learner_id)
        st.session_state[CHAT] = session
    return session


def take(key: str) -> Any:
    """Read and remove a one-shot value (a starter question clicked, a notice to show)."""
    return st.session_state.pop(key, None)


def put(key: str, value: Any) -> None:
    st.session_state[key] = value


def get(key: str, default: Any = None) -> Any:
    return st.session_state.get(key, default)
