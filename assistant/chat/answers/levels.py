"""What a level means: the scale's own words first, then the guide section on that level, and
the level's descriptor on a competency when one is named or in focus."""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.chat.answers.guides import Composed, GuidePlan, renumber, written_for_others
from assistant.chat.answers.kinds import kind_of
from assistant.chat.leads import sentences
from assistant.chat.sections import FOR_AUDIENCE, LEVEL_DIGIT
from assistant.chat.templates import AnswerTemplates
from assistant.chat.types import Citation
from assistant.frameworks.catalog import CatalogEntry
from assistant.frameworks.codes import codes_in
from assistant.frameworks.scale import ProficiencyScale
from assistant.frameworks.translations import Translations
from assistant.index.section_text import section_name

LEVEL_WORDS = {
    "beginning": 1,
    "inicial": 1,
    "developing": 2,
    "en desarrollo": 2,
    # what many report cards call the level on the way to the goal
    "in progress": 2,
    "en progreso": 2,
    "en proceso": 2,
    "proficient": 3,
    "competente": 3,
    "advanced": 4,
    "avanzado": 4,
}


# "to get a 3", "reach a 3", "llegar al 3": the level aimed at, before any other one named
AIMED_AT = re.compile(
    r"\b(?:get|reach|hit|to|for|up to|sacar|llegar a|subir a|pasar a)\s+(?:a |an |el |al |un )?"
    r"(?:level |nivel )?([1-4])(?![\w.])",
    re.I,
)
# How closely a guide section must match to join a competency's descriptors (grounding).
GUIDE_BESIDE_CODE = 0.5
# What a level means (its name, whether it is good, what it is like), as opposed to how to
# reach one or what to do about one.
MEANING = re.compile(
    r"\bmeans?\b|\bmeaning\b|signific|quiere decir|\bstand for\b|\bdefin"
    r"|^\W*(wh?at|que|qu[eé])('?s| is| are| es| son)?\b.{0,25}"
    r"([1-4]|beginning|developing|proficient|advanced|levels?|inicial|en desarrollo|competente"
    r"|avanzado|niveles?)\W*$"
    r"|\b(good|bad|ok|okay|fine|failing|average|bueno|malo|reprob)"
    r"|\b(better|worse|same|mejor|peor|igual)\b|\blike an? [a-f]\b|\bcomo (un|una)\b",
    re.I,
)
# Asking what a level means, even about one's own child.
MEANS = re.compile(r"\bmeans?\b|\bmeaning\b|\bsignifica|\bquiere decir\b", re.I)
# Asking whether work reaches a level ("is my inequality work good enough for a 3"): what the
# level asks for, on that skill when the question names one.
ENOUGH_FOR = re.compile(
    r"\b(good enough|enough|count|ready|qualif\w*) (for|as) (a |an |the )?(level )?[1-4]\b|"
    r"\b(suficiente|bastante|lista?o?) para (un |el |una )?(nivel )?[1-4]\b",
    re.I,
)
# Tiers of support ("apoyo de nivel 2", "tier 2") are not proficiency levels.
TIER_WORDS = re.compile(r"\btiers?\b|\bapoyo\b|\bmtss\b|\bintervenci", re.I)


def level_asked(question: str) -> float | None:
    """The level a question is about: the one aimed at ("to get a 3"), a level name, or a lone
    digit 1-4."""
    aimed = AIMED_AT.search(question)
    if aimed:
        return float(aimed.group(1))
    lowered = question.casefold()
    for word, score in LEVEL_WORDS.items():
        if word in lowered:
            return float(score)
    match = LEVEL_DIGIT.search(question)  # not in "3/4" or "3 divided by 2"
    return float(match.group(1)) if match else None


def levels_named(question: str) -> list[float]:
    """Every level a question names, by digit or by name, in the order named, each once."""
    text = strip_codes(question)
    found: list[tuple[int, float]] = [
        (m.start(), float(m.group(1))) for m in LEVEL_DIGIT.finditer(text)
    ]
    lowered = text.casefold()
    for word, score in LEVEL_WORDS.items():
        at = lowered.find(word)
        if at >= 0:
            found.append((at, float(score)))
    return list(dict.fromkeys(score for _, score in sorted(found)))


# two levels side by side: "developing vs proficient", "is a 2 worse than a 3"
COMPARED = re.compile(
    r"\bdifferen|\bdiferencia|\bvs\b|\bversus\b|\bcompar|\bbetter\b|\bworse\b|\bsame\b"
    r"|\bmejor\b|\bpeor\b|\bigual\b|\bor\b|\bo\b",
    re.I,
)
EXPLAINING = re.compile(r"\bhow (do|can|should) (i|we)\b|\bc[oó]mo (le |les )?explic", re.I)


