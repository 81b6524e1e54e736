"""The answers that need no knowledge: small talk, and saying that nothing answers."""

from __future__ import annotations

import re

from assistant.chat.templates import AnswerTemplates
from assistant.chat.types import Answer, AskContext, Intent

THANKS = re.compile(r"thank|thx|gracias|great|cool", re.I)


class Replies:
    def __init__(self, templates: AnswerTemplates) -> None:
        self.templates = templates

    def small_talk(self, question: str, context: AskContext) -> Answer:
        language = context.language or "en"
        key = "small_talk.thanks" if THANKS.search(question) else "small_talk.greeting"
        text = self.templates.render(key, language, suggestions=self.suggestions(context))
        return Answer(text, "small_talk", language)

    def abstain(self, intent: Intent, context: AskContext) -> Answer:
        language = context.language or "en"
        text = self.templates.render("no_answer", language, suggestions=self.suggestions(context))
        return Answer(text, intent, language, abstained=True)

    def decline_work(self, context: AskContext) -> Answer:
        """Asked to do the work itself ("do problems 1-10 for me"): declined, with what
        Waypoint can do instead."""
        language = context.language or "en"
        text = self.templates.render("do_the_work", language, suggestions=self.suggestions(context))
        return Answer(text, "out_of_scope", language, abstained=True)

    def suggestions(self, context: AskContext) -> str:
        return self.templates.render(f"suggestions.{context.role}", context.language or "en")
