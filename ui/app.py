"""Waypoint's Streamlit app. Run: `waypoint ui` (or `streamlit run ui/app.py`)."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.app.texts import plain
from ui import resources, state
from ui.views import signin

# A bundled file: an emoji or a Material icon as page icon makes the browser fetch it online.
ICON = Path(__file__).resolve().parent / "static" / "icon.png"


def main() -> None:
    st.set_page_config(page_title="Waypoint", page_icon=str(ICON), layout="wide")
    resources.preparation()  # start preparing at once; pages don't wait for it
    signin.redeem_handoff()  # a launch from the LMS (LTI) signs in with a one-time token
    who = state.account()
    if who is None:
        st.navigation([st.Page("screens/signin.py", title="Sign in", url_path="signin")]).run()
        return
    texts = resources.texts()
    language = state.language()
    chat_page = st.Page(
        "screens/chat.py", title=texts.t("chat", language), icon=":material/chat:", url_path="chat"
    )
    pages = [chat_page]
    if who.role == "student":
        pages.append(
            st.Page(
                "screens/student.py",
                title=texts.t("my_progress"),
                icon=":material/trending_up:",
                url_path="me",
            )
        )
    elif who.role == "parent":
        pages.insert(
            0,
            st.Page(
                "screens/parent.py",
                title=texts.t("my_child", language),
                icon=":material/family_restroom:",
                url_path="child",
            ),
        )
    elif who.role in ("teacher", "admin"):
        pages.append(
            st.Page(
                "screens/teacher.py",
                title=texts.t("classes"),
                icon=":material/groups:",
                url_path="classes",
            )
        )
    if who.role in ("leader", "admin"):
        leader_page = st.Page(
            "screens/leader.py",
            title=texts.t("school", language),
            icon=":material/insights:",
            url_path="school",
        )
        if who.role == "leader":  # chat does not answer a leader's questions yet
            pages = [leader_page]
        else:
            pages.append(leader_page)
    if who.role == "admin":
        pages.append(
            st.Page(
                "screens/admin.py",
                title=texts.t("knowledge"),
                icon=":material/library_books:",
                url_path="knowledge",
            )
        )
    with st.sidebar:
        st.markdown(f"**{texts.t('signed_in_as', language, name=plain(who.name), role=who.role)}**")
        if who.demo:
            st.caption(texts.t("demo_badge", language))
        if st.button(texts.t("sign_out", language), icon=":material/logout:"):
            state.clear()
            if st.user.get("is_logged_in"):
                st.logout()
            st.rerun()
    st.navigation(pages).run()


main()
