"""Heavy, shared resources, built once per server process with st.cache_resource.

Only shared, non-personal objects live here (the assistant with its model and index, the
start-up preparation, the page texts). Per-user data is never cached globally: it is read
for each run through the access policy.
"""

from __future__ import annotations

import streamlit as st

from assistant.app.bootstrap import Preparation
from assistant.app.texts import UiTexts, load_ui_texts
from assistant.container import Assistant, build_assistant
from assistant.settings import Settings

_injected: tuple[Assistant, Preparation] | None = None


def use(assistant: Assistant) -> Preparation:
    """Serve this assistant instead of one built from the environment (tests, embedding)."""
    global _injected
    preparation = Preparation()
    _injected = (assistant, preparation)
    return preparation


@st.cache_resource(show_spinner=False)
def _shared() -> tuple[Assistant, Preparation]:
    return build_assistant(Settings()), Preparation()


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
    return _texts(str(get_assistant().settings.prompts_dir))
