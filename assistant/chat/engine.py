"""The conversation engine: who is asking, what they want, grounded answers with citations."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from assistant.chat.extractive import Extract, ExtractiveSelector, citation_for
from assistant.chat.guards import clean_message
from assistant.chat.intents import IntentClassifier
from assistant.chat.learner_data import LearnerAccessError, LearnerData, LearnerRef, NextStepsView
from assistant.chat.llm_path import LLMPath
from assistant.chat.memory import Conversation, Turn
from assistant.chat.templates import AnswerTemplates
from assistant.chat.types import AUDIENCE_OF_ROLE, Answer, AskContext, Citation, Intent
from assistant.errors import StoreUnavailableError
from assistant.frameworks.catalog import CatalogEntry, FrameworkCatalog
from assistant.language import detect_language
from assistant.retrieval.codes import codes_in
from assistant.retrieval.retriever import HybridRetriever, SearchFilters
from assistant.types import SearchHit

SENTENCES_BY_ROLE = {"student": 3, "parent": 4, "teacher": 5, "admin": 5}
LEVEL_WORDS = {
    "beginning": 1,
    "inicial": 1,
    "developing": 2,
    "en desarrollo": 2,
    "proficient": 3,
    "competente": 3,
    "advanced": 4,
    "avanzado": 4,
}
NEXT_ONE = re.compile(r"next|second|third|other|siguiente|segund|otr", re.I)
FOR_PARENT = re.compile(
    r"parent|mom|dad|mum|family|padre|madre|familia|simpler|plain|sencill", re.I
)
THANKS = re.compile(r"thank|thx|gracias|great|cool", re.I)


class _IndexHealth(threading.local):
    """Whether the knowledge index (the vector store) failed while this thread's current answer
    was being built: its searches then fall back to keywords and the answer says so."""

    degraded = False


@dataclass(frozen=True)
class ChatLimits:
    max_message_chars: int = 2000
    max_turns: int = 12
    passages: int = 6
    max_context_chars: int = 6000
    abstain_below: float = 0.35


class ChatEngine:
    def __init__(
        self,
        *,
        retriever: HybridRetriever,
        classifier: IntentClassifier,
        selector: ExtractiveSelector,
        templates: AnswerTemplates,
        catalog: Callable[[], FrameworkCatalog],
        learners: Callable[[], LearnerData] | None,
        limits: ChatLimits,
        llm: LLMPath | None = None,
    ) -> None:
        self.retriever = retriever
        self.classifier = classifier
        self.selector = selector
        self.templates = templates
        self._catalog = catalog
        self._learners = learners
        self.limits = limits
        self.llm = llm
        self._health = _IndexHealth()

    # public ---------------------------------------------------------------------------
    def new_conversation(self) -> Conversation:
        return Conversation(max_turns=self.limits.max_turns)

    def ask(
        self, message: str, context: AskContext, conversation: Conversation | None = None
    ) -> Answer:
        final: Answer | None = None
        for piece in self.stream(message, context, conversation):
            if isinstance(piece, Answer):
                final = piece
        assert final is not None
        return final

    def stream(
        self, message: str, context: AskContext, conversation: Conversation | None = None
    ) -> Iterator[str | Answer]:
        """Text pieces as they are ready, then the finished Answer (also kept in memory)."""
        text = clean_message(message, self.limits.max_message_chars)
        language = context.language or detect_language(text)
        context = replace(context, language=language)
        memory = conversation or self.new_conversation()
        decision = self.classifier.classify(text, context.role, has_history=memory.last is not None)
        self._health.degraded = False
        if decision.intent == "follow_up":
            answer, question, intent = self._follow_up(text, context, memory)
        else:
            intent, question = decision.intent, text
            answer = self._answer(intent, question, context, memory)
        answer = self._with_index_notice(answer)
        final = answer
        if self.llm is not None and self.llm.applies(answer):
            final = yield from self.llm.rephrase(question, context, answer)
        else:
            yield from re.findall(r"\S+\s*", answer.text)
        memory.add(Turn(text, question, intent, context, final))
        yield final

    # dispatch ---------------------------------------------------------------------------
    def _answer(
        self,
        intent: Intent,
        question: str,
        context: AskContext,
        memory: Conversation,
        *,
        extra: int = 0,
    ) -> Answer:
        language = context.language or "en"
        if intent == "small_talk":
            return self._small_talk(question, context)
        if intent == "out_of_scope":
            return self._abstain(intent, context)
        if intent in ("next_steps", "progress"):
            return self._learner_answer(intent, question, context, memory)
        if intent == "explain_competency":
            return self._explain_competency(question, context, memory, extra)
        if intent == "explain_level":
            return self._explain_level(question, context, memory, extra)
        topic = self._topic_code(question, memory)
        doc_type = "resource" if intent == "resources" and context.role == "student" else None
        hits = self._passages(question, context, doc_type=doc_type)
        return self._from_passages(
            intent,
            question,
            hits,
            context,
            language,
            extra=extra,
            topic=topic.code if topic else None,
        )

    def _small_talk(self, question: str, context: AskContext) -> Answer:
        language = context.language or "en"
        key = "small_talk.thanks" if THANKS.search(question) else "small_talk.greeting"
        text = self.templates.render(key, language, suggestions=self._suggestions(context))
        return Answer(text, "small_talk", language)

    def _abstain(self, intent: Intent, context: AskContext) -> Answer:
        language = context.language or "en"
        text = self.templates.render("no_answer", language, suggestions=self._suggestions(context))
        return Answer(text, intent, language, abstained=True)

    def _suggestions(self, context: AskContext) -> str:
        return self.templates.render(f"suggestions.{context.role}", context.language or "en")

    # retrieval-grounded answers ------------------------------------------------------------
    def _search(self, query: str, k: int, filters: SearchFilters) -> list[SearchHit]:
        """Hybrid search; when the vector store is unavailable, keyword search alone (the
        answer then carries a notice). A degraded answer is better than none: the BM25 side
        reads the index records, not the vector store."""
        if not self._health.degraded:
            try:
                return self.retriever.search(query, k=k, filters=filters)
            except StoreUnavailableError:
                self._health.degraded = True
        try:
            return self.retriever.search(query, k=k, filters=filters, mode="lexical")
        except StoreUnavailableError:
            return []

    def _with_index_notice(self, answer: Answer) -> Answer:
        if not self._health.degraded:
            return answer
        if answer.abstained and not answer.citations:
            text = self.templates.render("index_unavailable.answer", answer.language)
            return replace(answer, text=text)
        notice = self.templates.render("index_unavailable.notice", answer.language)
        return replace(answer, notice=notice)

    def _passages(
        self,
        question: str,
        context: AskContext,
        *,
        doc_type: str | None = None,
        k: int | None = None,
    ) -> list[SearchHit]:
        audience = AUDIENCE_OF_ROLE.get(context.role)
        k = k or self.limits.passages
        hits: list[SearchHit] = []
        if context.language == "es":
            hits = self._search(
                question,
                k,
                SearchFilters(audience=audience, doc_type=doc_type, language="es"),
            )
        if not hits:
            hits = self._search(question, k, SearchFilters(audience=audience, doc_type=doc_type))
        return self._bounded(hits)

    def _bounded(self, hits: list[SearchHit]) -> list[SearchHit]:
        kept: list[SearchHit] = []
        total = 0
        for hit in hits:
            total += len(hit.chunk.text)
            if total > self.limits.max_context_chars and kept:
                break
            kept.append(hit)
        return kept

    def _from_passages(
        self,
        intent: Intent,
        question: str,
        hits: list[SearchHit],
        context: AskContext,
        language: str,
        *,
        extra: int = 0,
        topic: str | None = None,
        lead: list[str] | None = None,
        lead_citations: tuple[Citation, ...] = (),
    ) -> Answer:
        count = SENTENCES_BY_ROLE.get(context.role, 4) + extra
        floor = 0.6 if not extra else 0.4  # "tell me more" reaches further down the passages
        extract = (
            self.selector.select(
                question,
                hits,
                count,
                per_passage=2 + extra // 2,
                floor=floor,
                lexical_share=0.6 if language == "es" else 0.3,  # MiniLM is English-only
            )
            if hits
            else Extract((), (), 0.0)
        )
        grounded = extract.sentences and extract.best_relevance >= self.limits.abstain_below
        if not grounded and not lead:
            return self._abstain(intent, context)
        citations = lead_citations + (extract.citations if grounded else ())
        lines = [
            self.templates.render(
                f"intro.{intent}", language, topic=topic or "", own=True, learner=""
            )
        ]
        lines += [f"- {line}" for line in lead or []]
        if grounded:
            numbers = {c.source + (c.section or ""): i for i, c in enumerate(citations, start=1)}
            for sentence in extract.sentences:
                cited = citation_for(hits[sentence.passage], "")
                n = numbers.get(cited.source + (cited.section or ""), 0)
                lines.append(f"- {sentence.text} [{n}]")
        return Answer(
            "\n".join(lines),
            intent,
            language,
            citations,
            topic={"code": topic} if topic else {},
            passages=tuple(hits) if grounded else (),
            facts=tuple(lead or ()),
        )

    # competencies and levels ---------------------------------------------------------------
    def _topic_code(self, question: str, memory: Conversation) -> CatalogEntry | None:
        catalog = self._catalog()
        for token in codes_in(question):
            entry = catalog.lookup(token)
            if entry is None:
                hits = self._search(token, 1, SearchFilters(doc_type="competency"))
                if hits and hits[0].code_match:
                    entry = catalog.lookup(str(hits[0].chunk.metadata.get("identifier")))
            if entry is not None:
                return entry
        last = memory.last_answered()
        if last and last.answer.topic.get("code") and len(question.split()) <= 12:
            return catalog.lookup(str(last.answer.topic["code"]))
        return None

    def _competency_citation(self, entry: CatalogEntry, snippet: str) -> Citation:
        return Citation(
            source=entry.framework_title,
            title=f"{entry.code} {entry.title}",
            section="Competency",
            code=entry.code,
            snippet=snippet,
        )

    def _explain_competency(
        self, question: str, context: AskContext, memory: Conversation, extra: int
    ) -> Answer:
        language = context.language or "en"
        entry = self._topic_code(question, memory)
        if entry is None:
            hits = self._passages(question, context)
            return self._from_passages(
                "explain_competency", question, hits, context, language, extra=extra
            )
        catalog = self._catalog()
        names = [catalog.entry(i) for i in catalog.prerequisites(entry.identifier)]
        after = [catalog.entry(i) for i in catalog.dependents(entry.identifier)]
        summary = self.templates.render(
            "competency",
            language,
            code=entry.code,
            statement=entry.item.statement,
            prerequisites=_join(f"{e.code} ({e.title})" for e in names),
            next=_join(f"{e.code} ({e.title})" for e in after),
        )
        lead = [summary] + (
            [entry.item.notes] if entry.item.notes and context.role != "student" else []
        )
        hits = [
            h
            for h in self._passages(f"{entry.code} {entry.title} {question}", context)
            if h.chunk.metadata.get("doc_type") != "competency"
        ]
        return self._from_passages(
            "explain_competency",
            question,
            hits,
            context,
            language,
            extra=extra,
            topic=entry.code,
            lead=lead,
            lead_citations=(self._competency_citation(entry, summary),),
        )

    def _explain_level(
        self, question: str, context: AskContext, memory: Conversation, extra: int
    ) -> Answer:
        language = context.language or "en"
        entry = self._topic_code(question, memory)
        wanted = _level_asked(question)
        lead: list[str] = []
        citations: tuple[Citation, ...] = ()
        if entry is not None:
            levels = self._catalog().scale(entry.identifier).levels
            chosen = [lv for lv in levels if wanted is None or lv.score == wanted] or list(levels)
            lead = [
                self.templates.render(
                    "level",
                    language,
                    score=f"{lv.score:g}",
                    label=lv.label,
                    description=lv.description,
                )
                for lv in chosen
            ]
            citations = (self._competency_citation(entry, " ".join(lead)),)
        query = question if entry is None else f"what does level {wanted or 3} mean {question}"
        hits = [
            h
            for h in self._passages(query, context)
            if h.chunk.metadata.get("doc_type") != "competency"
        ]
        return self._from_passages(
            "explain_level",
            question,
            hits,
            context,
            language,
            extra=extra,
            topic=entry.code if entry else None,
            lead=lead,
            lead_citations=citations,
        )

    # learner data -----------------------------------------------------------------------------
    def _learner_answer(
        self, intent: Intent, question: str, context: AskContext, memory: Conversation
    ) -> Answer:
        language = context.language or "en"
        if self._learners is None:
            return self._abstain(intent, context)
        learners = self._learners()
        learner_id = context.learner_id or _focus(memory)
        try:
            if learner_id is None:
                visible = learners.visible_learners(context.user_id)
                named = _named(question, visible)
                if named is not None:
                    visible = [named]
                if len(visible) != 1:
                    choices = ", ".join(f"{r.name} ({r.id})" for r in visible[:12])
                    return Answer(
                        self.templates.render("need_learner", language, choices=choices),
                        intent,
                        language,
                    )
                learner_id = visible[0].id
            view = learners.next_steps(
                context.user_id, learner_id, limit=3, with_levels=intent == "progress"
            )
        except LearnerAccessError:
            return Answer(
                self.templates.render("not_allowed", language), intent, language, abstained=True
            )
        memory.step_in_focus = 0
        return self._steps_answer(intent, view, context, language)

    def _steps_answer(
        self, intent: Intent, view: NextStepsView, context: AskContext, language: str
    ) -> Answer:
        own = context.role == "student"
        lines = [
            self.templates.render(
                f"intro.{intent}", language, own=own, learner=view.learner.name, topic=""
            )
        ]
        citations: list[Citation] = []
        if intent == "progress" and view.levels:
            lines += [
                f"- {code} {title}: {level:g} {label}" for code, title, level, label in view.levels
            ]
        if not view.steps:
            lines.append(self.templates.render("no_steps", language, reason=""))
        for n, step in enumerate(view.steps, start=1):
            resource = step.resources[0][0] if step.resources else ""
            lines.append(
                self.templates.render(
                    "step",
                    language,
                    n=n,
                    code=step.code,
                    title=step.title,
                    reason=step.reason,
                    aim=step.aim if context.role != "teacher" or n == 1 else "",
                    resource=resource,
                )
            )
            citations.append(
                Citation(
                    step.framework,
                    f"{step.code} {step.title}",
                    "Competency",
                    step.code,
                    step.reason,
                )
            )
            citations += [
                Citation(path, title, None, None, "") for title, path in step.resources[:1]
            ]
        return Answer(
            "\n".join(lines),
            intent,
            language,
            tuple(citations),
            steps=tuple(s.data for s in view.steps),
            topic={
                "learner": view.learner.id,
                "learner_name": view.learner.name,
                "code": view.steps[0].code if view.steps else "",
            },
            facts=tuple(lines[1:]),
        )

    # follow-ups -----------------------------------------------------------------------------
    def _follow_up(
        self, text: str, context: AskContext, memory: Conversation
    ) -> tuple[Answer, str, Intent]:
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
            return self._abstain("follow_up", context), text, "follow_up"
        if FOR_PARENT.search(text):
            parent = replace(last.context, role="parent", language=language)
            answer = self._answer(last.intent, last.question, parent, memory)
            lead = self.templates.render("simpler_for_parent", language)
            return replace(answer, text=f"{lead}\n{answer.text}"), last.question, last.intent
        answer = self._answer(
            last.intent, last.question, replace(context, language=language), memory, extra=2
        )
        return answer, last.question, last.intent

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
    line = f"- Builds on {prerequisite.get('code')} {prerequisite.get('title') or ''}".rstrip()
    level = prerequisite.get("level")
    if isinstance(level, int | float):
        line += f": level {level:g}"
        if prerequisite.get("reached_on"):
            line += f" since {prerequisite['reached_on']}"
    return line


def _named(question: str, visible: list[LearnerRef]) -> LearnerRef | None:
    """The one visible learner the question names (full name, or a first name only one of
    them has); None when it names none or several. Learners the asker may not see are never
    considered, so the reply to a hidden learner's name is the same as to a made-up one."""
    words = question.casefold()
    full = [r for r in visible if r.name and r.name.casefold() in words]
    if len(full) == 1:
        return full[0]
    first = [r for r in visible if r.name and _first_name_alone(question, r.name.split()[0])]
    return first[0] if len(first) == 1 else None


def _first_name_alone(question: str, first: str) -> bool:
    """The first name appears as a word not followed by a capitalised word (another surname:
    "Aisha Hernandez" must not pick the class's Aisha Sato)."""
    pattern = rf"(?i:\b{re.escape(first)}\b)(?!\s+[A-ZÁÉÍÓÚÑ])"
    return re.search(pattern, question) is not None


def _focus(memory: Conversation) -> str | None:
    for turn in reversed(memory.turns):
        learner = turn.answer.topic.get("learner")
        if learner:
            return str(learner)
        if turn.context.learner_id:
            return turn.context.learner_id
    return None


def _level_asked(question: str) -> float | None:
    lowered = question.casefold()
    for word, score in LEVEL_WORDS.items():
        if word in lowered:
            return float(score)
    match = re.search(r"(?<![\w.])([1-4])(?![\w.])", question)
    return float(match.group(1)) if match else None


def _join(parts: Iterator[str] | list[str]) -> str:
    items = list(parts)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
