"""Versions of a framework: what changed between two packages with the same CFDocument identifier.

`compare` lists items added, removed, reworded (statement or short title), recoded, moved (a
new parent), prerequisites changed, proficiency levels changed, and items replaced: an old item
the new version names as `replacedBy` another item or whose identifier a new item declares it
is an `exactMatchOf`. A replaced item is not also listed as removed: its evidence follows it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass, field

from assistant.frameworks.case_values import ALIAS
from assistant.frameworks.model import Framework

REPLACED_BY = "replacedBy"
URN = "urn:uuid:"


@dataclass(frozen=True)
class ItemRef:
    """An item as a person names it: its identifier, code and short title."""

    identifier: str
    label: str
    title: str

    @classmethod
    def of(cls, framework: Framework, identifier: str) -> ItemRef:
        item = framework.items[identifier]
        return cls(identifier, item.label, item.short_title)

    def __str__(self) -> str:
        return f"{self.label} {self.title}".strip()


@dataclass(frozen=True)
class Change:
    """One item's change, with the text before and after."""

    item: ItemRef
    before: str
    after: str


@dataclass(frozen=True)
class Replacement:
    old: ItemRef
    new: ItemRef
    via: str  # replacedBy or exactMatchOf


@dataclass
class FrameworkChanges:
    framework_id: str
    title: str
    old_version: str = ""
    new_version: str = ""
    old_changed: str = ""
    new_changed: str = ""
    added: list[ItemRef] = field(default_factory=list)
    removed: list[ItemRef] = field(default_factory=list)
    replaced: list[Replacement] = field(default_factory=list)
    reworded: list[Change] = field(default_factory=list)
    recoded: list[Change] = field(default_factory=list)
    moved: list[Change] = field(default_factory=list)
    prerequisites: list[Change] = field(default_factory=list)
    levels: list[ItemRef] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.added,
                self.removed,
                self.replaced,
                self.reworded,
                self.recoded,
                self.moved,
                self.prerequisites,
                self.levels,
            )
        )

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "replaced": len(self.replaced),
            "reworded": len(self.reworded),
            "recoded": len(self.recoded),
            "moved": len(self.moved),
            "prerequisites_changed": len(self.prerequisites),
            "levels_changed": len(self.levels),
        }

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def compare(old: Framework, new: Framework) -> FrameworkChanges:
    """What `new` changes in `old` (two versions of one framework)."""
    changes = FrameworkChanges(
        new.identifier,
        new.title,
        old.version,
        new.version,
        old.last_changed,
        new.last_changed,
    )
    changes.replaced = [
        Replacement(ItemRef.of(old, before), ItemRef.of(new, after), via)
        for before, (after, via) in replacements(old, new).items()
    ]
    replaced = {r.old.identifier for r in changes.replaced}
    changes.added = [ItemRef.of(new, i) for i in new.items if i not in old.items]
    changes.removed = [
        ItemRef.of(old, i) for i in old.items if i not in new.items and i not in replaced
    ]
    for identifier in (i for i in new.items if i in old.items):
        _compare_item(old, new, identifier, changes)
    return changes


def replacements(old: Framework, new: Framework) -> dict[str, tuple[str, str]]:
    """Old item identifier -> (the new item that replaces it, how), for replacements that the
    new version makes and the old one did not."""
    found = _replacements(new, old.items.keys())
    before = _replacements(old, old.items.keys())
    return {k: v for k, v in found.items() if before.get(k, (None,))[0] != v[0]}


def _replacements(framework: Framework, known: Collection[str]) -> dict[str, tuple[str, str]]:
    items = framework.items
    found: dict[str, tuple[str, str]] = {}
    for kind, origin, destination in framework.related:
        if kind == REPLACED_BY and origin != destination:
            found.setdefault(origin, (destination, REPLACED_BY))
    for edge in framework.external:
        local_end = not edge.origin_is_local and edge.destination in items
        if edge.association_type == REPLACED_BY and local_end:
            found.setdefault(_bare(edge.origin), (edge.destination, REPLACED_BY))
    for alias, local in framework.aliases.items():
        old = _bare(alias)
        if old not in items:
            found.setdefault(old, (local, ALIAS))
    return {k: v for k, v in found.items() if k in known}


def _compare_item(old: Framework, new: Framework, identifier: str, out: FrameworkChanges) -> None:
    before, after = old.items[identifier], new.items[identifier]
    ref = ItemRef.of(new, identifier)
    if (before.statement, before.title) != (after.statement, after.title):
        out.reworded.append(Change(ref, before.statement, after.statement))
    if before.code != after.code:
        out.recoded.append(Change(ref, before.code or "", after.code or ""))
    old_parent = _parent_label(old, identifier)
    new_parent = _parent_label(new, identifier)
    if old_parent != new_parent:
        out.moved.append(Change(ref, old_parent, new_parent))
    old_pre = _labels(old, old.prerequisites.get(identifier, []))
    new_pre = _labels(new, new.prerequisites.get(identifier, []))
    if set(old_pre) != set(new_pre):
        out.prerequisites.append(Change(ref, ", ".join(old_pre), ", ".join(new_pre)))
    if old.levels.get(identifier, ()) != new.levels.get(identifier, ()):
        out.levels.append(ref)


def _parent_label(framework: Framework, identifier: str) -> str:
    parents = framework.parents.get(identifier, [])
    if not parents:
        return ""
    parent = parents[0]
    if parent == framework.identifier:
        return "(top level)"
    item = framework.items.get(parent)
    return item.label if item is not None else parent


def _labels(framework: Framework, identifiers: list[str]) -> list[str]:
    return sorted(framework.items[i].label if i in framework.items else i for i in identifiers)


def _bare(identifier: str) -> str:
    return identifier[len(URN) :] if identifier.lower().startswith(URN) else identifier


def render_changes(changes: FrameworkChanges) -> str:
    """The change as an administrator reads it before applying it."""
    lines = [
        f"{changes.title}: version {changes.old_version or '?'} "
        f"({changes.old_changed or 'no date'}) -> {changes.new_version or '?'} "
        f"({changes.new_changed or 'no date'})"
    ]
    if changes.is_empty:
        lines.append("  no changes to items, hierarchy, prerequisites or levels")
        return "\n".join(lines)
    sections: list[tuple[str, list[str]]] = [
        ("added", [str(r) for r in changes.added]),
        (
            "replaced (evidence moves to the new item)",
            [f"{r.old} -> {r.new} ({r.via})" for r in changes.replaced],
        ),
        ("removed (evidence kept, shown as retired)", [str(r) for r in changes.removed]),
        ("reworded", [f"{c.item.label}: {c.before!r} -> {c.after!r}" for c in changes.reworded]),
        ("recoded", [f"{c.before} -> {c.after}" for c in changes.recoded]),
        ("moved", [f"{c.item.label}: under {c.before} -> under {c.after}" for c in changes.moved]),
        (
            "prerequisites changed",
            [f"{c.item.label}: [{c.before}] -> [{c.after}]" for c in changes.prerequisites],
        ),
        ("proficiency levels changed", [str(r) for r in changes.levels]),
    ]
    for heading, entries in sections:
        if entries:
            lines.append(f"  {heading}: {len(entries)}")
            lines.extend(f"    {entry}" for entry in entries)
    return "\n".join(lines)