def compares_levels(question: str) -> bool:
    """The question sets two levels side by side (not how to explain them to someone)."""
    return (
        len(levels_named(question)) >= 2
        and bool(COMPARED.search(question) or MEANING.search(question))
        and not EXPLAINING.search(question)
    )


def asks_meaning(question: str) -> bool:
    """The question asks what a level (or the scale) means, not how to reach one or what to do
    about one: those are answered from the guide section that says so."""
    return bool(MEANING.search(question)) or len(question.split()) <= 5


class LevelPlan:
    def __init__(
        self, guides: GuidePlan, templates: AnswerTemplates, translations: Translations
    ) -> None:
        self.guides = guides
        self.templates = templates
        self.translations = translations

    def answer(
        self,
        question: str,
        scale: ProficiencyScale,
        entry: CatalogEntry | None,
        *,
        role: str,
        language: str,
        more: bool = False,
    ) -> Composed:
        wanted = level_asked(question)
        names = {lv.score: self.translations.level_name(lv.label, language) for lv in scale.levels}
        if entry is None and compares_levels(question) and not more:
            compared = levels_named(question)[:2]
            return self._compare(compared, scale, names, role=role, language=language)
        lines: list[str] = []
        if wanted is not None:
            level = scale.level_at(wanted)
            lines.append(
                self.templates.render(
                    "level_meaning.lead",
                    language,
                    score=f"{level.score:g}",
                    label=names[level.score],
                    english=level.label.casefold(),
                )
            )
            query = f"{question} level {level.score:g} {level.label} means"
            if language != "en":  # the Spanish guides name it in Spanish
                query += f" nivel {level.score:g} {names[level.score]}"
            words: tuple[str, ...] = (rf"\b{level.score:g}\b", level.label, names[level.score])
        else:
            listed = ", ".join(f"{score:g} {name}" for score, name in names.items())
            lines.append(self.templates.render("level_meaning.scale", language, levels=listed))
            query = f"{question} four proficiency levels"
            words = ("levels", "niveles", "glance")
        plain = strip_codes(question)  # a code pins resources; the scale is in the guides
        citations: list[Citation] = []
        if entry is not None:
            # the competency asked about says it most exactly: its descriptors come first, the
            # level asked about and the one the learners are at ("kids at 2 … to get a 3")
            aimed = wanted if wanted is not None else scale.bar
            for score in _levels_to_show(question, aimed):
                line = self._descriptor_line(entry, scale, score, language)
                citations.append(
                    Citation(
                        entry.framework_title, f"{entry.code} {entry.title}", None, entry.code, line
                    )
                )
                lines.append(f"{line} [{len(citations)}]")
        hits = self.guides.hits(strip_codes(query), language)
        # one voice: the asker's own guides when they speak of the levels
        hits = [h for h in hits if h.chunk.metadata.get("audience") in _own(role)] or hits
        if not TIER_WORDS.search(question):  # "Tier 2" / "Nivel 2 de apoyo" is no level
            hits = [h for h in hits if not TIER_WORDS.search(section_name(h.chunk))] or hits
        if entry is None:  # an example on one competency does not say what a level means
            hits = [h for h in hits if not codes_in(section_name(h.chunk))] or hits
        if wanted is not None and not LEVEL_DIGIT.search(plain):
            # named by a word ("in progress"): the level's digit and name join the question
            level = scale.level_at(wanted)
            plain = f"{plain} ({level.score:g} {names[level.score]})"
        guide = self.guides.compose(
            plain,
            hits,
            role=role,
            language=language,
            extra_words=words,
            more=more,
            avoid=("competency", "resource"),
            # a heading naming the level asked ("What a 3 means") is the guide's page on it;
            # not when an example is asked for ("what a level 3 answer looks like")
            named=words if wanted is not None and kind_of(question) != "example" else (),
        )
        own_audience = not (
            entry is not None and guide.leads and written_for_others(guide.leads[0].section, role)
        )
        # beside a competency's own descriptors, a guide section joins only when it clearly
        # speaks to the question (not "closing a prerequisite gap" for "what would a 4 look
        # like on M.6.RP.6")
        relevant = entry is None or guide.similarity >= GUIDE_BESIDE_CODE
        if guide.lines and own_audience and relevant:
            # the guide's own opening may say it already; not when it is introduced as another
            # audience's guide ("From the guide for students, …"): the scale's words come first
            guide_lines, guide_citations = list(guide.lines), list(guide.citations)
            paragraphs = guide_lines[0].split("\n\n")
            if entry is None and any(_repeats(part, lines[0]) for part in paragraphs):
                lines = []  # (a paragraph that answers better may come before the opening)
            elif entry is not None and _repeats(paragraphs[0], lines[0]):
                # the descriptor sits between them: the guide's repeat goes
                guide_lines[0] = _without_first_sentence(guide_lines[0])
                snippet = _without_first_sentence(guide_citations[0].snippet)
                guide_citations[0] = replace(guide_citations[0], snippet=snippet)
            offset = len(citations)
            lines += [renumber(line, offset) for line in guide_lines]
            citations += guide_citations
        return Composed(
            tuple(lines), tuple(citations), max(guide.similarity, 1.0 if entry else 0.0)
        )

    def _compare(
        self,
        scores: list[float],
        scale: ProficiencyScale,
        names: dict[float, str],
        *,
        role: str,
        language: str,
    ) -> Composed:
        """Two levels side by side ("is developing better than beginning"): each level's name
        and the opening of the guide section on it, in the order asked."""
        lines: list[str] = []
        citations: list[Citation] = []
        for score in sorted(scores):
            level = scale.level_at(score)
            lead = self.templates.render(
                "level_meaning.lead",
                language,
                score=f"{level.score:g}",
                label=names[level.score],
                english=level.label.casefold(),
            )
            asked = self.templates.render(
                "level_meaning.query", language, score=f"{level.score:g}", label=names[level.score]
            )
            hits = self.guides.hits(asked, language)
            # one voice: the asker's own guides when they speak of this level
            own = [
                h
                for h in hits
                if h.chunk.metadata.get("audience") in (FOR_AUDIENCE.get(role), "all")
            ]
            guide = self.guides.compose(
                asked,
                own or hits,
                role=role,
                language=language,
                extra_words=(rf"\b{level.score:g}\b", level.label, names[level.score]),
                avoid=("competency", "resource"),
                named=(rf"\b{level.score:g}\b", level.label, names[level.score]),
            )
            if not guide.leads:
                lines.append(lead)
                continue
            opening = _about_level(guide.leads[0].text, level.score, names[level.score])
            if _repeats(opening, lead):
                opening = _without_first_sentence(opening)
            citations.append(replace(guide.citations[0], snippet=opening))
            lines.append(f"{lead} {opening} [{len(citations)}]")
        return Composed(tuple(lines), tuple(citations), 1.0)

    def _descriptor_line(
        self, entry: CatalogEntry, scale: ProficiencyScale, score: float, language: str
    ) -> str:
        level = scale.level_at(score)
        description = self.translations.descriptor(
            entry.code, level.score, language, level.description
        )
        title = self.translations.title(entry.item.identifier, language, entry.title)
        return self.templates.render(
            "level_meaning.on_code",
            language,
            code=entry.code,
            title=title,
            score=f"{level.score:g}",
            description=description,
        )


