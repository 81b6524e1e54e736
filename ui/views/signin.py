"""Sign-in: the school's identity provider through st.login (when configured in secrets), and
the demo school's accounts (when the demo school is on). No page shows data before this."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from assistant.app.texts import plain
from ui import resources, state
from ui.views.common import wait_for


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def identity_table() -> Mapping[str, str]:
    try:
        section: Any = st.secrets.get("waypoint", {})
        return dict(section.get("identities", {}))
    except Exception:
        return {}


def page() -> None:
    texts = resources.texts()
    language = state.language()
    st.title(texts.t("app_title", language))
    st.caption(texts.t("tagline", language))
    # after the title, so the page shows while they load: the assistant, and the start-up
    # preparation (started here for a visitor not signed in; the page does not wait for it)
    resources.preparation()
    assistant = resources.get_assistant()
    if oidc_configured():
        _school_sign_in()
    if not assistant.settings.demo_school:
        return
    if not wait_for("school"):
        return
    from assistant.app.identity import DEMO_ROLES

    offer = assistant.directory.demo_offer(school_sign_in=oidc_configured())
    if not offer.accounts:
        st.caption(texts.t(offer.reason, language))
        return
    st.subheader(texts.t("demo_heading", language))
    st.info(texts.t("demo_note", language), icon=":material/science:")
    accounts = offer.accounts
    columns = st.columns(len(DEMO_ROLES))
    badge = texts.t("demo_badge", language)
    for column, role in zip(columns, DEMO_ROLES, strict=True):
        with column:
            st.markdown(f"**{texts.t(f'role_{role}_plural', language)}**")
            for demo in (a for a in accounts if a.role == role):
                st.button(
                    plain(demo.name),
                    key=f"demo_{demo.user_id}",
                    help=f"{plain(f'{demo.detail} ({demo.user_id}')}, {badge})",
                    width="stretch",
                    on_click=_demo_chosen,
                    args=(demo.user_id,),
                )


def _demo_chosen(user_id: str) -> None:
    """Signs in before the page runs again, so the next run is already the person's page
    (with a spinner while it loads) and not one more run of this page."""
    state.sign_in(resources.get_assistant().directory.account(user_id, demo=True))
    state.put(state.LOADING, True)


def _school_sign_in() -> None:
    texts = resources.texts()
    language = state.language()
    user: Any = st.user
    if not user.get("is_logged_in"):
        if st.button(texts.t("sign_in_school", language), type="primary", icon=":material/login:"):
            st.login()
        return
    claims = dict(user.to_dict()) if hasattr(user, "to_dict") else dict(user)
    assistant = resources.get_assistant()
    found = assistant.directory.from_identity(
        claims,
        identity_table(),
        unverified_issuers=assistant.settings.oidc_unverified_email_issuers,
    )
    if found is None:
        st.warning(texts.t("unknown_identity", language, email=plain(str(claims.get("email", "")))))
        if st.button(texts.t("sign_out", language)):
            st.logout()
        return
    state.sign_in(found)
    st.rerun()


def redeem_handoff() -> None:
    """A launch from the school's LMS arrives with `?handoff=<token>` (single-use, a minute
    long, signed by `waypoint api`): redeemed once, it signs the person in on their class; it
    leaves the URL either way."""
    token = st.query_params.get("handoff")
    if not token:
        return
    del st.query_params["handoff"]
    assistant = resources.get_assistant()
    found = assistant.lti.handoffs.redeem(str(token))
    if found is None:
        return
    state.sign_in(assistant.directory.account(found.user_id))
    if found.class_id:
        state.put(state.CLASS, found.class_id)
    entry = assistant.catalog.lookup(found.competency) if found.competency else None
    if entry is not None:  # a practice link placed in the LMS (deep linking): chat opens on it
        question = resources.texts().t("practice_for", state.language(), code=entry.code)
        state.put(state.PENDING, question)
