"""Questions about a learner's own data (next steps, progress, pace, readiness, all of a
parent's children), read through `LearnerData`, so the access policy applies."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.chat.answers.guides import GuidePlan, fitted_opening, renumber
from assistant.chat.answers.kinds import AHEAD_HEADINGS, BORED
from assistant.chat.answers.overview import OverviewPlan, asks_all_children, asks_pace
from assistant.chat.answers.readiness import ReadinessPlan, asks_readiness
from assistant.chat.catalog_words import CatalogWords, join_words
from assistant.chat.competency_focus import TOPIC_TALK, CompetencyFocus
from assistant.chat.learner_data import LearnerAccessError, LearnerData, NextStepsView
from assistant.chat.memory import Conversation
from assistant.chat.replies import Replies
from assistant.chat.routing import Anchor
from assistant.chat.step_answers import StepAnswers
from assistant.chat.templates import AnswerTemplates
from assistant.chat.types import Answer, AskContext, Intent
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.index.section_text import section_name

# What a progress question is about, after "in", "on" or "with".
TOPIC_AFTER = re.compile(r"\b(?:in|on|with|en|con)\s+(\w[\w\s-]{2,40})", re.I)
# The headings of the guides' sections on pace, and on being stuck.
PACE = (r"\bpace\b", r"\britmo\b", r"\bbehind\b", r"atrasad")
STUCK_HEADING = re.compile(r"\bstuck\b|atorad|atascad|estancad", re.I)
# Next steps shown in chat: one for a student or a parent (the thing to do now, with its
# practice; "what's the next one?" shows the following step), three for staff planning for a
# learner. An answer keeps STEPS_KEPT steps for those follow-ups.
STEPS_SHOWN = {"student": 1, "parent": 1}
STEPS_KEPT = 3


class LearnerAnswers:
    def __init__(
        self,
        *,
        learners: Callable[[], LearnerData] | None,
        catalog: Callable[[], FrameworkCatalog],
        guides: GuidePlan,
        templates: AnswerTemplates,
        words: CatalogWords,
        focus: CompetencyFocus,
        steps: StepAnswers,
        overview: OverviewPlan,
        readiness: ReadinessPlan,
        replies: Replies,
    ) -> None:
        self._learners = learners
        self._catalog = catalog
        self.guides = guides
        self.templates = templates
        self.words = words
        self.focus = focus
        self.steps = steps
        self.overview = overview
        self.readiness = readiness
        self.replies = replies

    def answer(
        self,
        intent: Intent,
        question: str,
        context: AskContext,
        memory: Conversation,
        anchor: Anchor | None = None,
    ) -> Answer:
        language = context.language or "en"
        if self._learners is None:
            return self.replies.abstain(intent, context)
        if context.user_id is None and context.role != "admin":
            return Answer(self.templates.render("need_user", language), intent, language)
        learners = self._learners()
        named = anchor.learner if anchor is not None else None
        learner_id = (named.id if named else None) or context.learner_id or _focus(memory)
        try:
            if anchor is not None and anchor.stranger:
                own = learners.own_learners(context.user_id)
                names = join_words([ref.name.split()[0] for ref in own], language)
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
            # "my level in unit rates": the few competencies whose titles name the topic; else
            # the one competency the question is about, if any
            topic = self.focus.topic_of_learner(question, people, language)
            # (or one a single word names that few titles have: "how am i doing in inequalities")
            focus = (
                None
                if topic
                else self.focus.of_learner(question, people, language)
                or self._topic_after_in(question, language)
            )
            view = learners.next_steps(
                context.user_id,
                learner_id,
                limit=STEPS_KEPT,
                with_levels=intent == "progress"
                or focus is not None
                or bool(topic)
                or asks_pace(question),
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
        shown = STEPS_SHOWN.get(context.role, STEPS_KEPT)
        return self.steps.answer(intent, view, context, language, focus, topic, shown=shown)

    def _topic_after_in(self, question: str, language: str) -> str | None:
        """The one skill named by a word after "in", "on" or "with" ("how am i doing in
        inequalities"), when few titles have that word."""
        found = TOPIC_AFTER.search(question)
        if found is None:
            return None
        return self.focus.of_topic(TOPIC_TALK.sub(" ", found.group(1)), language)

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
            tuple(self.words.level_citation(code, language) for code in dict.fromkeys(codes)),
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
        citations = [self.words.level_citation(s.code, language) for s in view.steps[:1]]
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
        if overview.below == 0:  # nothing below the goal: no section on being stuck
            hits = [h for h in hits if not STUCK_HEADING.search(section_name(h.chunk))]
        guide = self.guides.compose(
            general,
            hits,
            role=context.role,
            language=language,
            avoid=("competency", "resource"),
            # "she says it's too easy": being ahead; otherwise the sections on pace
            named=AHEAD_HEADINGS.get(context.role, ()) if BORED.search(question) else PACE,
        )
        lines = [overview.line + (" [1]" if citations else "")]
        if guide.lines:
            # the child's own figures answer "is he behind": the guide's "Not necessarily."
            # would hedge them, and one section on pace is enough
            first = fitted_opening(guide.lines[0], "definition")
            lines.append(renumber(first, len(citations)))
            citations.append(guide.citations[0])
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
        citations = tuple(self.words.level_citation(c, language) for c in found.codes)
        return Answer(
            "\n".join(found.lines),
            intent,
            language,
            citations,
            topic={"learner": view.learner.id, "learner_name": view.learner.name, "code": code},
            facts=found.lines,
        )


def _focus(memory: Conversation) -> str | None:
    """The learner the conversation was last about."""
    for turn in reversed(memory.turns):
        learner = turn.answer.topic.get("learner")
        if learner:
            return str(learner)
        if turn.context.learner_id:
            return turn.context.learner_id
    return None
