"""Every framework Waypoint knows, as one graph of assessable competencies.

Prerequisites are resolved across frameworks: a `precedes` link to an external node counts when
another loaded framework has that node (or an `exactMatchOf` alias of it), a link to or from a
cluster or domain applies to every competency under it, and items that are aliases of each other
across frameworks are equivalent (proficiency on one counts for the other).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from assistant.errors import FrameworkImportError
from assistant.frameworks.case_import import load_framework
from assistant.frameworks.case_values import PREREQUISITE
from assistant.frameworks.model import Competency, Framework
from assistant.frameworks.practice import Activity, PracticeIndex, ResourceLink, scan_practice
from assistant.frameworks.scale import DEFAULT_SCALE, ProficiencyScale

URN = "urn:uuid:"
T = TypeVar("T")


@dataclass(frozen=True)
class CatalogEntry:
    """One competency with the framework it belongs to and its place in the catalog."""

    framework_id: str
    framework_title: str
    item: Competency
    order: int

    @property
    def identifier(self) -> str:
        return self.item.identifier

    @property
    def code(self) -> str:
        return self.item.label

    @property
    def title(self) -> str:
        return self.item.short_title


class FrameworkCatalog:
    """Lookup by code, identifier, URI or alias; prerequisites; scales; linked resources."""

    def __init__(
        self,
        frameworks: Sequence[Framework],
        practice: PracticeIndex | None = None,
        problems: Sequence[str] = (),
    ) -> None:
        self.frameworks = tuple(frameworks)
        self.practice = practice or PracticeIndex({}, {})
        self.problems = tuple(problems) + self.practice.problems
        self._entries: dict[str, CatalogEntry] = {}
        self._framework_of: dict[str, Framework] = {}
        self._by_code: dict[str, list[str]] = defaultdict(list)
        self._by_uri: dict[str, str] = {}
        self._aliases: dict[str, str] = {}
        self._index()
        self._leaves = {key for key, fw in self._framework_of.items() if not fw.children.get(key)}
        self._equivalents = self._link_equivalents()
        self._prerequisites = self._effective_prerequisites()
        self._dependents: dict[str, list[str]] = defaultdict(list)
        for target, prerequisites in self._prerequisites.items():
            for prerequisite in prerequisites:
                self._dependents[prerequisite].append(target)
        self._scales: dict[str, ProficiencyScale] = {}

    @classmethod
    def load(cls, knowledge_dir: Path, recorded_files: Iterable[Path] = ()) -> FrameworkCatalog:
        """Every *.json CASE package under knowledge_dir/frameworks, then recorded files; of two
        files of one framework (one CFDocument identifier), the later lastChangeDateTime."""
        folder = knowledge_dir / "frameworks"
        files = sorted(folder.rglob("*.json")) if folder.is_dir() else []
        frameworks: list[Framework] = []
        problems: list[str] = []
        seen_files: set[Path] = set()
        seen_ids: dict[str, int] = {}
        for path in [*files, *recorded_files]:
            resolved = path.resolve()
            if resolved in seen_files:
                continue
            seen_files.add(resolved)
            if not path.is_file():
                problems.append(f"{path}: recorded framework file is gone")
                continue
            try:
                framework = load_framework(path, display_name=path.name)
            except FrameworkImportError as exc:
                problems.append(str(exc))
                continue
            place = seen_ids.get(framework.identifier)
            if place is None:
                seen_ids[framework.identifier] = len(frameworks)
                frameworks.append(framework)
            elif _later(framework, frameworks[place]):  # two versions: the latest is in use
                frameworks[place] = framework
        return cls(frameworks, scan_practice(knowledge_dir), problems)

    # lookup ----------------------------------------------------------------------------
    def lookup(self, key: str) -> CatalogEntry | None:
        """The competency a code, identifier, URI or alias names; None if unknown or ambiguous."""
        found = self.matches(key)
        return found[0] if len(found) == 1 else None

    def matches(self, key: str) -> list[CatalogEntry]:
        text = key.strip()
        local = self._resolve(text)
        if local:
            return [self._entries[local]]
        return [self._entries[i] for i in self._by_code.get(text.casefold(), [])]

    def entry(self, identifier: str) -> CatalogEntry:
        return self._entries[identifier]

    def framework(self, key: str) -> Framework | None:
        wanted = key.strip().casefold()
        for framework in self.frameworks:
            if wanted in (framework.identifier.casefold(), framework.title.casefold()):
                return framework
        return None

    def framework_of(self, identifier: str) -> Framework:
        return self._framework_of[identifier]

    def is_assessable(self, identifier: str) -> bool:
        return identifier in self._leaves

    def assessable(self, framework_ids: Iterable[str] | None = None) -> list[CatalogEntry]:
        """Competencies evidence can be recorded on (items with no children), in catalog order."""
        wanted = set(framework_ids) if framework_ids is not None else None
        return [
            entry
            for key, entry in self._entries.items()
            if key in self._leaves and (wanted is None or entry.framework_id in wanted)
        ]

    # graph -------------------------------------------------------------------------------
    def prerequisites(self, identifier: str) -> tuple[str, ...]:
        return tuple(self._prerequisites.get(identifier, ()))

    def dependents(self, identifier: str) -> tuple[str, ...]:
        return tuple(self._dependents.get(identifier, ()))

    def equivalents(self, identifier: str) -> tuple[str, ...]:
        """The item and every item that is an alias of it in another framework."""
        return self._equivalents.get(identifier, (identifier,))

    # scales and practice -------------------------------------------------------------------
    def scale(self, identifier: str) -> ProficiencyScale:
        if identifier not in self._scales:
            levels = self._framework_of[identifier].levels.get(identifier)
            self._scales[identifier] = (
                ProficiencyScale.from_levels(levels) if levels else DEFAULT_SCALE
            )
        return self._scales[identifier]

    def resources(self, identifier: str) -> tuple[ResourceLink, ...]:
        return self._linked(identifier, self.practice.resources_for)

    def activities(self, identifier: str) -> tuple[Activity, ...]:
        return self._linked(identifier, self.practice.activities_for)

    def _linked(self, identifier: str, find: Callable[[str], tuple[T, ...]]) -> tuple[T, ...]:
        found: list[T] = []
        for key in self.equivalents(identifier):
            code = self._entries[key].item.code
            if code:
                found.extend(item for item in find(code) if item not in found)
        return tuple(found)

    # building ------------------------------------------------------------------------------
    def _index(self) -> None:
        order = 0
        for framework in self.frameworks:
            for item in framework:
                if item.identifier in self._entries:
                    continue
                self._entries[item.identifier] = CatalogEntry(
                    framework.identifier, framework.title, item, order
                )
                self._framework_of[item.identifier] = framework
                order += 1
                if item.code:
                    self._by_code[item.code.casefold()].append(item.identifier)
                if item.uri:
                    self._by_uri.setdefault(item.uri, item.identifier)
            for alias, local in framework.aliases.items():
                self._aliases.setdefault(alias, local)

    def _resolve(self, identifier: str) -> str | None:
        """A catalog identifier for an identifier, URI or alias (never for a code)."""
        bare = identifier[len(URN) :] if identifier.lower().startswith(URN) else identifier
        for candidate in (identifier, bare):
            if candidate in self._entries:
                return candidate
            local = self._aliases.get(candidate) or self._by_uri.get(candidate)
            if local:
                return local
        return None

    def _link_equivalents(self) -> dict[str, tuple[str, ...]]:
        parent: dict[str, str] = {}

        def root(node: str) -> str:
            while parent.get(node, node) != node:
                node = parent[node]
            return node

        for framework in self.frameworks:
            for alias, local in framework.aliases.items():
                other = alias[len(URN) :] if alias.lower().startswith(URN) else alias
                if other in self._entries and other not in framework.items:
                    parent[root(other)] = root(local)
        groups: dict[str, list[str]] = defaultdict(list)
        for node in parent:
            groups[root(node)].append(node)
        linked: dict[str, tuple[str, ...]] = {}
        for head, members in groups.items():
            everyone = tuple(dict.fromkeys([head, *members]))
            for member in everyone:
                linked[member] = everyone
        return linked

    def _direct_prerequisites(self) -> dict[str, list[str]]:
        direct: dict[str, list[str]] = defaultdict(list)
        for framework in self.frameworks:
            for local, prerequisites in framework.prerequisites.items():
                direct[local].extend(prerequisites)
            for edge in framework.external:
                if edge.association_type != PREREQUISITE:
                    continue
                origin: str | None = edge.origin
                target: str | None = edge.destination
                if edge.origin_is_local:
                    target = self._resolve(edge.destination)
                else:
                    origin = self._resolve(edge.origin)
                if origin in self._entries and target in self._entries:
                    direct[str(target)].append(str(origin))
        return direct

    def _effective_prerequisites(self) -> dict[str, list[str]]:
        direct = self._direct_prerequisites()
        effective: dict[str, list[str]] = {}
        for leaf in (key for key in self._entries if key in self._leaves):
            framework = self._framework_of[leaf]
            sources = [leaf, *(p.identifier for p in framework.parent_path(leaf))]
            found: list[str] = []
            for source in sources:
                for prerequisite in direct.get(source, []):
                    for expanded in self._leaves_under(prerequisite):
                        if expanded != leaf and expanded not in found:
                            found.append(expanded)
            if found:
                effective[leaf] = found
        return effective

    def _leaves_under(self, identifier: str) -> list[str]:
        framework = self._framework_of.get(identifier)
        if framework is None:
            return []
        leaves: list[str] = []
        stack = [identifier]
        seen: set[str] = set()
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            kids = framework.children.get(node, [])
            if not kids:
                leaves.append(node)
            stack.extend(reversed(kids))
        return leaves


def _later(candidate: Framework, current: Framework) -> bool:
    """`candidate` was changed after `current` (both dates readable; else the first stays)."""
    try:
        new = datetime.fromisoformat(candidate.last_changed)
        old = datetime.fromisoformat(current.last_changed)
        return new > old
    except (ValueError, TypeError):  # unreadable, or one date with a zone and one without
        return False
