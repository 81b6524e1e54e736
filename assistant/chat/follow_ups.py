"""Follow-ups: the next step of the last answer's steps, the last answer again for a parent or
in simpler words, or more of the last answer."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Protocol

from assistant.chat.answers.guides import GuidePlan
from assistant.chat.catalog_words import CatalogWords
from assistant.chat.knowledge import KnowledgeAnswers, practice_of
from assistant.chat.leads import sentences
from assistant.chat.memory import Conversation, Turn
from assistant.chat.replies import Replies
from assistant.chat.sections import PARENT_SECTION
from assistant.chat.templates import AnswerTemplates
from assistant.chat.types import Answer, AskContext, Citation, Intent

NEXT_ONE = re.compile(r"next|second|third|other|siguiente|segund|otr", re.I)
FOR_PARENT = re.compile(
    r"parent|mom|dad|mum|family|padre|madre|pap[aá]|mam[aá]|familia|simpler|plain|sencill|"
    r"easier|f[aá]cil",
    re.I,
)
PARENT_WORD = re.compile(r"parent|mom|dad|mum|family|padre|madre|pap[aá]|mam[aá]|familia", re.I)
MARKER = re.compile(r"\s*\[\d+\]")
SHORTER_SENTENCES = 2
SIMPLER = re.compile(r"simpler|plain|sencill|easier|f[aá]cil|kid|niñ", re.I)


class Dispatch(Protocol):
    """The engine's answer for an intent (a follow-up asks the last question again)."""

    def __call__(
        self,
        intent: Intent,
        question: str,
        context: AskContext,
        memory: Conversation,
        *,
        more: bool = False,
    ) -> Answer: ...


