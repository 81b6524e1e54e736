"""A teacher's class and the school's figures: the class report for the class asked about
(with how to teach the competency it names), and a leader's "least responsive classes" and
"what worked"."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.chat.answers.classes import TEACHING, class_answer
from assistant.chat.answers.guides import GuidePlan, renumber
from assistant.chat.answers.school import WHAT_WORKED, responsiveness_lines, what_worked_lines
from assistant.chat.catalog_words import CatalogWords
from assistant.chat.competency_focus import TOPIC_FILLER, CompetencyFocus
from assistant.chat.learner_data import LearnerAccessError, LearnerData
from assistant.chat.replies import Replies
from assistant.chat.routing import Anchor
from assistant.chat.templates import AnswerTemplates
from assistant.chat.types import Answer, AskContext, Citation
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.frameworks.codes import codes_in


class StaffAnswers:
    def __init__(
        self,
        *,
        learners: Callable[[], LearnerData] | None,
        catalog: Callable[[], FrameworkCatalog],
        guides: GuidePlan,
        templates: AnswerTemplates,
        words: CatalogWords,
        focus: CompetencyFocus,
        replies: Replies,
        abstain_below: float,
    ) -> None:
        self._learners = learners
        self._catalog = catalog
        self.guides = guides
        self.templates = templates
        self.words = words
        self.focus = focus
        self.replies = replies
        self.abstain_below = abstain_below

    def class_answer(self, question: str, context: AskContext, anchor: Anchor) -> Answer:
        """The class report for the anchored class (or which class, when none is)."""
        language = context.language or "en"
        if self._learners is None:
            return self.replies.abstain("class_report", context)
        learners = self._learners()
        try:
            if anchor.class_id is None:
                classes = learners.classes(context.user_id)
                listed = ", ".join(f"{c} ({name})" for c, name in classes)
                text = self.templates.render("which_class", language, classes=listed)
                return Answer(text, "class_report", language)
            report = learners.class_report(context.user_id, anchor.class_id, language)
        except LearnerAccessError:
            text = self.templates.render("not_allowed", language)
            return Answer(text, "class_report", language, abstained=True)
        focus = self.focus.in_class(question, report.competencies, anchor.class_id, language)
        # "grouping ideas for unit rates": the groups on any of the topic's competencies
        asked = TOPIC_FILLER.sub(" ", question.replace(anchor.class_id, " "))
        topic = self.focus.topic_of_learner(asked, [], language, among=report.competencies)
        lines, citations = class_answer(
            report,
            question,
            self.templates,
            language,
            focus=focus,
            related=topic,
            bar=self.words.scale(None).bar,
            titled=lambda code, title: self.words.code_title(code, title, language),
        )
        citations += self._named_competencies(lines, language)
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
            if guide.lines and (on_it or guide.similarity >= self.abstain_below):
                cited = guide.citations[0]
                same = [
                    n
                    for n, c in enumerate(citations)
                    if (c.source, c.section) == (cited.source, cited.section)
                ]
                if same:  # the group's activity is this section already: cited once
                    lines.append(re.sub(r"\[\d+\]", f"[{same[0] + 1}]", guide.lines[0]))
                else:
                    lines.append(renumber(guide.lines[0], len(citations)))
                    citations.append(cited)
        return Answer(
            "\n".join(lines),
            "class_report",
            language,
            tuple(citations),
            topic={"class": anchor.class_id},
            facts=tuple(lines),
        )

    def _named_competencies(self, lines: list[str], language: str) -> list[Citation]:
        """The competencies a class answer reports on (each line on one starts with its code:
        who is stuck where, which group works on what), each cited once, in the order named;
        codes inside a line (an activity's heading) are not."""
        leading = [codes_in(line[:24]) for line in lines if line.lstrip("- ")[:1].isalpha()]
        codes = dict.fromkeys(found[0] for found in leading if found)
        return [self.words.level_citation(code, language) for code in codes]

    def school_answer(self, asked: str, question: str, context: AskContext) -> Answer:
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
                entry = entry or self.words.titled(WHAT_WORKED.sub(" ", question), language)
                if entry is None:
                    text = self.templates.render("school.worked_which", language)
                    return Answer(text, "class_report", language)
                facts = learners.what_worked(context.user_id, entry.code)
                facts["title"] = self.words.title(entry, language)
                lines = what_worked_lines(facts, self.templates, language)
        except LearnerAccessError:
            text = self.templates.render("not_allowed", language)
            return Answer(text, "class_report", language, abstained=True)
        citation = Citation("Waypoint school figures", "School page", None, None, lines[0])
        return Answer("\n".join(lines), "class_report", language, (citation,), facts=tuple(lines))
