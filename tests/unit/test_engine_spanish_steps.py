"""A Spanish parent's next steps and "why?" through the engine (over the fast fakes): the
step data and the follow-up are Spanish throughout."""

from __future__ import annotations

import re

from assistant.chat.engine import ChatEngine
from assistant.chat.types import AskContext
from assistant.language import detect_language
from tests.unit.test_next_steps import ENGLISH

PARENT = "par.001"  # Maya Lindgren's parent


def test_a_spanish_parents_steps_and_why_are_spanish(fake_engine: ChatEngine) -> None:
    conversation = fake_engine.new_conversation()
    context = AskContext(role="parent", user_id=PARENT)
    first = fake_engine.ask("¿En qué debe trabajar mi hija ahora?", context, conversation)
    assert first.language == "es" and first.intent == "next_steps", first
    assert first.steps
    for step in first.steps:
        assert detect_language(str(step["reason"])) == "es", step["reason"]
        assert not ENGLISH.search(str(step["reason"])), step["reason"]
    why = fake_engine.ask("por qué?", context, conversation)
    assert str(first.steps[0]["reason"]) in why.text
    assert re.search(
        r"^- Se basa en M\.6\.RP\.2 Entender las tasas unitarias: nivel 3 desde el 3 nov( 2026)?$",
        why.text,
        re.M,
    ), why.text
    for line in why.text.splitlines():
        assert not ENGLISH.search(line), why.text
