"""A list of competencies straight from the frameworks ("all the 6th grade expressions &
equations standards", "list the M.7.RP skills"): picked by grade, by the words of their domain
or cluster, or by a code prefix; in framework order."""

from __future__ import annotations

import re

from assistant.chat.word_overlap import stems
from assistant.frameworks.catalog import CatalogEntry, FrameworkCatalog

LISTING = re.compile(
    r"\b(all|list|every|each|which|show me)\b.{0,60}\b(standards?|competenc(y|ies)|skills|"
    r"objectives)\b|\b(standards?|competencies|skills) (list|for|in|of)\b"
    r"|\b(todas|lista|cu[aá]les)\b.{0,40}\b(competencias|habilidades|est[aá]ndares)\b",
    re.I,
)
GRADE = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th|º|°|o)?\s*(?:grade|grado)\b|\b(?:grade|grado)\s*(\d{1,2})\b"
    r"|\b(sixth|seventh|eighth|sexto|s[eé]ptimo|octavo)\b",
    re.I,
)
ORDINALS = {
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "sexto": 6,
    "séptimo": 7,
    "septimo": 7,
    "octavo": 8,
}
PREFIX = re.compile(r"\b([A-Z]\.(?:\d{1,2}\.)?[A-Z]{1,3})\b(?!\.\d)")
# words of a listing request that say nothing about which competencies
GENERIC = frozenset(
    stems(
        "all list every each which show me the standards standard competency competencies skills "
        "objectives grade grado pls please give todas lista cuales competencias habilidades "
        "estandares de del la las los"
    )
)
MAX_LISTED = 40


def asks_listing(question: str) -> bool:
    return bool(LISTING.search(question))


def grade_asked(question: str) -> int | None:
    match = GRADE.search(question)
    if match is None:
        return None
    number = match.group(1) or match.group(2)
    return int(number) if number else ORDINALS.get(match.group(3).casefold())


def listed(catalog: FrameworkCatalog, question: str) -> list[CatalogEntry]:
    """The competencies a listing request names, or none when it names no grade, domain or code
    prefix that any competency has."""
    grade = grade_asked(question)
    prefixes = [p for p in PREFIX.findall(question) if p.count(".") >= 1]
    wanted = stems(GRADE.sub(" ", question)) - GENERIC
    chosen: list[tuple[int, CatalogEntry]] = []
    for entry in catalog.assessable():
        if prefixes and not any(entry.code.startswith(p + ".") for p in prefixes):
            continue
        levels = {int(level) for level in entry.item.education_levels if level.isdigit()}
        if grade is not None and grade not in levels:
            continue
        domain = stems(" ".join(_group_titles(catalog, entry)))
        chosen.append((len(wanted & domain), entry))
    best = max((hits for hits, _ in chosen), default=0)
    if best == 0 and grade is None and not prefixes:
        return []  # nothing says which competencies
    # the domain's words narrow a grade or a prefix when they name one of its domains
    return [entry for hits, entry in chosen if hits == best][:MAX_LISTED]


def _group_titles(catalog: FrameworkCatalog, entry: CatalogEntry) -> list[str]:
    """The titles of the clusters and domains a competency sits in, and its framework's."""
    framework = catalog.framework(entry.framework_id)
    if framework is None:
        return []
    titles, stack, seen = (
        [framework.title],
        list(framework.parents.get(entry.identifier, [])),
        set(),
    )
    while stack:
        node = stack.pop()
        if node in seen or node not in framework.items:
            continue
        seen.add(node)
        item = framework.items[node]
        titles.append(item.title or item.statement)
        stack.extend(framework.parents.get(node, []))
    return titles