class FollowUps:
    def __init__(
        self,
        *,
        answer: Dispatch,
        knowledge: KnowledgeAnswers,
        guides: GuidePlan,
        templates: AnswerTemplates,
        words: CatalogWords,
        replies: Replies,
    ) -> None:
        self._answer = answer
        self.knowledge = knowledge
        self.guides = guides
        self.templates = templates
        self.words = words
        self.replies = replies

    def follow_up(
        self, text: str, context: AskContext, memory: Conversation
    ) -> tuple[Answer, str, Intent]:
        """The answer, and the question and intent it answers (the last turn's)."""
        with_steps = memory.last_with_steps()
        last = memory.last_answered()
        language = context.language or "en"
        if with_steps is not None and (last is None or with_steps is last):
            steps = with_steps.answer.steps
            if NEXT_ONE.search(text):
                memory.step_in_focus = min(memory.step_in_focus + 1, len(steps) - 1)
            if not FOR_PARENT.search(text):
                return (
                    self._one_step(with_steps, memory.step_in_focus, language),
                    with_steps.question,
                    with_steps.intent,
                )
        if last is None:
            return self.replies.abstain("follow_up", context), text, "follow_up"
        if FOR_PARENT.search(text):
            for_parent = bool(PARENT_WORD.search(text)) or not SIMPLER.search(text)
            retold = self._retold(last, context, memory, for_parent=for_parent)
            return retold, last.question, last.intent
        answer = self._answer(
            last.intent, last.question, replace(context, language=language), memory, more=True
        )
        return answer, last.question, last.intent

    def _retold(
        self, last: Turn, context: AskContext, memory: Conversation, *, for_parent: bool
    ) -> Answer:
        """The last answer again for someone else: for a parent ("explain that to my mom"),
        how a parent can help at home with the competencies it was about (the practice
        resource's parent section); in simpler words, the same question from the plainest
        guides, the students'. Never the same sections again."""
        language = context.language or "en"
        lead = self.templates.render("simpler_for_parent", language)
        codes = codes_of(last.answer) if for_parent else []
        if codes:
            lines, citations = self._home_help(codes, language)
            if lines:
                return Answer(
                    "\n\n".join([lead, *lines]),
                    last.intent,
                    language,
                    tuple(citations),
                    topic=last.answer.topic,
                    facts=tuple(lines),
                )
        if for_parent and last.intent in ("explain_level", "explain_competency"):
            parent = replace(last.context, role="parent", language=language)
            return self._answer(last.intent, last.question, parent, memory)
        shown = frozenset((c.source, c.section or "") for c in last.answer.citations)
        # simpler words from the students' guides; a parent is never answered in a voice that
        # speaks to the learner ("you are on the way"), and only from the parents' guides in
        # their language (a child's name in the question is no topic). An answer already from
        # those guides is said again shorter: another section would be another topic.
        plainest = "parent" if for_parent or context.role == "parent" else "student"
        first = last.answer.citations[0].source if last.answer.citations else ""
        if not for_parent and (not first.startswith("guides/") or f"/{plainest}s/" in first):
            return self._simpler(self._shorter(last, language), language)
        hits = [
            h
            for h in self.guides.hits(last.question, language)
            if h.chunk.metadata.get("language") == language
            and h.chunk.metadata.get("audience") in (f"{plainest}s", "all")
        ]
        composed = self.guides.compose(
            last.question,
            hits,
            role=plainest,
            language=language,
            exclude=shown,
        )
        if not composed.lines and for_parent:
            parent = replace(last.context, role="parent", language=language)
            return self._answer(last.intent, last.question, parent, memory)
        answer = self.knowledge.composed(last.intent, composed, hits, context, None)
        if for_parent:
            return answer
        if answer.abstained:  # no section for them: the last answer's opening, shorter
            answer = self._shorter(last, language)
        return self._simpler(answer, language)

    def _simpler(self, answer: Answer, language: str) -> Answer:
        return replace(
            answer, text=f"{self.templates.render('simpler', language)}\n\n{answer.text}"
        )

    @staticmethod
    def _shorter(last: Turn, language: str) -> Answer:
        """The first two sentences of the last answer's opening, with its first source."""
        opening = MARKER.sub("", last.answer.text.split("\n\n")[0]).strip()
        text = " ".join(sentences(opening)[:SHORTER_SENTENCES])
        return Answer(
            f"{text} [1]" if last.answer.citations else text,
            last.intent,
            language,
            last.answer.citations[:1],
            topic=last.answer.topic,
            facts=(text,),
        )

    def _home_help(self, codes: list[str], language: str) -> tuple[list[str], list[Citation]]:
        lines: list[str] = []
        citations: list[Citation] = []
        for code in codes[:2]:
            query = f"{code} how a parent can help at home"
            hits = [
                h
                for h in self.guides.hits(query, language, doc_type="resource")
                if practice_of(h, code)
                and PARENT_SECTION.search(str(h.chunk.metadata.get("section") or ""))
            ]
            composed = self.guides.compose(
                "how can a parent help at home",
                hits,
                role="parent",
                language=language,
                extra_words=("parent", "casa", "home", "padres"),
            )
            if composed.lines:
                citations.append(composed.citations[0])
                text = composed.lines[0].rsplit(" [", 1)[0]
                title = self.words.code_title(code, code, language)
                lines.append(f"{title} ({code}): {text} [{len(citations)}]")
        return lines, citations

    def _one_step(self, turn: Turn, index: int, language: str) -> Answer:
        step = turn.answer.steps[index]
        lines = [f"{step.get('code')} {step.get('title')}: {step.get('reason')}"]
        for prerequisite in step.get("prerequisites") or []:  # type: ignore[attr-defined]
            if isinstance(prerequisite, dict):
                lines.append(_prerequisite_line(prerequisite))
        for aim in step.get("aim") or []:  # type: ignore[attr-defined]
            if isinstance(aim, dict):
                lines.append(f"- {aim.get('level'):g} {aim.get('label')}: {aim.get('description')}")
        citation = Citation(
            str(step.get("framework")),
            f"{step.get('code')} {step.get('title')}",
            "Competency",
            str(step.get("code")),
            str(step.get("reason")),
        )
        return Answer(
            "\n".join(lines),
            turn.intent,
            language,
            (citation,),
            steps=(step,),
            topic={"code": str(step.get("code"))},
        )


def _prerequisite_line(prerequisite: dict[str, object]) -> str:
    """The step's own line for a prerequisite, already in the asker's language."""
    return f"- {prerequisite.get('line') or prerequisite.get('code')}"


def codes_of(answer: Answer) -> list[str]:
    """The competencies an answer was about: its steps, its topic, or the practice resource
    it quoted."""
    if answer.steps:
        return [str(step.get("code")) for step in answer.steps if step.get("code")]
    if answer.topic.get("code"):
        return [str(answer.topic["code"])]
    for hit in answer.passages:
        if hit.chunk.metadata.get("doc_type") == "resource":
            listed = str(hit.chunk.metadata.get("competencies") or "")
            return [code for code in listed.split(",") if code]
    return []
