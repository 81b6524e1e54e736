"""Whole-section answers: the section of a guide that best answers a question, and its lead
(`leads.lead_text`: the opening paragraph, or a list with its lead-in, kept intact). No
sentences are gathered from several documents, and a lead that holds a sentence the injection
guard drops is skipped for the next best section, never stitched around it."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.chat.guards import looks_like_injection
from assistant.chat.leads import blocks, lead_text, sentences
from assistant.chat.stored_checks import CheckLookup, StoredChecks
from assistant.chat.types import Citation
from assistant.chat.vectors import unit_rows
from assistant.chat.word_overlap import overlap, stems
from assistant.frameworks.codes import code_matches, codes_in
from assistant.retrieval.lexical import tokens
from assistant.types import QUESTION, Chunk, SearchHit

# vectors as lists, or as a float32 matrix (a row per text)
EmbedMany = Callable[[list[str]], np.ndarray | list[list[float]]]
# Sections that speak to a parent about their child: never shown to a student as if to them.
PARENT_SECTION = re.compile(
    r"\bparents?\b|\bfamil(y|ies)\b|\bat home\b|\bpadres\b|\bfamilias?\b|\ben casa\b", re.I
)
YOUR_CHILD = re.compile(
    r"\byour (child|children|kid|son|daughter|teen)\b|\bsu hij[oa]\b|\bsus hijos\b", re.I
)
FOR_AUDIENCE = {
    "student": "students",
    "parent": "parents",
    "teacher": "teachers",
    "leader": "teachers",  # school leaders read the professional guides
}
# A question close to one a section lists counts for that section above this similarity.
ASKED_FLOOR = 0.45
ASKED_WEIGHT = 2.0
ASKED_MARGIN = 0.25
# The section whose listed questions the question search ranks first (BM25 and meaning, against
# the questions alone) gains this much; the next ones a half, a third…
ASKED_RANK = 0.3
# a level named by its digit, also in the plural ("all 3s"); not in "3/4", "3.5" or "3 weeks"
LEVEL_DIGIT = re.compile(
    r"(?<![\w.,:/])([1-4])(?:s(?![\w/])|"
    r"(?![\w.,:/]|\s*(?:min|minutes|weeks|days|divided|times|plus|minus)))"
)
OTHER_LEVEL = 0.4
OTHER_CODE = 0.4
TEACHERS_TO_FAMILIES = -0.35  # a professional guide in a teacher's voice, to a student or parent
PREFERRED_TYPE = 0.8
NAMED_IN_HEADING = 0.4
# A later paragraph joins the opening when it matches the question this much, and this much
# better than the opening does.
BLOCK_FLOOR = 0.45
BLOCK_MARGIN = 0.08
# A later paragraph that names a specific word of the question (4+ letters, stop words aside:
# "the date next to every skill") the opening lacks
# joins it when it is on the question's topic at least this much.
DETAIL_LENGTH = 4
DETAIL_FLOOR = 0.3
# That paragraph comes before the opening when it shares more of the question's words and
# matches it this much better, or (whatever the words) this much better.
LEADS_WITH = 0.05
LEADS_ALONE = 0.22


@dataclass(frozen=True)
class Section:
    """One section of one guide, resource or framework item, as retrieved."""

    source: str
    title: str
    heading: str
    text: str  # the section's whole text (all its parts), without the heading line
    audience: str
    language: str
    doc_type: str
    code: str | None
    rank: int  # the best retrieval rank of any of its chunks (0 = first)
    questions: tuple[str, ...] = ()  # the questions its guide says it answers
    # its place among the sections whose listed questions matched the question (words and
    # meaning, question against question: 0 = first), None when none of them did
    asked_rank: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.heading)

    def citation(self, snippet: str) -> Citation:
        return Citation(self.source, self.title, self.heading or None, self.code, snippet)


@dataclass(frozen=True)
class Block:
    """A later paragraph of a section that answers the question, and whether it goes first."""

    text: str
    leads: bool


@dataclass(frozen=True)
class Lead:
    section: Section
    text: str
    score: float  # the ranking score
    similarity: float  # meaning alone: question against heading and lead (cosine)
    asked: float = 0.0  # the question against the section's own listed questions (cosine)

    @property
    def grounding(self) -> float:
        """How surely the section answers: its text's match, or a close listed question's (a
        question to question match runs higher than a question to text one)."""
        return max(self.similarity, self.asked - ASKED_MARGIN)


def sections_from(
    hits: Sequence[SearchHit],
    opening: Callable[[Chunk], Chunk],
    whole: Callable[[Chunk], str],
) -> list[Section]:
    """The sections of these hits in retrieval order, each once, starting at its first chunk
    (`opening` finds part 0 of a hit's section, so a lead never starts mid-paragraph), with
    the text of all its parts (`whole`: a later paragraph can be the one that answers)."""
    found: dict[tuple[str, str], Section] = {}
    asked_order: dict[tuple[str, str], int] = {}
    for hit in hits:
        if hit.chunk.metadata.get("doc_type") == QUESTION:
            key = (hit.chunk.source, str(hit.chunk.metadata.get("section") or ""))
            asked_order.setdefault(key, len(asked_order))
    for rank, hit in enumerate(hits):
        heading = str(hit.chunk.metadata.get("section") or "")
        key = (hit.chunk.source, heading)
        if key in found:
            continue
        first = opening(hit.chunk)  # a listed question leads to its section's first chunk
        if first.metadata.get("doc_type") == QUESTION:
            continue  # its section is not indexed (any more)
        meta = first.metadata
        listed = str(meta.get("questions") or "")
        found[key] = Section(
            source=hit.chunk.source,
            title=hit.chunk.title,
            heading=heading,
            text=whole(first),
            audience=str(meta.get("audience") or "all"),
            language=str(meta.get("language") or "en"),
            doc_type=str(meta.get("doc_type") or "guide"),
            code=str(meta.get("code") or "") or None,
            rank=rank,
            questions=tuple(q for q in listed.split("\n") if q),
            asked_rank=asked_order.get(key),
        )
    return list(found.values())


@dataclass(frozen=True)
class Preferences:
    role: str
    language: str
    kind_words: tuple[str, ...] = ()  # heading words that suit the kind of question
    avoid: tuple[str, ...] = ()  # doc types not to answer from
    at_home: bool = False  # a parent asks how to help at home: a resource's parent section
    prefer: str | None = None  # the doc type that suits the question (practice: "resource")
    # heading words that name what is asked outright (the level in "what does a 3 mean")
    named: tuple[str, ...] = ()


class SectionPicker:
    """Ranks retrieved sections for a question: meaning (embeddings of the heading and lead),
    shared words, retrieval rank, the asker's audience and language, and the kind of
    question. Sections written to parents about their child never answer a student."""

    def __init__(self, embed: EmbedMany, checks: CheckLookup | None = None) -> None:
        self._embed = embed
        self._checks = StoredChecks(checks) if checks else None  # verdicts stored at ingest
        self._listed: dict[str, np.ndarray] = {}  # a listed question's unit vector, by its text

    def similarities(self, text: str, candidates: Sequence[str]) -> list[float]:
        """Cosine similarity of a text to each candidate."""
        if not candidates:
            return []
        vectors = unit_rows(np.asarray(self._embed([text, *candidates]), dtype=np.float32))
        return [float(v) for v in vectors[1:] @ vectors[0]]

    def answering_block(
        self, question: str, lead: Lead, max_words: int, language: str
    ) -> Block | None:
        """A later paragraph or list of the lead's own section that answers the question
        clearly better than its opening ("how do I get from a 3 to a 4" → the paragraph of
        "What a 4 means" on going for a 4), kept whole, and whether it answers so much better
        that it comes first; None when the opening is the answer."""
        used = " ".join(lead.text.split())
        later = [
            block
            for block in blocks(lead.section.text)
            if " ".join(block.replace("**", "").split())[:60] not in used
        ]
        later = [b for b in later if not any(looks_like_injection(x) for x in sentences(b))]
        if not later:
            return None
        lead_score, *scores = self.similarities(question, [lead.text, *later])
        best = max(range(len(later)), key=lambda i: scores[i])
        detail = _asked_detail(question, lead, later, scores)
        if detail is not None and (
            scores[best] < BLOCK_FLOOR or scores[best] < lead_score + BLOCK_MARGIN
        ):
            best = detail  # "no internet at home": the paragraph that names it
        elif scores[best] < BLOCK_FLOOR or scores[best] < lead_score + BLOCK_MARGIN:
            return None
        if language != "en" and overlap(question, later[best]) < 0.3:
            return None  # the English-only model guesses in Spanish
        text = lead_text(later[best], max_words)
        if text is None:
            return None
        # it leads when it shares more of the question's words than the opening and means it
        # a little better, or means it much better ("is a 4 just getting everything right")
        gain = scores[best] - lead_score
        says_more = overlap(question, later[best]) > overlap(question, lead.text)
        return Block(text, (says_more and gain >= LEADS_WITH) or gain >= LEADS_ALONE)

    def _asked(self, asked: np.ndarray, found: Sequence[Section]) -> list[float]:
        """Each section's closest listed question to the one asked (cosine; 0 without any).
        Listed questions are embedded once and kept: they are few and never change."""
        new = sorted({q for s in found for q in s.questions if q not in self._listed})
        if new:
            vectors = unit_rows(np.asarray(self._embed(new), dtype=np.float32))
            self._listed.update(zip(new, vectors, strict=True))
        return [
            max((float(self._listed[q] @ asked) for q in s.questions), default=0.0) for s in found
        ]

    def rank(
        self,
        question: str,
        found: Sequence[Section],
        prefs: Preferences,
        max_words: int,
        *,
        want_list: bool = False,
        more: bool = False,
    ) -> list[Lead]:
        if self._checks is not None:
            self._checks.recall(s.text for s in found if s.doc_type not in prefs.avoid)
        leads: list[tuple[Section, str]] = []
        for section in found:
            if section.doc_type in prefs.avoid:
                continue
            text = lead_text(section.text, max_words, want_list=want_list, more=more)
            if text and self._suits(section, text, prefs):
                leads.append((section, text))
        if not leads:
            return []
        texts = [question] + [f"{s.heading}. {text}" for s, text in leads]
        vectors = unit_rows(np.asarray(self._embed(texts), dtype=np.float32))
        meaning = vectors[1:] @ vectors[0]
        asked = self._asked(vectors[0], [section for section, _ in leads])
        asked_places = self._asked_places([section for section, _ in leads], prefs)
        ranked = []
        for (section, text), similarity, as_listed in zip(leads, meaning, asked, strict=True):
            # meaning first (against the lead, and against the questions the section lists);
            # shared words, the retriever's order, the asker's audience and language and the
            # kind of question adjust it
            score = 1.5 * float(similarity) + 0.3 * overlap(question, f"{section.heading} {text}")
            # a listed question that shares the asker's words; the English-only model is unsure
            # of Spanish, where a listed question counts only when it shares them
            listed_words = max((overlap(question, q) for q in section.questions), default=0.0)
            score += (0.2 if prefs.language == "en" else 0.4) * listed_words
            if prefs.language != "en" and listed_words < 0.3:
                as_listed = min(as_listed, float(similarity))
            # another audience's listed questions count for less: its text was not written for
            # the asker, whatever the question shares with it
            mine = self._own_or_all(section, prefs)
            weight = ASKED_WEIGHT if mine else ASKED_WEIGHT * 0.6
            score += weight * max(0.0, as_listed - ASKED_FLOOR)
            score += 0.2 * overlap(question, section.heading)
            place = asked_places.get(section.key)
            if place is not None and prefs.prefer in (None, section.doc_type):  # not over practice
                score += ASKED_RANK * (1.0 if mine else 0.6) / (1 + place)
            score -= OTHER_LEVEL * _other_level(question, section.heading)
            score -= OTHER_CODE * _other_code(question, section.heading)
            score += 0.1 / (1 + section.rank)
            score += self._audience_bonus(section, prefs)
            # the asker's language counts for sections written for them; a teacher asking in
            # Spanish is answered from the teachers' guides (in English) before a Spanish
            # guide written for students
            staff = FOR_AUDIENCE.get(prefs.role) == "teachers"
            if section.language == prefs.language and (mine or not staff):
                score += 0.3 if prefs.language != "en" else 0.05
            if prefs.kind_words and re.search("|".join(prefs.kind_words), section.heading, re.I):
                score += 0.08
            if prefs.named and re.search("|".join(prefs.named), section.heading, re.I):
                score += NAMED_IN_HEADING
            if prefs.at_home and PARENT_SECTION.search(f"{section.heading} {section.title}"):
                score += 0.3
            if prefs.prefer is not None and section.doc_type == prefs.prefer:
                score += PREFERRED_TYPE
            if prefs.language != "en" and overlap(question, f"{section.heading} {text}") < 0.15:
                similarity = min(float(similarity), 0.0)  # the English-only model guesses
            ranked.append(Lead(section, text, score, float(similarity), as_listed))
        return sorted(ranked, key=lambda lead: -lead.score)

    def _asked_places(
        self, found: Sequence[Section], prefs: Preferences
    ) -> dict[tuple[str, str], int]:
        """Where each section's listed questions came in the question search, counted among
        the sections written for the asker (and, apart, among the others'): a parent's FAQ
        that came first does not push a student's own section down."""
        places: dict[tuple[str, str], int] = {}
        for mine in (True, False):
            ordered = sorted(
                (
                    s
                    for s in found
                    if s.asked_rank is not None and self._own_or_all(s, prefs) == mine
                ),
                key=lambda s: s.asked_rank or 0,
            )
            places.update((s.key, place) for place, s in enumerate(ordered))
        return places

    @staticmethod
    def _suits(section: Section, text: str, prefs: Preferences) -> bool:
        """A student is never shown a section that speaks to a parent about their child."""
        if prefs.role != "student" or section.audience == "students":
            return True  # students' own guides may name family ("Who to ask: … or family")
        if PARENT_SECTION.search(section.heading):
            return False
        return not (section.audience == "parents" and YOUR_CHILD.search(text))

    @staticmethod
    def _own_or_all(section: Section, prefs: Preferences) -> bool:
        own = FOR_AUDIENCE.get(prefs.role)
        return own is None or section.audience in (own, "all")

    @staticmethod
    def _audience_bonus(section: Section, prefs: Preferences) -> float:
        own = FOR_AUDIENCE.get(prefs.role)
        if own is None or section.audience == "all":
            return 0.0
        if section.audience == own:
            return 0.12
        # professional guides are the last resort for families, and families' and students'
        # guides for teachers
        if own == "teachers":
            return -0.3
        return TEACHERS_TO_FAMILIES if section.audience == "teachers" else -0.08


def _asked_detail(
    question: str, lead: Lead, later: Sequence[str], scores: Sequence[float]
) -> int | None:
    """The later block that names a specific thing the question asks about and the opening
    and heading do not ("we have no internet at home": the paragraph on no internet), when it
    is still on the question's topic; None otherwise."""
    said = stems(f"{lead.section.heading} {lead.text}")
    specific = {token[:5] for token in tokens(question) if len(token) >= DETAIL_LENGTH} - said
    if not specific:
        return None
    naming = [
        i for i, block in enumerate(later) if specific & stems(block) and scores[i] >= DETAIL_FLOOR
    ]
    if not naming:
        return None
    return max(naming, key=lambda i: (len(specific & stems(later[i])), scores[i]))


def _other_level(question: str, heading: str) -> bool:
    """The heading is about a level ("What a 4 means") and the question names levels, none of
    them that one: the model reads digits poorly, so this says it outright."""
    named = set(LEVEL_DIGIT.findall(heading))
    asked = set(LEVEL_DIGIT.findall(question))
    return bool(named and asked and not named & asked)


def _other_code(question: str, heading: str) -> bool:
    """The heading names competencies ("Sticking point: … (M.7.RP.1)") and the question names
    others, none of them those: the section is about another competency."""
    named, asked = codes_in(heading), codes_in(question)
    # "RP.6" names M.6.RP.6 in shorthand
    same = any(code_matches(n, a) or code_matches(a, n) for n in named for a in asked)
    return bool(named and asked and not same)
