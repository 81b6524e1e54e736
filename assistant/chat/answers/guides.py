"""General questions answered from the guides: the best section's lead, intact, with the exact
section cited; optionally one more section, clearly introduced."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from assistant.chat.answers.kinds import KIND_WORDS, Kind, heading_says_no, kind_of
from assistant.chat.leads import lead_text
from assistant.chat.sections import (
    FOR_AUDIENCE,
    Lead,
    Preferences,
    Section,
    SectionPicker,
    sections_from,
)
from assistant.chat.templates import AnswerTemplates
from assistant.chat.types import Citation
from assistant.chat.word_overlap import overlap, shares_phrase
from assistant.retrieval.retriever import SearchFilters
from assistant.types import QUESTION, Chunk, SearchHit

Search = Callable[[str, int, SearchFilters], list[SearchHit]]
AT_HOME = re.compile(r"\bat home\b|\bhelp (him|her|them|my)\b|\ben casa\b|\bayudar", re.I)
WORDS_BY_ROLE = {"student": 110, "parent": 120, "teacher": 170, "leader": 170, "admin": 170}
CANDIDATES = 8
# A section for the asker or for everyone answers a student or parent instead of a teachers'
# guide that ranks first when it is among the next few and this close in score.
FAMILY_CANDIDATES = 4
FAMILY_MARGIN = 0.3
# A section answers at a lower similarity when its listed questions matched the question first
# and at least this closely, and it leads the next section by this much.
CLEAR_ASKED = 0.45
CLEAR_LEAD = 0.25
# Passages searched for another section of a document by its heading's words.
SIBLING_CANDIDATES = 30
# How close (in ranking score) a second section must come to the first to be added.
SECOND_WITHIN = 0.15
# A paragraph that opens by pointing back ("This means…", "So…") cannot come first.
POINTS_BACK = re.compile(
    r"^\W*(this|that|these|those|so|it|then|also|but|and|here|there|they|esto|eso|esta|ese|"
    r"estas|estos|así|entonces|también|pero|y|aquí|ahí)\b",
    re.I,
)
# A paragraph that is a quoted example (a model email, a script to say) illustrates the answer
# and cannot come first either.
QUOTED = re.compile(r"^\s*[\"“«]")
# A section's answer to a yes-no question ("Not necessarily."): left out for other questions
# the heading of a practice resource's own problems, by language
TRY_THESE = {"en": "Try these", "es": "Prueba estos"}
YES_NO_OPENER = re.compile(r"^(Not necessarily|No|Yes|No necesariamente|S[ií])\.\s+(?=[A-ZÁÉÍÓÚ¿])")


def written_for_others(section: Section, role: str) -> bool:
    """A guide section addressed to another audience ("your child" to a teacher, "you" to a
    student's parent): it may answer, but is introduced as written for them, never as if it
    were addressed to the asker."""
    own = FOR_AUDIENCE.get(role)
    return own is not None and section.doc_type == "guide" and section.audience not in (own, "all")


def _families_first(ranked: list[Lead], role: str) -> list[Lead]:
    """A student or a parent is answered from a teachers' guide only when nothing written
    for them or for everyone (a practice resource) comes close: "what's an inequality and how
    do you graph it" gets the practice, not the teachers' mini-lesson."""
    best = ranked[0]
    if role not in ("student", "parent") or best.section.audience != "teachers":
        return ranked
    for lead in ranked[1:FAMILY_CANDIDATES]:
        if lead.section.audience != "teachers" and lead.score >= best.score - FAMILY_MARGIN:
            return [lead, *(other for other in ranked if other is not lead)]
    return ranked


def renumber(line: str, offset: int) -> str:
    """Shift the citation markers of a composed line by the citations that come before it."""
    return re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + offset}]", line)


def fitted_opening(text: str, kind: Kind) -> str:
    """A lead that opens with a yes-no answer ("Not necessarily. In a CBE school…") keeps it
    only for a yes-no question: asked "how far behind is he", the reply starts with the rest."""
    return text if kind == "yes_no" else YES_NO_OPENER.sub("", text)


@dataclass(frozen=True)
class Composed:
    """The reply's text, the citations of the sections it used, and the best match score."""

    lines: tuple[str, ...]
    citations: tuple[Citation, ...]
    similarity: float
    leads: tuple[Lead, ...] = ()
    asked: float = 0.0  # the closest question a leading section lists
    named: bool = False  # the best section's heading names the question's topic word for word
    # the best section is the one whose listed questions matched first, closely, and it leads
    # the ranking by far: it holds at a lower similarity ("late work policy in cbe?")
    clear: bool = False