def _levels_to_show(question: str, aimed: float) -> list[float]:
    """The level aimed at, then the one the question says learners are at ("at 2"), if any."""
    named = {float(d) for d in LEVEL_DIGIT.findall(strip_codes(question))}
    return [aimed, *sorted(named - {aimed})][:2]


def strip_codes(text: str) -> str:
    """The text without competency codes (M.6.RP.2, 7.RP.A.2)."""
    for code in codes_in(text):
        text = text.replace(code, " ")
    return " ".join(text.split())


def _own(role: str) -> tuple[str | None, str]:
    """The audiences whose guides speak to this asker."""
    return (FOR_AUDIENCE.get(role), "all")


def _about_level(text: str, score: float, name: str) -> str:
    """What a guide's lead says about one level: its list item on that level when the lead
    lists the levels, else its first sentences."""
    item = re.compile(rf"^- \**{score:g}\b|^- \**{re.escape(name)}\b", re.I)
    for line in text.splitlines():
        if item.match(line.strip()):
            said = line.strip()[2:].replace("**", "")
            # "1 Beginning. You can do parts…": the level's name is already said
            return re.sub(rf"^{score:g}\s+{re.escape(name)}\W*\s*", "", said, flags=re.I) or said
    return " ".join(sentences(text.split("\n\n")[0])[:3])


def _without_first_sentence(text: str) -> str:
    rest = text.partition(". ")[2]
    return rest if rest else text


def _repeats(guide_line: str, lead: str) -> bool:
    """The guide's own first sentence already says what the lead says ("A 3 means …")."""
    first = guide_line.split(". ")[0].casefold()
    key = lead.casefold().rstrip(".").split(":")[0]
    return key in first
