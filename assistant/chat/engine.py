"""The conversation engine: who is asking, what they want, grounded answers with citations."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from assistant.chat.answers.classes import TEACHING, class_answer
from assistant.chat.answers.feelings import ROLES, shows_distress
from assistant.chat.answers.guides import Composed, GuidePlan, renumber
from assistant.chat.answers.levels import (
    LevelPlan,
    asks_meaning,
    compares_levels,
    level_asked,
    strip_codes,
)
from assistant.chat.answers.listing import asks_listing, listed
from assistant.chat.answers.overview import OverviewPlan, asks_all_children, asks_pace
from assistant.chat.answers.readiness import ReadinessPlan, asks_readiness
from assistant.chat.answers.school import (
    WHAT_WORKED,
    asks_school_figures,
    responsiveness_lines,
    what_worked_lines,
)
from assistant.chat.guards import clean_message
from assistant.chat.intents import IntentClassifier
from assistant.chat.learner_data import (
    LearnerAccessError,
    LearnerData,
    LearnerRef,
    NextStepsView,
    StepView,
)
from assistant.chat.llm_path import LLMPath
from assistant.chat.memory import Conversation, Turn
from assistant.chat.names import named_learner
from assistant.chat.routing import (
    DATA_WORDS,
    Anchor,
    class_in,
    names_someone_else,
    points_back,
    route,
)
from assistant.chat.sections import PARENT_SECTION, SectionPicker
from assistant.chat.templates import AnswerTemplates
from assistant.chat.types import Answer, AskContext, Citation, Intent
from assistant.chat.word_overlap import overlap, shares_phrase, stems
from assistant.errors import StoreUnavailableError
from assistant.frameworks.catalog import CatalogEntry, FrameworkCatalog
from assistant.frameworks.practice import Activity, ResourceLink
from assistant.frameworks.scale import DEFAULT_SCALE, ProficiencyScale
from assistant.frameworks.translations import Translations
from assistant.language import detect_language
from assistant.retrieval.codes import codes_in
from assistant.retrieval.lexical import tokens
from assistant.retrieval.retriever import PassageSource, SearchFilters
from assistant.types import SearchHit

NEXT_ONE = re.compile(r"next|second|third|other|siguiente|segund|otr", re.I)
WHAT_NEXT = re.compile(
    r"next|work(ing)? on|focus|give (him|her|them)|siguiente|trabaj|enfoc|practic", re.I
)
FOR_PARENT = re.compile(
    r"parent|mom|dad|mum|family|padre|madre|pap[aá]|mam[aá]|familia|simpler|plain|sencill|"
    r"easier|f[aá]cil",
    re.I,
)
PARENT_WORD = re.compile(r"parent|mom|dad|mum|family|padre|madre|pap[aá]|mam[aá]|familia", re.I)
SIMPLER = re.compile(r"simpler|plain|sencill|easier|f[aá]cil|kid|niñ", re.I)
THANKS = re.compile(r"thank|thx|gracias|great|cool", re.I)
LEARNER_INTENTS: tuple[Intent, ...] = ("next_steps", "progress")
# Section headings that suit an intent's answers.
KIND_HEADINGS: dict[str, tuple[str, ...]] = {
    "intervention": (r"sticking point", r"mini-lesson", r"intervention", r"reteach", r"tier"),
    "resources": (r"activity", r"try these", r"help", r"practi", r"actividad", r"ayudar"),
}
LEVEL_NAME = re.compile(
    r"\b(beginning|developing|proficient|advanced|inicial|en desarrollo|competente|avanzado)\b",
    re.I,
)
# A teacher asking for one of their learners' steps without saying whose.
STAFF_ASKS = re.compile(r"\bnext( steps?)?\b|\bwork on\b|\bhow is\b.{0,30}\bdoing\b", re.I)
# A question about learners in general ("a student who…"), not about one of the asker's.
ANY_LEARNER = re.compile(
    r"\b(a|any|every|each|some) (student|learner|kid|child)\b|\b(students|learners|kids) who\b"
    r"|\bun (estudiante|alumno)\b",
    re.I,
)
# The words of any question about a class, left out when looking for the competency it names.
CLASS_TALK = re.compile(
    r"\b(any(one|body)?|who('?s)?|which|what|is|are|in|on|my|the|class|kids?|students?|learners?"
    r"|stuck|behind|struggling|need|needs|help|with|tier ?[123]?|groups?|grouping|this|week|"
    r"today|tomorrow|tmrw|do|does|should|i|how|of|for|quién|quiénes|en|mi|clase|atascados?|"
    r"estudiantes|alumnos|grupos?)\b|[^\w\s]",
    re.I,
)
CLASS_FOCUS_SIMILARITY = 0.4
# Asking what a level means, even about one's own child.
MEANS = re.compile(r"\bmeans?\b|\bmeaning\b|\bsignifica|\bquiere decir\b", re.I)
# Tiers of support ("apoyo de nivel 2", "tier 2") are not proficiency levels.
TIER_WORDS = re.compile(r"\btiers?\b|\bapoyo\b|\bmtss\b|\bintervenci", re.I)
# …and of any question about a learner's progress.
COMMON_IN_TITLES = 3  # a word in this many competency titles names none of them
LEARNER_TALK = re.compile(
    r"\b(what'?s|whats|where|how|am|doing|level|levels|score|scores|grade|grades|progress|"
    r"update|quick|pls|please|now|right|rn|worry|worried|about|anything|should|nivel|niveles|"
    r"c[oó]mo|va|voy|estoy|tengo|mis?|sus?|hij[oa]|son|daughter|kid|child|he|she|his|her|"
    r"there|up|to|at|a|an|and|or|so|far|yet|ya|work|working|next|focus|study|practi[cs]e|"
    r"tackle|start|first|this|week|today|skills?|need|needs|help|siguiente|estudiar|trabajar|"
    r"practicar|repasar|casa|esta|semana|ahora|qu[eé]|hacer|debo|tiene|que|step|steps|paso|"
    r"pasos|thing|things|stuff|cosa|cosas|one|unit|tema)\b",
    re.I,
)
LEARNER_FOCUS_SIMILARITY = 0.5
# A question naming a competency but asking something else ("do I fail them", "can a poster
# count"): at least this many words besides the code, none asking what the competency is, and a
# guide section listing a question at least this close.
ASIDE_WORDS = 5
ABOUT_ITSELF = re.compile(
    r"^\W*(what('?s| is| does| are)|explain|describe|tell me about|qu[eé] (es|significa)|"
    r"expl[ií]ca)|\bmeans?\b|\bsignifica\b|\bde qu[eé] trata\b",
    re.I,
)
ASKED_FIRST = 0.6
# Asking for practice itself (not how to help or what to do): the practice resources answer.
PRACTICE = re.compile(
    r"\bpracti[cs]e (for|on|with|problems?|questions?)\b|\b(problems?|questions?|exercises?|"
    r"worksheet) (to|for|on)\b|\bquiz me\b|\bejercicios?\b|\bpracticar\b|\bproblemas? (de|para)\b",
    re.I,
)
# Asking for an exit check on a competency: the one its mini-lesson ends with.
EXIT_CHECK = re.compile(
    r"\bexit (check|ticket|slip|question)s?\b|\bticket out( the door)?\b"
    r"|\b(boleto|pregunta|ticket) de salida\b",
    re.I,
)
# How close a guide section must be to answer a message no intent recognised.
NAMED_ABSTAIN = 0.25  # the similarity a section whose heading names the topic needs
RESCUE_SIMILARITY = 0.5  # (a section's text or one of the questions it lists)


class _IndexHealth(threading.local):
    """Whether the knowledge index (the vector store) failed while this thread's current answer
    was being built: its searches then fall back to keywords and the answer says so."""

    degraded = False
    similarity = 0.0  # how closely the last composed answer's best section matched
    asked = 0.0  # how closely a question its leading sections list matched


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
        retriever: PassageSource,
        classifier: IntentClassifier,
        picker: SectionPicker,
        templates: AnswerTemplates,
        catalog: Callable[[], FrameworkCatalog],
        learners: Callable[[], LearnerData] | None,
        limits: ChatLimits,
        translations: Translations | None = None,
        llm: LLMPath | None = None,
    ) -> None:
        self.retriever = retriever
        self.classifier = classifier
        self.templates = templates
        self._catalog = catalog
        self._learners = learners
        self.limits = limits
        self.translations = translations or Translations()
        self.llm = llm
        self._health = _IndexHealth()
        self.guides = GuidePlan(
            lambda query, k, filters: self._search(query, k, filters),
            retriever.opening,
            picker,
            templates,
        )
        self.levels = LevelPlan(self.guides, templates, self.translations)
        self.readiness = ReadinessPlan(templates, self.translations)
        self.overview = OverviewPlan(templates, self.translations)

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
        self._health.degraded = False
        intent: Intent
        figures = asks_school_figures(text, context.role)
        if figures is not None and self._learners is not None and context.user_id is not None:
            # the school's figures: no intent or anchor needed (nor the model to find them)
            intent, question = "class_report", text
            answer = self._school_answer(figures, text, context)
        else:
            has_history = memory.last is not None
            decision = self.classifier.classify(text, context.role, has_history=has_history)
            anchor = self._anchor(text, context, memory)
            if anchor.route == "class":
                intent, question = "class_report", text
                answer = self._class_answer(text, context, memory, anchor)
            elif decision.intent == "follow_up":
                answer, question, intent = self._follow_up(text, context, memory)
            elif anchor.route == "general" and asks_listing(text) and listed(self._catalog(), text):
                intent, question = "explain_competency", text
                answer = self._listing_answer(text, context)
            else:
                signed_in = context.user_id is not None or context.role == "admin"
                intent = self._routed(decision.intent, text, anchor, context.role, signed_in)
                question = text
                answer = self._answer(intent, question, context, memory, anchor=anchor)
                if (
                    answer.abstained
                    and intent == "out_of_scope"
                    and decision.method in ("threshold", "similarity")
                ):
                    # no rule said out of scope and no intent was clearly ahead: a guide section
                    # that clearly matches still answers
                    rescued = self._from_guides("explain_cbe", text, context, memory)
                    close = max(self._health.similarity, self._health.asked)
                    named = any(shares_phrase(text, c.section or "") for c in rescued.citations[:1])
                    if not rescued.abstained and (close >= RESCUE_SIMILARITY or named):
                        answer, intent = rescued, "explain_cbe"
        answer = self._with_index_notice(answer)
        if (
            context.role in ROLES
            and not answer.abstained
            and intent not in ("small_talk", "out_of_scope")
            and shows_distress(text)
        ):
            line = self.templates.render(f"acknowledge.{context.role}", language)
            answer = replace(answer, text=f"{line} {answer.text}")
        final = answer
        if self.llm is not None and self.llm.applies(answer):
            final = yield from self.llm.rephrase(question, context, answer)
        else:
            yield from re.findall(r"\S+\s*", answer.text)
        memory.add(Turn(text, question, intent, context, final))
        yield final

    # routing: mine or general ----------------------------------------------------------------
    def _anchor(self, text: str, context: AskContext, memory: Conversation) -> Anchor:
        """What the message is anchored to: the asker's own data, a learner or class they may
        see, or nothing (general knowledge)."""
        if self._learners is None or (context.user_id is None and context.role != "admin"):
            return Anchor("general")  # nobody signed in: general answers only
        if context.learner_id and (DATA_WORDS.search(text) or points_back(text)):
            return Anchor("own_data")  # the app or --learner chose whom it is about
        learners = self._learners()
        try:
            if context.role in ("teacher", "admin"):
                classes = [c for c, _ in learners.classes(context.user_id)]
                named = named_learner(text, learners.names_to_hide(context.user_id))
                found = route(text, context.role, named=named, class_id=class_in(text, classes))
                if found.route == "class" and found.class_id is None:
                    in_focus = context.class_id or _class_focus(memory)
                    if in_focus is None and len(classes) == 1:
                        in_focus = classes[0]
                    return Anchor("class", class_id=in_focus)
                return found
            own = learners.own_learners(context.user_id)
        except LearnerAccessError:
            return route(text, context.role)
        stranger = context.role == "parent" and names_someone_else(text, own)
        named = named_learner(text, own) if context.role == "parent" else None
        steps_shown = memory.last is not None and bool(memory.last.answer.steps)
        return route(text, context.role, named=named, steps_shown=steps_shown, stranger=stranger)

    @staticmethod
    def _routed(intent: Intent, text: str, anchor: Anchor, role: str, signed_in: bool) -> Intent:
        """Learner-data intents need an anchor; without one the guides answer (a teacher who
        asks for next steps without saying whose is asked which learner). An anchored question
        about one's own progress is a learner-data question whatever it resembled."""
        if anchor.stranger:
            return "progress"
        if intent == "explain_competency" and LEVEL_NAME.search(text):
            return "explain_level"
        if (
            intent in ("explain_cbe", "resources")
            and anchor.route == "general"
            and level_asked(text) is not None
            and MEANS.search(text)
            and not TIER_WORDS.search(text)
        ):
            return "explain_level"  # "que significa que tengo 1", "what does it mean I got a 2"
        if intent in LEARNER_INTENTS and anchor.route == "general":
            staff = role in ("teacher", "admin") and signed_in
            if staff and STAFF_ASKS.search(text) and not ANY_LEARNER.search(text):
                return intent
            return "explain_level" if level_asked(text) is not None else "explain_cbe"
        if anchor.route == "own_data" and asks_readiness(text) and codes_in(text):
            return "next_steps"  # "what does Theo need before M.7.RP.3": his prerequisites
        general = ("explain_cbe", "explain_level", "resources", "intervention", "out_of_scope")
        if anchor.route == "own_data" and level_asked(text) is not None and MEANS.search(text):
            return "explain_level"  # "what does a 3 mean on Maya's report": the scale, not data
        if anchor.route == "own_data" and intent in general:
            return "next_steps" if WHAT_NEXT.search(text) else "progress"
        return intent

    # dispatch ---------------------------------------------------------------------------
    def _answer(
        self,
        intent: Intent,
        question: str,
        context: AskContext,
        memory: Conversation,
        *,
        more: bool = False,
        anchor: Anchor | None = None,
    ) -> Answer:
        exit_check = self._exit_check(question, context)
        if exit_check is not None and intent not in LEARNER_INTENTS:
            return exit_check
        if intent == "small_talk":
            return self._small_talk(question, context)
        if intent == "out_of_scope":
            return self._abstain(intent, context)
        if intent in LEARNER_INTENTS:
            return self._learner_answer(intent, question, context, memory, anchor)
        if intent == "class_report":
            return self._class_answer(question, context, memory, anchor or Anchor("class"))
        if intent == "explain_competency":
            return self._explain_competency(question, context, memory, more)
        if intent == "explain_level":
            return self._explain_level(question, context, memory, more)
        return self._from_guides(intent, question, context, memory, more=more)

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

    def _from_guides(
        self,
        intent: Intent,
        question: str,
        context: AskContext,
        memory: Conversation,
        *,
        more: bool = False,
        named: tuple[str, ...] = (),
        also: str = "",
    ) -> Answer:
        """`named`: heading words that name what is asked; `also`: words added to the search
        (the level a question names, so the guide page on that level is among the candidates)."""
        language = context.language or "en"
        topic = self._topic_code(question, memory)
        query = f"{topic.code} {topic.title} {question}" if topic else question
        query = f"{query} {also}".strip()
        hits = self.guides.hits(query, language)
        composed = self.guides.compose(
            question,
            hits,
            role=context.role,
            language=language,
            more=more,
            extra_words=KIND_HEADINGS.get(intent, ()),
            prefer="resource" if intent == "resources" and PRACTICE.search(question) else None,
            # how things work is in the guides, not in one competency's practice
            avoid=("competency", "resource") if intent == "explain_cbe" else ("competency",),
            named=named,
        )
        answer = self._composed(intent, composed, hits, context, topic.code if topic else None)
        if answer.abstained and topic is not None and codes_in(question):
            # a named competency is in scope however loosely the rest matched: its own
            # statement and the guide section on it answer
            return self._explain_competency(question, context, memory, more)
        return answer

    def _composed(
        self,
        intent: Intent,
        composed: Composed,
        hits: list[SearchHit],
        context: AskContext,
        topic: str | None,
        *,
        grounded_by_framework: bool = False,
    ) -> Answer:
        language = context.language or "en"
        self._health.similarity = composed.similarity
        self._health.asked = composed.asked
        # a heading that names the question's topic word for word ("rotation stations") holds
        # at a lower similarity than the text alone needs
        floor = NAMED_ABSTAIN if composed.named else self.limits.abstain_below
        if not composed.lines or (composed.similarity < floor and not grounded_by_framework):
            return self._abstain(intent, context)
        used = {c.source for c in composed.citations}
        return Answer(
            "\n\n".join(composed.lines),
            intent,
            language,
            composed.citations,
            topic={"code": topic} if topic else {},
            passages=tuple(h for h in hits if h.chunk.source in used),
            facts=composed.lines,
        )

    # competencies and levels ---------------------------------------------------------------
    def _listing_answer(self, question: str, context: AskContext) -> Answer:
        """The competencies asked for, one line each, straight from the frameworks."""
        language = context.language or "en"
        entries = listed(self._catalog(), question)
        lines: list[str] = []
        rows: list[str] = []
        for framework in dict.fromkeys(e.framework_title for e in entries):
            mine = [e for e in entries if e.framework_title == framework]
            if lines:
                lines.append("")
            lines.append(
                self.templates.render("listing", language, count=len(mine), framework=framework)
            )
            rows += [f"- {entry.code} {self._title(entry, language)}" for entry in mine]
            lines += rows[-len(mine) :]
        return Answer(
            "\n".join(lines),
            "explain_competency",
            language,
            tuple(self._competency_citation(e, self._title(e, language)) for e in entries),
            facts=tuple(rows),
        )

    def _topic_code(self, question: str, memory: Conversation) -> CatalogEntry | None:
        """The competency a question names, or (only when the message points back: "it",
        "that", "why") the one the conversation was about."""
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
        if last and last.answer.topic.get("code") and points_back(question):
            return catalog.lookup(str(last.answer.topic["code"]))
        return None

    def _competency_citation(self, entry: CatalogEntry, snippet: str) -> Citation:
        return Citation(
            source=entry.framework_title,
            title=f"{entry.code} {entry.title}",
            section=None,
            code=entry.code,
            snippet=snippet,
        )

    def _explain_competency(
        self, question: str, context: AskContext, memory: Conversation, more: bool
    ) -> Answer:
        language = context.language or "en"
        entry = self._topic_code(question, memory)
        if entry is None:
            return self._from_guides("explain_competency", question, context, memory, more=more)
        catalog = self._catalog()
        names = [catalog.entry(i) for i in catalog.prerequisites(entry.identifier)]
        after = [catalog.entry(i) for i in catalog.dependents(entry.identifier)]
        statement = self.translations.statement(
            entry.item.identifier, language, entry.item.statement
        )
        summary = self.templates.render(
            "competency",
            language,
            code=entry.code,
            statement=statement,
            prerequisites=_join(
                (f"{e.code} ({self._title(e, language)})" for e in names), language
            ),
            next=_join((f"{e.code} ({self._title(e, language)})" for e in after), language),
        )
        lines = [f"{summary} [1]"]
        citations = [self._competency_citation(entry, summary)]
        if entry.item.notes and context.role == "teacher" and language == "en":
            lines.append(entry.item.notes)
        hits: list[SearchHit] = []
        guide = Composed((), (), 0.0)
        about = strip_codes(question)
        if len(about.split()) >= ASIDE_WORDS and not ABOUT_ITSELF.search(about):
            # "can a poster count as evidence for M.7.RP.4": a question that only names the
            # competency is answered from the guide section it matches, the competency after
            hits = self.guides.hits(about, language)
            asked = self.guides.compose(about, hits, role=context.role, language=language)
            if asked.lines and asked.asked >= ASKED_FIRST:
                lines = list(asked.lines) + [renumber(line, len(asked.citations)) for line in lines]
                citations = list(asked.citations) + citations
            else:
                hits = []
        if not hits:  # the guide section on the competency itself, after its statement
            hits = self.guides.hits(f"{entry.code} {entry.title} {question}", language)
            guide = self.guides.compose(
                f"{entry.title} {question}", hits, role=context.role, language=language, more=more
            )
        if guide.lines and guide.similarity >= self.limits.abstain_below:
            lines += [renumber(line, len(citations)) for line in guide.lines]
            citations += guide.citations
        composed = Composed(tuple(lines), tuple(citations), 1.0)
        return self._composed(
            "explain_competency", composed, hits, context, entry.code, grounded_by_framework=True
        )

    def _exit_check(self, question: str, context: AskContext) -> Answer | None:
        """An exit check asked for on a named competency: the one its teacher guide's
        mini-lesson ends with (None when not asked, or the competency has none)."""
        if not EXIT_CHECK.search(question):
            return None
        catalog = self._catalog()
        entry = next(filter(None, (catalog.lookup(code) for code in codes_in(question))), None)
        entry = entry or self._titled(EXIT_CHECK.sub(" ", question), context.language or "en")
        if entry is None:
            return None
        checks = [a for a in catalog.activities(entry.identifier) if a.exit_check]
        return self._exit_check_answer(entry, checks[0], context) if checks else None

    def _titled(self, text: str, language: str) -> CatalogEntry | None:
        """The competency whose title shares most of the text's words ("a good exit ticket for
        unit rates"): two words or more, or one that few titles have; the first in framework
        order on a tie."""
        entries = self._catalog().assessable()
        titles = [stems(self._title(e, language)) for e in entries]
        asked = stems(text)
        shared = [asked & title for title in titles]
        best = max(range(len(entries)), key=lambda i: len(shared[i]), default=None)
        if best is None or not shared[best]:
            return None
        words = shared[best]
        if len(words) == 1 and sum(bool(words & t) for t in titles) >= COMMON_IN_TITLES:
            return None
        return entries[best]

    def _exit_check_answer(
        self, entry: CatalogEntry, activity: Activity, context: AskContext
    ) -> Answer:
        language = context.language or "en"
        text = self.templates.render(
            "exit_check",
            language,
            code=entry.code,
            title=self._title(entry, language),
            check=activity.exit_check,
            section=activity.section,
            guide=activity.guide,
        )
        citation = Citation(activity.path, activity.guide, activity.section, None, text)
        return Answer(
            f"{text} [1]",
            "explain_competency",
            language,
            (citation, self._competency_citation(entry, self._title(entry, language))),
            topic={"code": entry.code},
            facts=(text,),
        )

    def _code_and_title(self, entry: CatalogEntry, language: str) -> str:
        return f"{entry.code} ({self._title(entry, language)})"

    def _title(self, entry: CatalogEntry, language: str) -> str:
        return self.translations.title(entry.item.identifier, language, entry.title)

    def _explain_level(
        self, question: str, context: AskContext, memory: Conversation, more: bool
    ) -> Answer:
        entry = self._topic_code(question, memory)
        if (
            entry is None
            and not compares_levels(question)
            and (TIER_WORDS.search(question) or not asks_meaning(question))
        ):
            wanted = level_asked(question)
            named: tuple[str, ...] = ()
            level = ""
            if wanted is not None and not TIER_WORDS.search(question):
                named = (rf"(?<![\w.,:]){wanted:g}(?![\w.,:])",)
                level = f"level {wanted:g} {self._scale(None).level_at(wanted).label}"
            return self._from_guides(
                "explain_level", question, context, memory, more=more, named=named, also=level
            )
        scale = self._scale(entry)
        composed = self.levels.answer(
            question,
            scale,
            entry,
            role=context.role,
            language=context.language or "en",
            more=more,
        )
        return self._composed(
            "explain_level",
            composed,
            [],
            context,
            entry.code if entry else None,
            grounded_by_framework=True,
        )

    def _scale(self, entry: CatalogEntry | None) -> ProficiencyScale:
        catalog = self._catalog()
        if entry is not None:
            return catalog.scale(entry.identifier)
        first = next(iter(catalog.assessable()), None)
        return catalog.scale(first.identifier) if first else DEFAULT_SCALE

    # a teacher's class ---------------------------------------------------------------------
    def _class_answer(
        self, question: str, context: AskContext, memory: Conversation, anchor: Anchor
    ) -> Answer:
        language = context.language or "en"
        if self._learners is None:
            return self._abstain("class_report", context)
        learners = self._learners()
        try:
            if anchor.class_id is None:
                classes = learners.classes(context.user_id)
                listed = ", ".join(f"{c} ({name})" for c, name in classes)
                text = self.templates.render("which_class", language, classes=listed)
                return Answer(text, "class_report", language)
            report = learners.class_report(context.user_id, anchor.class_id)
        except LearnerAccessError:
            text = self.templates.render("not_allowed", language)
            return Answer(text, "class_report", language, abstained=True)
        focus = self._class_competency(question, report.competencies, anchor.class_id, language)
        lines, citations = class_answer(
            report, question, self.templates, language, focus=focus, bar=self._scale(None).bar
        )
        if focus is not None and TEACHING.search(question):
            # "grouping ideas for unit rates, 6A": who needs it, then how to teach it
            hits = self.guides.hits(f"{focus[0]} {focus[1]} {question}", language)
            guide = self.guides.compose(
                f"{focus[1]} {question}",
                hits,
                role=context.role,
                language=language,
                named=(re.escape(focus[0]),),
            )
            on_it = bool(guide.citations) and focus[0] in (guide.citations[0].section or "")
            if guide.lines and (on_it or guide.similarity >= self.limits.abstain_below):
                lines += [renumber(line, len(citations)) for line in guide.lines[:1]]
                citations += guide.citations[:1]
        return Answer(
            "\n".join(lines),
            "class_report",
            language,
            tuple(citations),
            topic={"class": anchor.class_id},
            facts=tuple(lines),
        )

    def _school_answer(self, asked: str, question: str, context: AskContext) -> Answer:
        """ "Which classes are least responsive", "what worked for M.6.RP.4": the school's
        figures in the asker's scope, with what each counts."""
        language = context.language or "en"
        assert self._learners is not None
        learners = self._learners()
        try:
            if asked == "responsiveness":
                lines = responsiveness_lines(
                    learners.responsiveness(context.user_id), self.templates, language
                )
            else:
                code = next(iter(codes_in(question)), None)
                entry = self._catalog().lookup(code) if code else None
                entry = entry or self._titled(WHAT_WORKED.sub(" ", question), language)
                if entry is None:
                    text = self.templates.render("school.worked_which", language)
                    return Answer(text, "class_report", language)
                facts = learners.what_worked(context.user_id, entry.code)
                facts["title"] = self._title(entry, language)
                lines = what_worked_lines(facts, self.templates, language)
        except LearnerAccessError:
            text = self.templates.render("not_allowed", language)
            return Answer(text, "class_report", language, abstained=True)
        citation = Citation("Waypoint school figures", "School page", None, None, lines[0])
        return Answer("\n".join(lines), "class_report", language, (citation,), facts=tuple(lines))

    def _class_competency(
        self, question: str, codes: tuple[str, ...], class_id: str, language: str
    ) -> tuple[str, str] | None:
        """The one competency of the class a question is about: by its code, or by what is left
        of the question once the class and the words every class question uses are gone
        ("ADV6 anyone stuck on planning their work?" → H.SD.A.3 Plan and manage my time)."""
        catalog = self._catalog()
        entries = [e for e in (catalog.lookup(code) for code in codes) if e is not None]
        for token in codes_in(question):
            entry = catalog.lookup(token)
            if entry is not None and entry.code in codes:
                return entry.code, self._title(entry, language)
        rest = CLASS_TALK.sub(" ", question.replace(class_id, " "))
        if len(tokens(rest)) < 2 or not entries:
            return None
        titles = [self._title(e, language) for e in entries]
        scores = self.guides.picker.similarities(rest, titles)
        best = max(range(len(entries)), key=lambda i: scores[i])
        if scores[best] < CLASS_FOCUS_SIMILARITY:
            return None
        return entries[best].code, titles[best]

    # learner data -----------------------------------------------------------------------------
    def _learner_answer(
        self,
        intent: Intent,
        question: str,
        context: AskContext,
        memory: Conversation,
        anchor: Anchor | None = None,
    ) -> Answer:
        language = context.language or "en"
        if self._learners is None:
            return self._abstain(intent, context)
        if context.user_id is None and context.role != "admin":
            return Answer(self.templates.render("need_user", language), intent, language)
        learners = self._learners()
        named = anchor.learner if anchor is not None else None
        learner_id = (named.id if named else None) or context.learner_id or _focus(memory)
        try:
            if anchor is not None and anchor.stranger:
                own = learners.own_learners(context.user_id)
                names = _join([ref.name.split()[0] for ref in own], language)
                text = self.templates.render("children_only", language, names=names, count=len(own))
                return Answer(text, intent, language, abstained=True)
            if learner_id is None:
                if context.role in ("student", "parent"):
                    own = learners.own_learners(context.user_id)
                else:
                    own = learners.visible_learners(context.user_id)
                if len(own) > 1 and context.role == "parent" and asks_all_children(question):
                    views = [
                        learners.next_steps(
                            context.user_id, ref.id, limit=1, with_levels=True, language=language
                        )
                        for ref in own
                    ]
                    return self._children_answer(intent, views, language)
                if len(own) != 1:
                    if context.role in ("student", "parent") and not own:
                        text = self.templates.render("no_steps", language, reason="")
                        return Answer(text, intent, language)
                    choices = ", ".join(f"{r.name} ({r.id})" for r in own[:12])
                    if context.role == "parent":
                        choices = ", ".join(r.name.split()[0] for r in own)
                    return Answer(
                        self.templates.render("need_learner", language, choices=choices),
                        intent,
                        language,
                    )
                learner_id = own[0].id
            people = learners.visible_learners(context.user_id)
            focus = self._asked_competency(question, people, language)
            view = learners.next_steps(
                context.user_id,
                learner_id,
                limit=3,
                with_levels=intent == "progress" or focus is not None or asks_pace(question),
                language=language,
            )
        except LearnerAccessError:
            return Answer(
                self.templates.render("not_allowed", language), intent, language, abstained=True
            )
        memory.step_in_focus = 0
        if focus is not None and asks_readiness(question):
            return self._readiness_answer(intent, view, focus, context, language)
        if focus is None and context.role in ("parent", "student") and asks_pace(question):
            return self._pace_answer(intent, question, view, context)
        return self._steps_answer(intent, view, context, language, focus)

    def _children_answer(self, intent: Intent, views: list[NextStepsView], language: str) -> Answer:
        """Each child in one line, then who has more skills still under the bar."""
        catalog = self._catalog()
        found = [self.overview.of(catalog, view, language) for view in views]
        lines = [o.line for o in found] + [self.overview.compare(found, language)]
        codes = [view.steps[0].code for view in views if view.steps]
        return Answer(
            "\n".join(lines),
            intent,
            language,
            tuple(self._level_citation(code, language) for code in dict.fromkeys(codes)),
            facts=tuple(lines),
        )

    def _pace_answer(
        self,
        intent: Intent,
        question: str,
        view: NextStepsView,
        context: AskContext,
    ) -> Answer:
        """ "Is Mateo ahead of his class": where the child is (never other children's data),
        then what the guides say about pace."""
        language = context.language or "en"
        own = context.role == "student"
        overview = self.overview.of(self._catalog(), view, language, own=own)
        citations = [self._level_citation(s.code, language) for s in view.steps[:1]]
        # the guides know no names: "is Mateo ahead" is asked of them as "is my child ahead"
        general = re.sub(
            rf"\b{re.escape(view.learner.name.split()[0])}\b", "my child", question, flags=re.I
        )
        pace = "ritmo" if language == "es" else "pace"
        if own:  # a student's "am I behind": the students' guides on pace
            general = question
        # the question is about pace, so the best section on pace answers, however loosely the
        # words of the question match it
        hits = self.guides.hits(f"{general} {pace}", language)
        guide = self.guides.compose(
            general, hits, role=context.role, language=language, avoid=("competency", "resource")
        )
        lines = [overview.line + (" [1]" if citations else "")]
        if guide.lines:
            lines += [renumber(line, len(citations)) for line in guide.lines]
            citations += guide.citations
        return Answer(
            "\n\n".join(lines),
            intent,
            language,
            tuple(citations),
            topic={"learner": view.learner.id, "learner_name": view.learner.name},
            facts=tuple(lines),
        )

    def _readiness_answer(
        self, intent: Intent, view: NextStepsView, code: str, context: AskContext, language: str
    ) -> Answer:
        """Each prerequisite of the competency with the learner's level on it."""
        catalog = self._catalog()
        target = catalog.lookup(code)
        assert target is not None  # the focus came from the catalog
        own = context.role == "student"
        found = self.readiness.answer(
            catalog,
            target,
            {row[0]: row[2] for row in view.levels},
            learner=view.learner.name.split()[0],
            own=own,
            language=language,
        )
        citations = tuple(self._level_citation(c, language) for c in found.codes)
        return Answer(
            "\n".join(found.lines),
            intent,
            language,
            citations,
            topic={"learner": view.learner.id, "learner_name": view.learner.name, "code": code},
            facts=found.lines,
        )

    def _asked_competency(
        self, question: str, people: list[LearnerRef], language: str
    ) -> str | None:
        """The one competency a learner-data question is about ("what's my level in unit
        rates", "how is Bruno doing on M.7.RP.3"): by its code, or by what is left of the
        question once names and the words of any progress question are gone."""
        catalog = self._catalog()
        for token in codes_in(question):
            entry = catalog.lookup(token)
            if entry is not None:
                return entry.code
        rest = question
        for person in people:
            for part in person.name.split():
                rest = re.sub(rf"\b{re.escape(part)}\b", " ", rest, flags=re.I)
        rest = LEARNER_TALK.sub(" ", CLASS_TALK.sub(" ", rest))
        entries = catalog.assessable()
        if len(tokens(rest)) < (2 if language == "en" else 1) or not entries:
            return None
        titles = [self._title(e, language) for e in entries]
        scores = self.guides.picker.similarities(rest, titles)
        # the title's own words must be in the question too (the model alone finds "work" in
        # "Keep going when work is hard"; in Spanish it guesses)
        needed = 0.5 if language != "en" else 0.3
        agree = [overlap(title, rest) >= needed or overlap(rest, title) >= 0.5 for title in titles]
        # one shared word that many titles have ("ratio", "rate") does not pick one of them
        shared = [stems(rest) & stems(title) for title in titles]  # (each title's words asked)
        asked = stems(rest)
        common = {w for w in asked if sum(w in stems(t) for t in titles) >= COMMON_IN_TITLES}
        agree = [
            ok and bool(words - common or len(words) > 1)
            for ok, words in zip(agree, shared, strict=True)
        ]
        scores = [score if ok else 0.0 for score, ok in zip(scores, agree, strict=True)]
        floor = 0.0 if language != "en" else LEARNER_FOCUS_SIMILARITY
        best = max(range(len(entries)), key=lambda i: scores[i])
        return entries[best].code if scores[best] > floor else None

    def _steps_answer(
        self,
        intent: Intent,
        view: NextStepsView,
        context: AskContext,
        language: str,
        focus: str | None = None,
    ) -> Answer:
        own = context.role == "student"
        lines = [
            self.templates.render(
                f"intro.{intent}", language, own=own, learner=view.learner.name, topic=""
            )
        ]
        citations: list[Citation] = []
        levels, steps = view.levels, view.steps
        if focus is not None:  # only the competency asked about
            levels = tuple(row for row in levels if row[0] == focus)
            steps = tuple(step for step in steps if step.code == focus)
        if focus is not None and steps:
            levels = ()  # the step line says where the learner is on it
        if (intent == "progress" or focus is not None) and levels:
            lines += [
                f"- {self._code_title(code, title, language)} ({code}): {level:g} "
                f"{self.translations.level_name(label, language)}"
                for code, title, level, label in levels
            ]
            if focus is not None:
                citations += [self._level_citation(code, language) for code, *_ in levels]
        elif focus is not None and not steps:
            lines.append(
                self.templates.render(
                    "no_evidence_on",
                    language,
                    own=own,
                    learner=view.learner.name.split()[0],
                    code=focus,
                    title=self._code_title(focus, focus, language),
                )
            )
        if not steps and focus is None:
            lines.append(self.templates.render("no_steps", language, reason=""))
        for n, step in enumerate(steps, start=1):
            lines.append(self._step_line(n, step, own, view.learner.name, language))
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
                Citation(found.path, found.title, None, None, "")
                for found in (
                    self._catalog().practice.in_language(ResourceLink(*link), language)
                    for link in step.resources[:1]
                )
            ]
        return Answer(
            "\n".join(lines),
            intent,
            language,
            tuple(citations),
            steps=tuple(s.data for s in steps),
            topic={
                "learner": view.learner.id,
                "learner_name": view.learner.name,
                "code": focus or (steps[0].code if steps else ""),
            },
            facts=tuple(lines[1:]),
        )

    def _step_line(self, n: int, step: StepView, own: bool, name: str, language: str) -> str:
        """One short line per step: where the learner is, one tip, one practice; the reasons
        and prerequisites stay on the step card."""
        current = step.data.get("current_level")
        level = ""
        if isinstance(current, dict) and isinstance(current.get("level"), int | float):
            label = self.translations.level_name(str(current.get("label") or ""), language)
            level = f"{current['level']:g} {label}".strip()
        aims = step.data.get("aim")
        aim = aims[0] if isinstance(aims, list) and aims else None
        bar = ""
        if isinstance(aim, dict):
            bar_label = self.translations.level_name(str(aim.get("label") or ""), language)
            bar = f"{aim.get('level'):g} {bar_label}"
        tip = step.tip
        resource = step.resources[0] if step.resources else None
        entry = self._catalog().lookup(step.code)
        if entry is not None and language != "en":
            for scale_level in self._catalog().scale(entry.identifier).levels:
                if tip and scale_level.feedback == tip:
                    tip = self.translations.feedback(step.code, scale_level.score, language, tip)
                    break
            if resource is not None:
                found = self._catalog().practice.in_language(ResourceLink(*resource), language)
                resource = (found.title, found.path)
        return self.templates.render(
            "step",
            language,
            n=n,
            code=step.code,
            title=self._code_title(step.code, step.title, language),
            own=own,
            name=name.split()[0] if name else "",
            level=level,
            bar=bar,
            tip=tip,
            resource=resource[0] if resource else "",
        )

    def _level_citation(self, code: str, language: str) -> Citation:
        entry = self._catalog().lookup(code)
        if entry is None:
            return Citation(code, code, None, code, "")
        return self._competency_citation(entry, self._title(entry, language))

    def _code_title(self, code: str, title: str, language: str) -> str:
        entry = self._catalog().lookup(code)
        if entry is None:
            return title
        return self.translations.title(entry.item.identifier, language, entry.title)

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
        codes = _codes_of(last.answer) if for_parent else []
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
        hits = self.guides.hits(last.question, language)
        composed = self.guides.compose(
            last.question,
            hits,
            role="parent" if for_parent else "student",
            language=language,
            exclude=shown,
        )
        if not composed.lines:
            parent = replace(last.context, role="parent", language=language)
            return self._answer(last.intent, last.question, parent, memory)
        answer = self._composed(last.intent, composed, hits, context, None)
        if for_parent:
            return answer
        return replace(
            answer, text=f"{self.templates.render('simpler', language)}\n\n{answer.text}"
        )

    def _home_help(self, codes: list[str], language: str) -> tuple[list[str], list[Citation]]:
        lines: list[str] = []
        citations: list[Citation] = []
        for code in codes[:2]:
            query = f"{code} how a parent can help at home"
            hits = [
                h
                for h in self.guides.hits(query, language, doc_type="resource")
                if code in str(h.chunk.metadata.get("competencies") or "").split(",")
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
                title = self._code_title(code, code, language)
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


def _focus(memory: Conversation) -> str | None:
    for turn in reversed(memory.turns):
        learner = turn.answer.topic.get("learner")
        if learner:
            return str(learner)
        if turn.context.learner_id:
            return turn.context.learner_id
    return None


AND = {"en": " and ", "es": " y "}


def _join(parts: Iterator[str] | list[str], language: str = "en") -> str:
    items = list(parts)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + AND.get(language, " and ") + items[-1]


def _class_focus(memory: Conversation) -> str | None:
    for turn in reversed(memory.turns):
        class_id = turn.answer.topic.get("class")
        if class_id:
            return str(class_id)
    return None


def _codes_of(answer: Answer) -> list[str]:
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