class GuidePlan:
    def __init__(
        self,
        search: Search,
        opening: Callable[[Chunk], Chunk],
        whole: Callable[[Chunk], str],
        picker: SectionPicker,
        templates: AnswerTemplates,
        *,
        keywords: Search | None = None,
    ) -> None:
        """`opening`: a passage's section's first passage; `whole`: that section's whole text;
        `keywords`: keyword search alone (no embedding), for lookups by known words."""
        self._search = search
        self._keywords = keywords or search
        self._opening = opening
        self._whole = whole
        self.picker = picker
        self.templates = templates

    def hits(
        self,
        query: str,
        language: str,
        *,
        doc_type: str | None = None,
        k: int = CANDIDATES,
        asked: str | None = None,
    ) -> list[SearchHit]:
        """Passages for every audience (the picker weighs the asker's own higher); in Spanish,
        Spanish passages first, then the rest. `asked`: the question as typed, matched against
        the questions sections list (the query may carry a competency's code and title, which
        listed questions never name)."""
        found: list[SearchHit] = []
        if language != "en":
            found = self._search(query, k, SearchFilters(doc_type=doc_type, language=language))
        found += self._search(query, k, SearchFilters(doc_type=doc_type))
        # the questions sections list: a typed question can match one of them
        listed = SearchFilters(doc_type=QUESTION, language=language if language != "en" else None)
        found += [
            hit
            for hit in self._search(asked or query, k, listed)
            if doc_type is None or hit.chunk.metadata.get("answers") == doc_type
        ]
        unique: dict[str, SearchHit] = {}
        for hit in found:
            unique.setdefault(hit.chunk.id, hit)
        return list(unique.values())

    def compose(
        self,
        question: str,
        hits: list[SearchHit],
        *,
        role: str,
        language: str,
        kind: Kind | None = None,
        extra_words: tuple[str, ...] = (),
        more: bool = False,
        avoid: tuple[str, ...] = ("competency",),
        exclude: frozenset[tuple[str, str]] = frozenset(),
        prefer: str | None = None,
        named: tuple[str, ...] = (),
    ) -> Composed:
        """The best section's lead (and, for teachers or "tell me more", a second section from
        another guide); nothing when no section fits."""
        kind = kind or kind_of(question)
        max_words = WORDS_BY_ROLE.get(role, 120) + (80 if more else 0)
        at_home = role == "parent" and bool(AT_HOME.search(question))
        if kind == "example" and prefer is None:
            prefer = "resource"  # a problem to try, an exit check: the practice resources
        prefs = Preferences(
            role,
            language,
            KIND_WORDS[kind] + extra_words,
            avoid,
            at_home,
            prefer,
            named,
        )
        sections = [
            s for s in sections_from(hits, self._opening, self._whole) if s.key not in exclude
        ]
        ranked = self.picker.rank(
            question, sections, prefs, max_words, want_list=kind in ("list", "example"), more=more
        )
        if not ranked:
            return Composed((), (), 0.0)
        ranked = _families_first(ranked, role)
        if kind == "example":
            ranked[0] = self._to_try(ranked[0], max_words)
        best = ranked[0]
        chosen = [best]
        second = self._second(ranked, role, kind, more)
        if second is not None:
            chosen.append(second)
        lines: list[str] = []
        citations: list[Citation] = []
        for number, lead in enumerate(chosen, start=1):
            text = fitted_opening(lead.text, kind)
            cited = text
            if number == 1 and not more:
                block = self.picker.answering_block(question, lead, max_words // 2, language)
                if block is not None:
                    # the paragraph that answers best may lead, the opening following as its
                    # context, unless it opens by pointing back ("This means…")
                    first = (
                        block.leads
                        and POINTS_BACK.match(block.text) is None
                        and QUOTED.match(block.text) is None
                    )
                    text = f"{block.text}\n\n{text}" if first else f"{text}\n\n{block.text}"
                    cited = text
            heading = lead.section.heading
            if number == 1 and heading == TRY_THESE.get(lead.section.language):
                intro = self.templates.render("try_these", language, title=lead.section.title)
                text = f"{intro}\n{text}"
            says_no = kind == "yes_no" and heading_says_no(heading)
            if number == 1 and says_no and overlap(question, heading) >= 0.3:
                text = f"{self.templates.render('yes_no.no', language)} {text}"
            if number > 1:
                title = lead.section.title
                if lead.section.source == best.section.source:
                    title = f"{title}: {lead.section.heading}"  # another section of the same guide
                lines.append(self.templates.render("also_from", language, title=title))
            elif written_for_others(lead.section, role):
                # said after the answer, so the answer still comes first
                source = self.templates.render(
                    "written_for",
                    language,
                    audience=lead.section.audience,
                    title=lead.section.title,
                )
                text = f"{text}\n\n{source}"
            lines.append(f"{text} [{number}]")
            citations.append(lead.section.citation(cited))
        # grounded when any of the leading candidates clearly matches the question
        similarity = max(lead.grounding for lead in ranked[:3])
        asked = max(lead.asked for lead in ranked[:3])
        # (or a heading that names what is asked outright, as `named` says)
        titled = shares_phrase(question, best.section.heading) or any(
            re.search(pattern, best.section.heading, re.I) for pattern in named
        )
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        clear = (
            best.section.asked_rank == 0
            and best.asked >= CLEAR_ASKED
            and best.score - runner_up >= CLEAR_LEAD
        )
        return Composed(
            tuple(lines), tuple(citations), similarity, tuple(chosen), asked, titled, clear
        )

    def of_skill(
        self, code: str, title: str, language: str, k: int = CANDIDATES
    ) -> list[SearchHit]:
        """Passages that name a skill's code and title, found by keywords alone (answering
        embeds only the question); in Spanish, Spanish passages first."""
        found = []
        if language != "en":
            found = self._keywords(f"{code} {title}", k, SearchFilters(language=language))
        return found + self._keywords(f"{code} {title}", k, SearchFilters())

    def sibling(self, hit: SearchHit, heading: str, words: str) -> SearchHit | None:
        """The opening passage of the section of the hit's document whose heading matches the
        pattern `heading` ("worked example" of a practice), found by searching `words` and the
        document's title; None when the document has no such section."""
        meta = hit.chunk.metadata
        filters = SearchFilters(
            doc_type=str(meta.get("doc_type") or "") or None,
            language=str(meta.get("language") or "") or None,
        )
        for found in self._keywords(f"{words} {hit.chunk.title}", SIBLING_CANDIDATES, filters):
            section = str(found.chunk.metadata.get("section") or "")
            if found.chunk.source == hit.chunk.source and re.search(heading, section, re.I):
                return SearchHit(self._opening(found.chunk), hit.score)
        return None

    def _to_try(self, lead: Lead, max_words: int) -> Lead:
        """For "give me a problem to try": the practice's own problems ("Try these") when the
        best section is another part of a practice resource; the lead itself otherwise."""
        heading = TRY_THESE.get(lead.section.language)
        section = lead.section
        if section.doc_type != "resource" or heading is None or section.heading == heading:
            return lead
        probe = Chunk(id="", source=section.source, text="", metadata={"section": heading})
        body = self._whole(probe).strip()
        text = lead_text(body, max_words, want_list=True) if body else None
        if text is None:
            return lead
        return replace(lead, section=replace(section, heading=heading, text=body), text=text)

    @staticmethod
    def _second(ranked: list[Lead], role: str, kind: Kind, more: bool) -> Lead | None:
        """A second section, clearly introduced after the first: for "tell me more" the next
        best of another guide; for a teacher one of their own guides nearly as close; for a
        student or a parent asking a yes-no question or comparing two things (where the answer
        often spans two sections: "is a 3 good or should she get 4s"), a section written for
        them that the ranking puts nearly level with the first."""
        best = ranked[0]
        own = FOR_AUDIENCE.get(role)
        others = [r for r in ranked[1:] if r.section.source != best.section.source]
        if more:
            return others[0] if others else None
        if role in ("teacher", "leader", "admin"):
            close = [r for r in others if r.score >= best.score - SECOND_WITHIN]
            return close[0] if close and close[0].section.audience in (own, "all") else None
        if kind not in ("yes_no", "comparison") or len(ranked) < 2:
            return None
        runner = ranked[1]
        if runner.section.audience not in (own, "all") or runner.section.doc_type != "guide":
            return None
        return runner if runner.score >= best.score - SECOND_WITHIN else None
