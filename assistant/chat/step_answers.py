"""A learner's next steps and levels as an answer: one short line per step (where the learner
is, one tip, one practice), the levels asked about, and their citations."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from assistant.chat.catalog_words import CatalogWords, join_words
from assistant.chat.learner_data import NextStepsView, StepView
from assistant.chat.templates import AnswerTemplates
from assistant.chat.types import Answer, AskContext, Citation, Intent
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.frameworks.practice import ResourceLink

# the competencies at the mastery bar named in a short progress answer (the rest counted)
AT_BAR_NAMED = 3


class StepAnswers:
    def __init__(
        self,
        templates: AnswerTemplates,
        catalog: Callable[[], FrameworkCatalog],
        words: CatalogWords,
    ) -> None:
        self.templates = templates
        self._catalog = catalog
        self.words = words
        self.translations = words.translations

    def answer(
        self,
        intent: Intent,
        view: NextStepsView,
        context: AskContext,
        language: str,
        focus: str | None = None,
        topic: tuple[str, ...] = (),
        *,
        shown: int | None = None,
    ) -> Answer:
        """`focus`: the one competency asked about; `topic`: the few a topic names ("unit
        rates"), shown when the learner has evidence on any of them; `shown`: how many of the
        steps are written out (all of them stay in the answer for "what's the next one?")."""
        own = context.role == "student"
        one = shown == 1
        lines = [
            self.templates.render(
                f"intro.{intent}", language, own=own, learner=view.learner.name, topic="", one=one
            )
        ]
        citations: list[Citation] = []
        levels, steps = view.levels, view.steps
        if focus is not None:  # only the competency asked about
            levels = tuple(row for row in levels if row[0] == focus)
            steps = tuple(step for step in steps if step.code == focus)
        named = tuple(row for row in levels if row[0] in topic) if focus is None else ()
        if named:  # only the topic's competencies, and the steps among them
            levels, steps = named, tuple(step for step in steps if step.code in topic)
        if focus is not None and steps:
            levels = ()  # the step line says where the learner is on it
        short = False
        if intent == "progress" and focus is None and levels:
            # what needs attention first, then the whole picture: for a student or a parent
            # (without a topic) in one line, the skills at the goal counted, a few named
            lines.insert(0, self._below_bar(levels, own, view.learner.name, language))
            if context.role in ("student", "parent") and not named:
                short = True
                lines[1:] = self._at_bar(levels, own, view.learner.name, language)
        if (intent == "progress" or focus is not None or named) and levels and not short:
            lines += [
                f"- {self.words.code_title(code, title, language)} ({code}): {level:g} "
                f"{self.translations.level_name(label, language)}"
                for code, title, level, label in levels
            ]
            if focus is not None or named:
                citations += [self.words.level_citation(code, language) for code, *_ in levels]
        elif focus is not None and not steps:
            citations.append(self.words.level_citation(focus, language))
            lines.append(
                self.templates.render(
                    "no_evidence_on",
                    language,
                    own=own,
                    learner=view.learner.name.split()[0],
                    code=focus,
                    title=self.words.code_title(focus, focus, language),
                )
            )
        if not steps and focus is None and not named:
            lines.append(self.templates.render("no_steps", language, reason=""))
        elif short:  # the steps under their own heading, after the summary
            lines.append(
                self.templates.render(
                    "intro.next_steps",
                    language,
                    own=own,
                    learner=view.learner.name,
                    topic="",
                    one=one,
                )
            )
        written = steps if shown is None else steps[:shown]
        for n, step in enumerate(written, start=1):
            number = 0 if len(written) == 1 and one else n  # a single step is not numbered
            lines.append(self._step_line(number, step, own, view.learner.name, language))
            if not any(c.code == step.code for c in citations):  # (a topic's level cites it)
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
        if len(steps) > len(written):
            lines.append(self.templates.render("more_steps", language, own=own))
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

    def _below_bar(
        self, levels: Sequence[tuple[str, str, float, str]], own: bool, name: str, language: str
    ) -> str:
        """One line naming the competencies below the mastery bar (or saying there are none)."""
        scale = self.words.scale(None)
        bar = scale.level_for(scale.bar)
        below = "; ".join(
            f"{self.words.code_title(code, title, language)} ({code}, {level:g} "
            f"{self.translations.level_name(label, language)})"
            for code, title, level, label in levels
            if level < scale.bar
        )
        return self.templates.render(
            "progress_below",
            language,
            own=own,
            learner=name.split()[0] if name else "",
            bar=f"{bar.score:g} {self.translations.level_name(bar.label, language)}",
            below=below,
        )

    def _at_bar(
        self, levels: Sequence[tuple[str, str, float, str]], own: bool, name: str, language: str
    ) -> list[str]:
        """One line counting the competencies at the mastery bar or above and naming the
        first few; no line when there are none."""
        scale = self.words.scale(None)
        met = [(code, title) for code, title, level, _ in levels if level >= scale.bar]
        if not met:
            return []
        examples = [
            f"{self.words.code_title(code, title, language)} ({code})"
            for code, title in met[:AT_BAR_NAMED]
        ]
        return [
            self.templates.render(
                "progress_met",
                language,
                own=own,
                learner=name.split()[0] if name else "",
                count=len(met),
                examples=join_words(examples, language) if len(met) > AT_BAR_NAMED else "",
                named=join_words(examples, language) if len(met) <= AT_BAR_NAMED else "",
            )
        ]

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
            title=self.words.code_title(step.code, step.title, language),
            own=own,
            name=name.split()[0] if name else "",
            level=level,
            bar=bar,
            tip=tip,
            resource=resource[0] if resource else "",
        )
