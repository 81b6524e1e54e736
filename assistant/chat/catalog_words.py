"""The catalog's words in the asker's language: competency titles, level citations, the scale,
and the competency a few words of a question name by its title."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from assistant.chat.citations import competency_citation
from assistant.chat.types import Citation
from assistant.chat.word_overlap import stems
from assistant.frameworks.catalog import CatalogEntry, FrameworkCatalog
from assistant.frameworks.scale import DEFAULT_SCALE, ProficiencyScale
from assistant.frameworks.translations import Translations

COMMON_IN_TITLES = 3  # a word in this many competency titles names none of them
AND = {"en": " and ", "es": " y "}


class CatalogWords:
    """Titles, citations and scales from the current catalog (read anew on each call, so a
    refreshed catalog is seen at once)."""

    def __init__(self, catalog: Callable[[], FrameworkCatalog], translations: Translations) -> None:
        self._catalog = catalog
        self.translations = translations

    def title(self, entry: CatalogEntry, language: str) -> str:
        return self.translations.title(entry.item.identifier, language, entry.title)

    def code_title(self, code: str, title: str, language: str) -> str:
        entry = self._catalog().lookup(code)
        if entry is None:
            return title
        return self.translations.title(entry.item.identifier, language, entry.title)

    def level_citation(self, code: str, language: str) -> Citation:
        entry = self._catalog().lookup(code)
        if entry is None:
            return Citation(code, code, None, code, "")
        return competency_citation(entry, self.title(entry, language))

    def scale(self, entry: CatalogEntry | None) -> ProficiencyScale:
        catalog = self._catalog()
        if entry is not None:
            return catalog.scale(entry.identifier)
        first = next(iter(catalog.assessable()), None)
        return catalog.scale(first.identifier) if first else DEFAULT_SCALE

    def titled(self, text: str, language: str) -> CatalogEntry | None:
        """The competency whose title shares most of the text's words ("a good exit ticket for
        unit rates"): two words or more, or one that few titles have; the first in framework
        order on a tie."""
        entries = self._catalog().assessable()
        titles = [stems(self.title(e, language)) for e in entries]
        asked = stems(text)
        shared = [asked & title for title in titles]
        best = max(range(len(entries)), key=lambda i: len(shared[i]), default=None)
        if best is None or not shared[best]:
            return None
        words = shared[best]
        if len(words) == 1 and sum(bool(words & t) for t in titles) >= COMMON_IN_TITLES:
            return None
        return entries[best]


def join_words(parts: Iterator[str] | list[str], language: str = "en") -> str:
    """ "a, b and c" (or "a, b y c")."""
    items = list(parts)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + AND.get(language, " and ") + items[-1]
