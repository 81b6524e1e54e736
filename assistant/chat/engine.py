"""The conversation engine: who is asking, what they want, grounded answers with citations.

`ChatEngine` is the orchestrator: it cleans the message, classifies it, anchors it (mine or
general, `anchoring`) and hands it to the plan that answers it: `knowledge` (guides, a
competency, a level), `catalog_answers` (lists, exit checks), `learner_answers` (a learner's own
data), `staff_answers` (a class, the school's figures) or `follow_ups`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace

from assistant.chat.anchoring import LEARNER_INTENTS, anchor_of, routed
from assistant.chat.answers.feelings import ROLES, shows_distress
from assistant.chat.answers.guides import Composed, GuidePlan
from assistant.chat.answers.levels import LevelPlan
from assistant.chat.answers.listing import asks_listing, listed
from assistant.chat.answers.overview import OverviewPlan
from assistant.chat.answers.readiness import ReadinessPlan
from assistant.chat.answers.school import asks_school_figures
from assistant.chat.catalog_answers import CatalogAnswers
from assistant.chat.catalog_words import CatalogWords
from assistant.chat.competency_focus import CompetencyFocus
from assistant.chat.follow_ups import FollowUps
from assistant.chat.guards import clean_message
from assistant.chat.index_health import GuardedSearch, IndexHealth, with_index_notice
from assistant.chat.intents import DECISIVE, IntentClassifier
from assistant.chat.knowledge import KnowledgeAnswers
from assistant.chat.learner_answers import LearnerAnswers
from assistant.chat.learner_data import LearnerData
from assistant.chat.llm_path import LLMPath
from assistant.chat.memory import Conversation, Turn
from assistant.chat.replies import Replies
from assistant.chat.routing import Anchor
from assistant.chat.sections import SectionPicker
from assistant.chat.staff_answers import StaffAnswers
from assistant.chat.step_answers import StepAnswers
from assistant.chat.templates import AnswerTemplates
from assistant.chat.types import Answer, AskContext, Intent
from assistant.chat.word_overlap import shares_phrase
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.frameworks.translations import Translations
from assistant.language import detect_language
from assistant.retrieval.retriever import PassageSource
from assistant.settings_services import ChatLimits
from assistant.types import SearchHit

RESCUE_SIMILARITY = 0.5  # a section's text or one of the questions it lists, for no intent


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
        self._health = IndexHealth()
        search = GuardedSearch(retriever, self._health)
        self.guides = GuidePlan(
            search,
            retriever.opening,
            retriever.section_body,
            picker,
            templates,
            keywords=search.keywords,
        )
        self.levels = LevelPlan(self.guides, templates, self.translations)
        self.readiness = ReadinessPlan(templates, self.translations)
        self.overview = OverviewPlan(templates, self.translations)
        self.replies = Replies(templates)
        words = CatalogWords(catalog, self.translations)
        focus = CompetencyFocus(catalog, words, picker.similarities)
        self.knowledge = KnowledgeAnswers(
            guides=self.guides,
            levels=self.levels,
            templates=templates,
            catalog=catalog,
            words=words,
            replies=self.replies,
            search=search,
            health=self._health,
            abstain_below=limits.abstain_below,
            focus=focus,
        )
        self.catalog_answers = CatalogAnswers(templates, catalog, words)
        self.learner_answers = LearnerAnswers(
            learners=learners,
            catalog=catalog,
            guides=self.guides,
            templates=templates,
            words=words,
            focus=focus,
            steps=StepAnswers(templates, catalog, words),
            overview=self.overview,
            readiness=self.readiness,
            replies=self.replies,
        )
        self.staff_answers = StaffAnswers(
            learners=learners,
            catalog=catalog,
            guides=self.guides,
            templates=templates,
            words=words,
            focus=focus,
            replies=self.replies,
            abstain_below=limits.abstain_below,
        )
        self.follow_ups = FollowUps(
            answer=self._answer,
            knowledge=self.knowledge,
            guides=self.guides,
            templates=templates,
            words=words,
            replies=self.replies,
        )

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
        answer, question, intent = self._planned(text, context, memory)
        answer = with_index_notice(answer, self._health, self.templates)
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

    # the plan that answers -------------------------------------------------------------
    def _planned(
        self, text: str, context: AskContext, memory: Conversation
    ) -> tuple[Answer, str, Intent]:
        """The answer, the question it answers (a follow-up's is the last turn's) and its
        intent: the school's figures, a class, a follow-up, a list of competencies, or the
        plan for the routed intent (a guide section that clearly matches still answers what
        no intent was clearly ahead for)."""
        figures = asks_school_figures(text, context.role)
        if figures is not None and self._learners is not None and context.user_id is not None:
            # the school's figures: no intent or anchor needed (nor the model to find them)
            return self.staff_answers.school_answer(figures, text, context), text, "class_report"
        has_history = memory.last is not None
        decision = self.classifier.classify(text, context.role, has_history=has_history)
        if decision.intent == "out_of_scope" and decision.method == DECISIVE:
            return self.replies.decline_work(context), text, "out_of_scope"
        anchor = anchor_of(text, context, memory, self._learners)
        if anchor.route == "class":
            return self.staff_answers.class_answer(text, context, anchor), text, "class_report"
        if decision.intent == "follow_up":
            return self.follow_ups.follow_up(text, context, memory)
        if anchor.route == "general" and asks_listing(text) and listed(self._catalog(), text):
            return self.catalog_answers.listing(text, context), text, "explain_competency"
        signed_in = context.user_id is not None or context.role == "admin"
        intent = routed(decision.intent, text, anchor, context.role, signed_in)
        answer = self._answer(intent, text, context, memory, anchor=anchor)
        unsure = decision.method in ("threshold", "similarity")
        if answer.abstained and intent == "out_of_scope" and unsure:
            # no rule said out of scope and no intent was clearly ahead: a guide section
            # that clearly matches still answers
            rescued = self.knowledge.from_guides("explain_cbe", text, context, memory)
            close = max(self._health.similarity, self._health.asked)
            named = any(shares_phrase(text, c.section or "") for c in rescued.citations[:1])
            clear = self._health.clear
            if not rescued.abstained and (close >= RESCUE_SIMILARITY or named or clear):
                return rescued, text, "explain_cbe"
        return answer, text, intent

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
        """The plan for an intent (an exit check asked for answers first, but not over a
        learner's own data)."""
        exit_check = self.catalog_answers.exit_check(question, context)
        if exit_check is not None and intent not in LEARNER_INTENTS:
            return exit_check
        if intent == "small_talk":
            return self.replies.small_talk(question, context)
        if intent == "out_of_scope":
            return self.replies.abstain(intent, context)
        if intent in LEARNER_INTENTS:
            return self.learner_answers.answer(intent, question, context, memory, anchor)
        if intent == "class_report":
            return self.staff_answers.class_answer(question, context, anchor or Anchor("class"))
        if intent == "explain_competency":
            return self.knowledge.explain_competency(question, context, memory, more)
        if intent == "explain_level":
            return self.knowledge.explain_level(question, context, memory, more)
        return self.knowledge.from_guides(intent, question, context, memory, more=more)

    def _composed(
        self,
        intent: Intent,
        composed: Composed,
        hits: list[SearchHit],
        context: AskContext,
        topic: str | None,
    ) -> Answer:
        """The composed lines as an answer, or abstaining (`KnowledgeAnswers.composed`)."""
        return self.knowledge.composed(intent, composed, hits, context, topic)
