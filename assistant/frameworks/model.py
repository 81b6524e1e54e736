"""The typed shape of an imported competency framework."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProficiencyLevel:
    """One level of a proficiency scale for one competency (e.g. 3 Proficient)."""

    score: float
    label: str
    description: str = ""
    feedback: str = ""


@dataclass(frozen=True)
class Competency:
    """A CASE item: a domain, cluster, standard or competency."""

    identifier: str
    statement: str
    code: str | None = None
    title: str = ""
    item_type: str = ""
    education_levels: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    notes: str = ""
    language: str = ""
    list_enumeration: str = ""
    uri: str = ""

    @property
    def label(self) -> str:
        """The code when there is one, else the identifier: how people refer to it."""
        return self.code or self.identifier

    @property
    def short_title(self) -> str:
        return self.title or _first_words(self.statement)


@dataclass(frozen=True)
class ExternalEdge:
    """An association with one end outside the package, kept as external."""

    association_type: str
    origin: str
    destination: str
    origin_is_local: bool
    title: str = ""


@dataclass
class Framework:
    """A competency framework: items, hierarchy, learning progression and scale."""

    identifier: str
    title: str
    source: str
    version: str = ""
    case_version: str = "1.0"
    language: str = ""
    creator: str = ""
    description: str = ""
    last_changed: str = ""  # CFDocument.lastChangeDateTime, ISO 8601 in UTC when readable
    items: dict[str, Competency] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    parents: dict[str, list[str]] = field(default_factory=dict)
    prerequisites: dict[str, list[str]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    related: list[tuple[str, str, str]] = field(default_factory=list)
    external: list[ExternalEdge] = field(default_factory=list)
    levels: dict[str, tuple[ProficiencyLevel, ...]] = field(default_factory=dict)
    _dependents: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)
    _codes: dict[str, str] | None = field(default=None, repr=False, compare=False)

    def __iter__(self) -> Iterator[Competency]:
        return iter(self.items.values())

    def __len__(self) -> int:
        return len(self.items)

    def by_code(self, code: str) -> Competency | None:
        if self._codes is None:
            self._codes = {}
            for item in self.items.values():
                if item.code:
                    self._codes.setdefault(item.code.casefold(), item.identifier)
        identifier = self._codes.get(code.strip().casefold())
        return self.items[identifier] if identifier else None

    def resolve(self, identifier: str) -> str | None:
        """A local item identifier for an identifier or an alias of one."""
        if identifier in self.items:
            return identifier
        return self.aliases.get(identifier)

    def roots(self) -> list[str]:
        """Top-level items in order: the children of the document."""
        return list(self.children.get(self.identifier, []))

    def parent_path(self, identifier: str) -> list[Competency]:
        """Ancestors from the top of the hierarchy down to the item's parent."""
        path: list[Competency] = []
        seen = {identifier}
        current = identifier
        while self.parents.get(current):
            parent = self.parents[current][0]
            if parent in seen or parent not in self.items:
                break
            seen.add(parent)
            path.append(self.items[parent])
            current = parent
        return list(reversed(path))

    def prerequisites_of(self, identifier: str) -> list[Competency]:
        return [self.items[p] for p in self.prerequisites.get(identifier, []) if p in self.items]

    def dependents_of(self, identifier: str) -> list[Competency]:
        if self._dependents is None:
            self._dependents = {}
            for target, prerequisites in self.prerequisites.items():
                for prerequisite in prerequisites:
                    self._dependents.setdefault(prerequisite, []).append(target)
        return [self.items[t] for t in self._dependents.get(identifier, []) if t in self.items]

    @property
    def prerequisite_edge_count(self) -> int:
        return sum(len(v) for v in self.prerequisites.values())

    @property
    def hierarchy_edge_count(self) -> int:
        return sum(len(v) for v in self.parents.values())

    def leaves(self) -> list[Competency]:
        """Items with no children: the assessable competencies."""
        return [item for key, item in self.items.items() if not self.children.get(key)]


def _first_words(text: str, limit: int = 8) -> str:
    words = re.sub(r"[#*_`>|]", " ", text).split()
    short = " ".join(words[:limit])
    return short + ("…" if len(words) > limit else "")
