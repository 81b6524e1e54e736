"""Waypoint's Streamlit app. Run: `waypoint ui` (or `streamlit run ui/app.py`)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st
from streamlit.navigation.page import StreamlitPage

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.app.texts import UiTexts, plain
from ui import chrome, resources, session, state
from ui.views import signin

if TYPE_CHECKING:
    from assistant.app.identity import Account

# A bundled file: an emoji or a Material icon as page icon makes the browser fetch it online.
ICON = Path(__file__).resolve().parent / "static" / "icon.png"


@dataclass(frozen=True)
class PageSpec:
    screen: str
    title: str  # a key of prompts/ui.yaml
    icon: str


PAGES: dict[str, PageSpec] = {
    "chat": PageSpec("screens/chat.py", "chat", ":material/chat:"),
    "me": PageSpec("screens/student.py", "my_progress", ":material/trending_up:"),
    "child": PageSpec("screens/parent.py", "my_child", ":material/family_restroom:"),
    "classes": PageSpec("screens/teacher.py", "classes", ":material/groups:"),
    "school": PageSpec("screens/leader.py", "school", ":material/insights:"),
    "knowledge": PageSpec("screens/admin.py", "knowledge", ":material/library_books:"),
}
ROLE_PAGES: dict[str, tuple[str, ...]] = {  # the first is the role's home page
    "student": ("chat", "me"),
    "parent": ("child", "chat"),
    "teacher": ("chat", "classes"),
    "leader": ("school", "chat"),  # chat: the school's figures, never a learner's name
    "admin": ("chat", "classes", "school", "knowledge"),
}


def main() -> None:
    st.set_page_config(page_title="Waypoint", page_icon=str(ICON), layout="wide")
    st.set_option("client.toolbarMode", "minimal")  # no Deploy button or developer menu
    chrome.style()
    signin.redeem_handoff()  # a launch from the LMS (LTI) signs in with a one-time token
    session.restore()  # a refresh or an address typed in: still signed in, on that page
    session.remember()
    texts = resources.texts()
    who = state.account()
    if who is not None:
        resources.preparation()  # start preparing at once; pages don't wait for it
    # signed out: the sign-in page starts it once its title shows (a first visit's page
    # renders before the model, the index and the learner database load)
    with st.sidebar:
        language_switch(texts)
        if who is not None:
            _signed_in(who, texts)
        session.write_cookie()
        chrome.page_script(texts.t("opening", state.language()))
    if who is None:
        _signed_out(texts).run()
        return
    page = _navigation(who, texts)
    if state.take(state.LOADING):  # just signed in: say so while the first page loads
        with st.spinner(texts.t("opening", state.language()), show_time=True):
            page.run()
    else:
        page.run()


def language_switch(texts: UiTexts) -> None:
    """English or Spanish for every page, kept for the session (state.language())."""
    current = state.language()
    if st.session_state.get(state.LANGUAGE_SWITCH) != current:
        st.session_state[state.LANGUAGE_SWITCH] = current  # set elsewhere (a page, sign-in)
    st.segmented_control(
        texts.t("language", current),
        list(state.LANGUAGES),
        format_func=lambda code: state.LANGUAGES[code],
        key=state.LANGUAGE_SWITCH,
        on_change=_language_chosen,
        required=True,
    )


def _language_chosen() -> None:
    chosen = st.session_state.get(state.LANGUAGE_SWITCH)
    if chosen in state.LANGUAGES:
        state.set_language(str(chosen))


def _signed_in(who: Account, texts: UiTexts) -> None:
    language = state.language()
    role = texts.t(f"role_{who.role}", language)
    st.markdown(f"**{texts.t('signed_in_as', language, name=plain(who.name), role=role)}**")
    if who.demo:
        st.caption(texts.t("demo_badge", language))
    if st.button(texts.t("sign_out", language), icon=":material/logout:", key="sign_out"):
        session.sign_out()
        if st.user.get("is_logged_in"):
            st.logout()
        st.rerun()


def _signed_out(texts: UiTexts) -> StreamlitPage:
    """Only the sign-in page; every page's address opens it too, and after signing in the
    person lands on the page the address named (no "Page not found")."""
    title = texts.t("sign_in", state.language())
    pages = [st.Page(signin.page, title=title, url_path="signin", default=True)]
    pages += [
        st.Page(signin.page, title=title, url_path=path, visibility="hidden") for path in PAGES
    ]
    return st.navigation(pages, position="hidden")


def _navigation(who: Account, texts: UiTexts) -> StreamlitPage:
    """The role's pages in the sidebar; another role's address leads to the role's home."""
    language = state.language()
    own = ROLE_PAGES.get(who.role, ("chat",))
    pages = [
        st.Page(
            PAGES[path].screen,
            title=texts.t(PAGES[path].title, language),
            icon=PAGES[path].icon,
            url_path=path,
            default=index == 0,
        )
        for index, path in enumerate(own)
    ]
    home = pages[0]

    def to_home() -> None:
        st.switch_page(home)

    others = [path for path in [*PAGES, "signin"] if path not in own]
    pages += [
        st.Page(to_home, title=home.title, url_path=path, visibility="hidden") for path in others
    ]
    return st.navigation(pages)


main()
