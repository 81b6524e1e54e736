"""Heavy, shared resources, built once per server process with st.cache_resource.

Only shared, non-personal objects live here (the assistant with its model and index, the
start-up preparation, the page texts). Per-user data is never cached globally: it is read
for each run through the access policy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from assistant.app.texts import UiTexts, load_ui_texts
from assistant.settings import Settings

if TYPE_CHECKING:  # loaded with the first shared resource, after the sign-in page renders
    from assistant.app.bootstrap import Preparation
    from assistant.container import Assistant

_injected: tuple[Assistant, Preparation] | None = None


def use(assistant: Assistant) -> Preparation:
    """Serve this assistant instead of one built from the environment (tests, embedding)."""
    global _injected
    from assistant.app.bootstrap import Preparation

    preparation = Preparation()
    _injected = (assistant, preparation)
    return preparation


@st.cache_resource(show_spinner=False)
def _settings() -> Settings:
    return Settings()


@st.cache_resource(show_spinner=False)
def _shared() -> tuple[Assistant, Preparation]:
    from assistant.app.bootstrap import Preparation
    from assistant.container import build_assistant

    return build_assistant(_settings()), Preparation()


def _pair() -> tuple[Assistant, Preparation]:
    return _injected or _shared()


def get_assistant() -> Assistant:
    return _pair()[0]


def preparation() -> Preparation:
    """The start-up work, started on first call; the page does not wait for it."""
    assistant, prepared = _pair()
    prepared.start(assistant.start_work())
    return prepared


@st.cache_resource(show_spinner=False)
def _texts(prompts_dir: str) -> UiTexts:
    from pathlib import Path

    return load_ui_texts(Path(prompts_dir))


def texts() -> UiTexts:
    """The page texts, read without building the assistant (the sign-in page needs only
    them to render)."""
    settings = _injected[0].settings if _injected else _settings()
    return _texts(str(settings.prompts_dir))
