"""The browser's session cookie (see assistant/app/sessions.py for the design): restored on a
new page load, renewed at each exchange, removed at sign-out. The cookie is written by a few
lines of script on the page (Streamlit cannot set one from Python) and read by the server from
the page's own connection (st.context.cookies)."""

from __future__ import annotations

import streamlit as st

from assistant.app.sessions import COOKIE, SESSION_SECONDS, SessionTokens
from ui import chrome, resources, state

TRIED = "wp_cookie_tried"  # the cookie token this session already tried (never twice)


def tokens() -> SessionTokens:
    assistant = resources.get_assistant()
    return SessionTokens(assistant.lti.handoffs, assistant.directory)


def cookie() -> str:
    """The session cookie the browser sent when this page was loaded ('' if none)."""
    try:
        return str(st.context.cookies.get(COOKIE) or "")
    except Exception:  # no browser connection (bare mode)
        return ""


def restore() -> None:
    """Signed in again from the cookie, once per page load; a bad or spent token is removed."""
    if state.account() is not None:
        return
    token = cookie()
    if not token or state.get(TRIED) == token:
        return
    state.put(TRIED, token)
    restored = tokens().exchange(token)
    if restored is None:
        state.put(state.FORGET_COOKIE, True)
        return
    state.sign_in(restored.account)
    state.put(TRIED, token)
    state.put(state.SESSION_TOKEN, restored.token)
    if restored.class_id:
        state.put(state.CLASS, restored.class_id)


def remember() -> None:
    """A signed-in session without a cookie token (just signed in) gets one."""
    who = state.account()
    if who is None or state.get(state.SESSION_TOKEN):
        return
    class_id = state.get(state.CLASS)
    state.put(state.SESSION_TOKEN, tokens().issue(who, str(class_id) if class_id else None))


def sign_out() -> None:
    """The standing token is spent and the cookie removed on the next page."""
    token = state.get(state.SESSION_TOKEN)
    if token:
        tokens().revoke(str(token))
    state.clear()
    state.put(state.FORGET_COOKIE, True)
    state.put(TRIED, cookie())  # the spent cookie of this page load is not tried again


def write_cookie() -> None:
    """The script that keeps the browser's cookie in step with this session."""
    token = state.get(state.SESSION_TOKEN)
    if token:
        chrome.cookie(COOKIE, str(token), SESSION_SECONDS)
    elif state.get(state.FORGET_COOKIE):
        chrome.cookie(COOKIE, None, 0)
