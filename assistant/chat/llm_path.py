"""When and how an answer goes through the optional language model, and the fallback."""

from __future__ import annotations

import re
from collections.abc import Callable, Generator
from dataclasses import replace

from assistant.chat.citations import citation_for
from assistant.chat.learner_data import LearnerData
from assistant.chat.llm import LLMComposer, LLMPassage, LLMResult, LLMUnavailableError
from assistant.chat.pseudonyms import Pseudonymizer
from assistant.chat.templates import AnswerTemplates
from assistant.chat.types import Answer, AskContext

LEARNER_INTENTS = ("next_steps", "progress", "class_report")
SENTENCE_BREAK = re.compile(r"(?<=[.!?:\n])\s")


class LLMPath:
    """Rephrases grounded answers with a chat model; learner data only when settings allow."""

    def __init__(
        self,
        composer: LLMComposer,
        templates: AnswerTemplates,
        *,
        share_learner_data: bool,
        local: bool,
        learners: Callable[[], LearnerData] | None,
    ) -> None:
        self.composer = composer
        self.templates = templates
        self.share_learner_data = share_learner_data
        self.local = local
        self._learners = learners

    def applies(self, answer: Answer) -> bool:
        if answer.abstained or not (answer.passages or answer.facts):
            return False
        if answer.intent in LEARNER_INTENTS:
            return self.local or self.share_learner_data
        return True

    def _pseudonyms(self, context: AskContext, answer: Answer) -> Pseudonymizer:
        pseudonyms = Pseudonymizer()
        learner = answer.topic.get("learner")
        if learner:
            pseudonyms.add(str(learner), str(answer.topic.get("learner_name") or ""))
        if self._learners is not None and context.role in ("parent", "teacher", "admin"):
            for ref in self._learners().names_to_hide(context.user_id):
                pseudonyms.add(ref.id, ref.name)
        return pseudonyms

    def rephrase(
        self, question: str, context: AskContext, answer: Answer
    ) -> Generator[str, None, Answer]:
        pseudonyms = self._pseudonyms(context, answer)
        passages = [
            LLMPassage(citation_for(hit, hit.chunk.text[:400]), hit.chunk.text)
            for hit in answer.passages
        ]
        if not passages:
            passages = [LLMPassage(c, c.snippet) for c in answer.citations if c.snippet]
        facts = pseudonyms.hide_all(answer.facts)
        safe_passages = [replace(p, text=pseudonyms.hide(p.text)) for p in passages]
        buffer = ""
        emitted = False
        try:
            for piece in self.composer.stream(
                pseudonyms.hide(question), context.role, answer.language, safe_passages, facts
            ):
                if isinstance(piece, LLMResult):
                    if buffer:
                        yield pseudonyms.restore(buffer)
                    text = pseudonyms.restore(piece.text)
                    return replace(
                        answer,
                        text=text,
                        composer="llm",
                        citations=piece.citations or answer.citations,
                    )
                buffer += piece
                ready = SENTENCE_BREAK.split(buffer)
                if len(ready) > 1:
                    done = buffer[: len(buffer) - len(ready[-1])]
                    buffer = ready[-1]
                    emitted = True
                    yield pseudonyms.restore(done)
        except LLMUnavailableError:
            notice = self.templates.render("fallback_notice", answer.language)
            yield ("\n\n" if emitted or buffer else "") + notice + "\n\n" + answer.text
            return replace(answer, notice=notice, composer="extractive (fallback)")
        return answer
