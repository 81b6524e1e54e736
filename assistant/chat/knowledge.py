"""Answers from the knowledge: guide sections (their leads, with citations), a competency's
statement with the guide section on it, and what a level means."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.chat.answers.guides import (
    AT_HOME,
    TRY_THESE,
    Composed,
    GuidePlan,
    Search,
    renumber,
    written_for_others,
)
from assistant.chat.answers.kinds import AHEAD_HEADINGS, BORED, kind_of
from assistant.chat.answers.levels import (
    AIMED_AT,
    TIER_WORDS,
    LevelPlan,
    asks_meaning,
    compares_levels,
    level_asked,
    levels_named,
    strip_codes,
)
from assistant.chat.catalog_words import CatalogWords, join_words
from assistant.chat.citations import competency_citation
from assistant.chat.competency_focus import CompetencyFocus
from assistant.chat.index_health import IndexHealth
from assistant.chat.memory import Conversation
from assistant.chat.replies import Replies
from assistant.chat.routing import points_back
from assistant.chat.templates import AnswerTemplates
from assistant.chat.types import Answer, AskContext, Intent
from assistant.frameworks.catalog import CatalogEntry, FrameworkCatalog
from assistant.frameworks.codes import code_matches, codes_in
from assistant.retrieval.retriever import SearchFilters
from assistant.types import SearchHit

# Section headings that suit an intent's answers.
KIND_HEADINGS: dict[str, tuple[str, ...]] = {
    "intervention": (r"sticking point", r"mini-lesson", r"intervention", r"reteach", r"tier"),
    "resources": (r"activity", r"try these", r"help", r"practi", r"actividad", r"ayudar"),
}
# words that name the proficiency scale itself, not one level
SCALE_WORDS = re.compile(
    r"\b(levels?|scale|scores?|numbers?|grades?|marks?|rubric|niveles?|escala|n[uú]meros?|"
    r"notas?|calificaci\w+|puntaje)\b",
    re.I,
)
# A question naming a competency but asking something else ("do I fail them", "can a poster
# count"): at least this many words besides the code, none asking what the competency is, and a
# guide section listing a question at least this close.
ASIDE_WORDS = 5
ABOUT_ITSELF = re.compile(
    r"^\W*(what('?s| is| does| are)|explain|describe|tell me about|qu[eé] (es|significa)|"
    r"expl[ií]ca)|\bmeans?\b|\bsignifica\b|\bde qu[eé] trata\b"
    # "what skill is H.CM.A.3?", "¿qué habilidad es…?": the competency itself is asked about
    r"|^\W*(what|which) (skill|competency|standard|code)\b|^\W*¿?qu[eé] (habilidad|competencia)\b",
    re.I,
)
ASKED_FIRST = 0.6
# A question about the competency's place in the map ("what does M.6.RP.4 unlock", "does
# M.7.EE.4 need M.7.EE.1 first"): its statement with what comes before and after answers it,
# and no guide section joins.
MAP_QUESTION = re.compile(
    r"\b(unlocks?|leads? to|builds? on|prerequisites?|before|after|first|comes? next|"
    r"requisitos?( previos?)?|antes|despu[eé]s|primero|lleva a)\b",
    re.I,
)
# Asking for practice itself (not how to help or what to do): the practice resources answer.
PRACTICE = re.compile(
    r"\bpracti[cs]e (for|on|with|problems?|questions?)\b|\b(problems?|questions?|exercises?|"
    r"worksheet) (to|for|on)\b|\bquiz me\b|\bejercicios?\b|\bpracticar\b|\bproblemas? (de|para)\b",
    re.I,
)
# Passages looked up by a skill's code and title (keywords alone).
SKILL_PASSAGES = 30
# The headings of a practice's worked example (or, in Spanish, its activity) and of its
# section for parents: (heading pattern, words to search it by), in English and in Spanish.
WORKED_EXAMPLE = ((r"worked example", "worked example"), (r"^la actividad", "la actividad"))
# (a practice's own problems: its "Try these" section, as the guides plan names it)
TRY_PROBLEMS = tuple((rf"^{re.escape(h)}", h.lower()) for h in (TRY_THESE["en"], TRY_THESE["es"]))
# (a habit is practised by doing its activity)
HABIT_ACTIVITY = ((r"^the activity", "the activity"), (r"^la actividad", "la actividad"))
PARENT_HELP = (
    (r"parent.{0,12} can help", "how a parent can help"),
    (r"ayudar en casa", "cómo puede ayudar en casa"),
)
# Stuck on something, or asking what to do about it ("im stuck on unit rate stuff", "i keep
# forgetting to plan my time what do i do"): with a skill named by its title, its practice.
STUCK_ON = re.compile(
    r"\b(stuck|lost|confused) (on|with|in)\b|\bdon'?t (get|understand)\b|\bdont (get|understand)\b"
    r"|\bwhat (do|can|should) i do\b|\bno entiendo\b|\b(atorad|atascad)[oa]s? (con|en)\b"
    r"|\bqu[eé] (hago|puedo hacer)\b",
    re.I,
)
# The thing a question is about, after "with", "on", "understand"… ("help him with percents").
ABOUT_WHAT = re.compile(
    r"\b(?:with|on|in|about|understand|get|con|en|entiende|entiendo)\s+(\w[\w\s-]{2,40})",
    re.I,
)
DOING_THE_MATH = re.compile(
    r"\b(solve|find|calculate|work out|figure out|resolver|resuelvo|calcular|encontrar)\b", re.I
)
# Showing a skill one has, not learning it ("how do i show my teacher i know one-step
# equations"): the guides on evidence and reassessment answer, not the practice.
SHOWING_IT = re.compile(
    r"\bshow (my|the|your) teacher\b|\bshow (that|what) i\b|\bprove\b|\breassess|\bretake\b|"
    r"\bevidence\b|\bevidencia\b|"
    r"\bredo\b|\bdemostrar\b|\bdemuestro\b|\bmostrarle\b|\bvolver a presentar\b|\brepetir\b",
    re.I,
)
# A run of levels ("went 1,1,2,3,3"): a question about evidence over time, answered by the
# sections on recency and averaging.
LEVEL_RUN = re.compile(r"(?<![\d.])[1-4](\s*[,/-]\s*[1-4]){2,}(?![\d.])")
OVER_TIME = (r"recen", r"averag", r"over time", r"promedi", r"reciente")
# How close a guide section must be to answer a message no intent recognised.
NAMED_ABSTAIN = 0.25  # the similarity a section whose heading names the topic needs


class KnowledgeAnswers:
    """General questions answered from the guides and the frameworks."""

    def __init__(
        self,
        *,
        guides: GuidePlan,
        levels: LevelPlan,
        templates: AnswerTemplates,
        catalog: Callable[[], FrameworkCatalog],
        words: CatalogWords,
        replies: Replies,
        search: Search,
        health: IndexHealth,
        abstain_below: float,
        focus: CompetencyFocus | None = None,
    ) -> None:
        self.guides = guides
        self.focus = focus
        self.levels = levels
        self.templates = templates
        self._catalog = catalog
        self.words = words
        self.replies = replies
        self._search = search
        self._health = health
        self.abstain_below = abstain_below

    def from_guides(
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
        topic = self.topic_code(question, memory)
        query = f"{topic.code} {topic.title} {question}" if topic else question
        query = f"{query} {also}".strip()
        hits = self.guides.hits(query, language, asked=question)
        if BORED.search(question):
            # "im done with everything and bored": the sections on work that is too easy
            named = (*named, *AHEAD_HEADINGS.get(context.role, ()))
        if LEVEL_RUN.search(question):
            # "kid went 1,1,2,3,3, what do i record": how evidence over time makes a level,
            # not a lesson on the skill
            hits = [h for h in hits if not codes_in(str(h.chunk.metadata.get("section") or ""))]
            named = (*named, *OVER_TIME)
        prefer = "resource" if intent == "resources" and PRACTICE.search(question) else None
        # how things work is in the guides, not in one competency's practice
        avoid = ("competency", "resource") if intent == "explain_cbe" else ("competency",)
        practice = self._practice_for_how_to(intent, question, context, more, topic)
        if practice is not None:
            hits, named, topic = practice
            prefer, avoid = "resource", ("competency",)
        composed = self.guides.compose(
            question,
            hits,
            role=context.role,
            language=language,
            more=more,
            extra_words=KIND_HEADINGS.get(intent, ()),
            prefer=prefer,
            avoid=avoid,
            named=named,
        )
        # the practice of a skill the question names by its title answers however loosely its
        # words match the question's
        answer = self.composed(
            intent,
            composed,
            hits,
            context,
            topic.code if topic else None,
            grounded_by_framework=practice is not None,
        )
        if answer.abstained and topic is not None and codes_in(question):
            # a named competency is in scope however loosely the rest matched: its own
            # statement and the guide section on it answer
            return self.explain_competency(question, context, memory, more)
        return answer

    def _practice_for_how_to(
        self,
        intent: Intent,
        question: str,
        context: AskContext,
        more: bool,
        topic: CatalogEntry | None = None,
    ) -> tuple[list[SearchHit], tuple[str, ...], CatalogEntry] | None:
        """A student's or a parent's "how do I solve two-step equations" (or "im stuck on unit
        rates"): the practice written for the skill the question names by its title answers,
        at its worked example (a parent asking how to help: its section for parents), not a
        guide on how school works. `topic`: the skill the conversation is on, whose practice's
        own problems answer "give me a practice problem"."""
        if self.focus is None or more:
            return None
        if context.role in ("teacher", "leader", "admin"):
            return self._lesson_for_skill(intent, question, context)
        if context.role not in ("student", "parent"):
            return None
        if intent not in ("explain_cbe", "resources", "explain_competency"):
            return None
        problems = kind_of(question) == "example"
        if kind_of(question) != "how_to" and not STUCK_ON.search(question) and not problems:
            return None
        if SHOWING_IT.search(question):  # "how do i show my teacher i know …": evidence
            return None
        language = context.language or "en"
        catalog = self._catalog()
        entry: CatalogEntry | None = topic if problems else None
        if entry is None:
            # two words of a title ("two step equations"), or one after "with", "on"…
            # ("help Mateo with percents", "doesnt understand percents")
            def has_practice(e: CatalogEntry) -> bool:
                return bool(catalog.resources(e.identifier))

            code = self.focus.of_topic(question, language, min_words=2, among=has_practice)
            after = ABOUT_WHAT.search(question)
            if code is None and after is not None:
                code = self.focus.of_topic(after.group(1), language, among=has_practice)
            entry = catalog.lookup(code) if code else None
        if entry is None:
            return None
        found = self.guides.of_skill(entry.code, entry.title, language, k=SKILL_PASSAGES)
        hits = [h for h in found if practice_of(h, entry.code)]
        if not hits:
            return None
        # a parent is answered with the practice's section for parents, unless they ask how
        # to do the math itself ("how do you solve two-step equations")
        at_home = context.role == "parent" and (
            bool(AT_HOME.search(question)) or not DOING_THE_MATH.search(question)
        )
        habit = hits[0].chunk.source.startswith("resources/habits/")
        plan = PARENT_HELP if at_home else HABIT_ACTIVITY if habit else WORKED_EXAMPLE
        heading, words = (TRY_PROBLEMS if problems else plan)[language == "es"]
        own = [h for h in hits if h.chunk.metadata.get("language") == language] or hits
        section = self.guides.sibling(own[0], heading, words)
        return ([section] if section is not None else hits), (heading,), entry

    def _lesson_for_skill(
        self, intent: Intent, question: str, context: AskContext
    ) -> tuple[list[SearchHit], tuple[str, ...], CatalogEntry] | None:
        """A teacher's "mini lesson idea for one step equations": the sections whose headings
        name the skill the question names by its title (the sticking point on it)."""
        if intent != "intervention" or self.focus is None:
            return None
        language = context.language or "en"
        code = self.focus.of_topic(question, language, min_words=2)
        entry = self._catalog().lookup(code) if code else None
        if entry is None:
            return None
        found = self.guides.of_skill(entry.code, entry.title, language, k=SKILL_PASSAGES)
        hits = [
            h
            for h in found
            if h.chunk.metadata.get("doc_type") == "guide" and _names_competency(h, entry.code)
        ]
        return (hits, (), entry) if hits else None

    def composed(
        self,
        intent: Intent,
        composed: Composed,
        hits: list[SearchHit],
        context: AskContext,
        topic: str | None,
        *,
        grounded_by_framework: bool = False,
    ) -> Answer:
        """The composed lines as an answer, or abstaining when they match too loosely."""
        language = context.language or "en"
        self._health.similarity = composed.similarity
        self._health.asked = composed.asked
        self._health.clear = composed.clear
        # a heading that names the question's topic word for word ("rotation stations"), or a
        # section that clearly leads on its listed questions, holds at a lower similarity than
        # the text alone needs
        floor = NAMED_ABSTAIN if composed.named or composed.clear else self.abstain_below
        if not composed.lines or (composed.similarity < floor and not grounded_by_framework):
            return self.replies.abstain(intent, context)
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

    def topic_code(self, question: str, memory: Conversation) -> CatalogEntry | None:
        """The competency a question names, or (only when the message points back: "it",
        "that", "why", or asks for a problem without naming a skill) the one the conversation
        was about."""
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
        # "give me a practice problem" names no skill: the one just talked about
        carried = points_back(question) or kind_of(question) == "example"
        if last and last.answer.topic.get("code") and carried:
            return catalog.lookup(str(last.answer.topic["code"]))
        return None

    def explain_competency(
        self, question: str, context: AskContext, memory: Conversation, more: bool
    ) -> Answer:
        """The competency's statement, what comes before and after it, then the guide section
        on it (or first the guide section a question that only names it asks about)."""
        language = context.language or "en"
        entry = self.topic_code(question, memory)
        if entry is None:
            return self.from_guides("explain_competency", question, context, memory, more=more)
        summary = self._summary(entry, language)
        lines = [f"{summary} [1]"]
        citations = [competency_citation(entry, summary)]
        about = strip_codes(question)
        on_map = bool(MAP_QUESTION.search(about))
        if entry.item.notes and context.role == "teacher" and language == "en" and not on_map:
            lines.append(entry.item.notes)
        hits: list[SearchHit] = []
        guide = Composed((), (), 0.0)
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
        if not hits and not on_map:
            # the guide section on the competency itself, after its statement: one that names
            # it (a mini-lesson's heading, a practice written for it), not one that only shares
            # a word with the question ("H.CL.B.1 on the advisory rubric" is not about rubrics)
            hits = [
                hit
                for hit in self.guides.hits(f"{entry.code} {entry.title} {question}", language)
                if _names_competency(hit, entry.code)
            ]
            guide = self.guides.compose(
                f"{entry.title} {question}", hits, role=context.role, language=language, more=more
            )
        # a student or a parent gets the section on the competency only from a guide written
        # for them (not the parents' kitchen-table tips as an answer to a student), and in the
        # asker's language
        theirs = not guide.leads or not (
            (
                context.role in ("student", "parent")
                and written_for_others(guide.leads[0].section, context.role)
            )
            or guide.leads[0].section.language != language
        )
        if guide.lines and guide.similarity >= self.abstain_below and theirs:
            lines += [renumber(line, len(citations)) for line in guide.lines]
            citations += guide.citations
        composed = Composed(tuple(lines), tuple(citations), 1.0)
        return self.composed(
            "explain_competency", composed, hits, context, entry.code, grounded_by_framework=True
        )

    def _level_on_topic(self, question: str, context: AskContext) -> CatalogEntry | None:
        """The competency a question about one level names by its topic ("is my inequality
        work good enough for a 3"): that competency's descriptor for the level answers."""
        if self.focus is None or level_asked(question) is None or compares_levels(question):
            return None
        if len(levels_named(question)) != 1 or TIER_WORDS.search(question):
            return None
        catalog = self._catalog()
        code = self.focus.of_topic(
            question,
            context.language or "en",
            among=lambda e: bool(catalog.framework_of(e.identifier).levels.get(e.identifier)),
        )
        return self._catalog().lookup(code) if code else None

    def _summary(self, entry: CatalogEntry, language: str) -> str:
        """The competency's statement with its prerequisites and what it leads to."""
        catalog = self._catalog()
        names = [catalog.entry(i) for i in catalog.prerequisites(entry.identifier)]
        after = [catalog.entry(i) for i in catalog.dependents(entry.identifier)]
        statement = self.words.translations.statement(
            entry.item.identifier, language, entry.item.statement
        )
        return self.templates.render(
            "competency",
            language,
            code=entry.code,
            statement=statement,
            prerequisites=join_words(
                (f"{e.code} ({self.words.title(e, language)})" for e in names), language
            ),
            next=join_words(
                (f"{e.code} ({self.words.title(e, language)})" for e in after), language
            ),
        )

    def explain_level(
        self, question: str, context: AskContext, memory: Conversation, more: bool
    ) -> Answer:
        """What a level means: from the scale of the competency asked about, or from the guide
        section on the level a question names."""
        entry = self.topic_code(question, memory) or self._level_on_topic(question, context)
        if (
            entry is None
            and not compares_levels(question)
            and (
                TIER_WORDS.search(question)
                or not asks_meaning(question)
                # no level and no scale named ("the difference between a 504 and an IEP"):
                # whatever it resembled, the scale is not what is asked
                or (level_asked(question) is None and not SCALE_WORDS.search(question))
            )
        ):
            wanted = level_asked(question)
            named: tuple[str, ...] = ()
            level = ""
            # one level, or one aimed at: its page is a candidate; two levels not compared
            # ("gave me a 2 but I deserve a 3", "a 4 in one skill and a 1 in another") are
            # not a question about either one
            one = AIMED_AT.search(question) or len(levels_named(question)) < 2
            if wanted is not None and one and not TIER_WORDS.search(question):
                named = (rf"(?<![\w.,:]){wanted:g}(?![\w.,:])",)
                level = f"level {wanted:g} {self.words.scale(None).level_at(wanted).label}"
            return self.from_guides(
                "explain_level", question, context, memory, more=more, named=named, also=level
            )
        scale = self.words.scale(entry)
        composed = self.levels.answer(
            question,
            scale,
            entry,
            role=context.role,
            language=context.language or "en",
            more=more,
        )
        return self.composed(
            "explain_level",
            composed,
            [],
            context,
            entry.code if entry else None,
            grounded_by_framework=True,
        )


def practice_of(hit: SearchHit, code: str) -> bool:
    """The passage is part of a practice resource written for the competency."""
    meta = hit.chunk.metadata
    practice = "resource" in (meta.get("doc_type"), meta.get("answers"))
    return practice and code in str(meta.get("competencies") or "").split(",")


def _names_competency(hit: SearchHit, code: str) -> bool:
    """The passage is about the competency: a practice resource written for it, or a section
    whose heading names its code (a guide's text may name it only as an example)."""
    if practice_of(hit, code):
        return True
    heading = str(hit.chunk.metadata.get("section") or "")
    return any(code_matches(code, token) == 2 for token in codes_in(heading))
