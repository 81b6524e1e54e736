"""The shape of a text file, as data: which keys a mapping must have (no others), and which
placeholders each template may use. `check` walks a file's parsed data against its schema and
fails on the first problem with the file, the key path and, for a placeholder, its name."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import TemplateError
from assistant.texts.placeholders import Syntax, names_in

LANGUAGES = ("en", "es")


@dataclass(frozen=True)
class Text:
    """One template, which may use only `names` (the names its callers pass)."""

    names: frozenset[str] = frozenset()
    syntax: Syntax = "format"
    specs: bool = False  # str.format specs such as {seconds:.1f} allowed


@dataclass(frozen=True)
class Words:
    """A string of exactly `count` words (e.g. the month names)."""

    count: int
    what: str


@dataclass(frozen=True)
class Version:
    value: int = 1


@dataclass(frozen=True)
class Free:
    """Any string, braces included: not a template (e.g. an example question)."""


@dataclass(frozen=True)
class Pattern:
    """A regular expression (compiled case-insensitively by its reader)."""


@dataclass(frozen=True)
class Section:
    """A mapping with exactly these keys (those in `optional` may be left out)."""

    keys: Mapping[str, Node]
    optional: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Each:
    """A mapping whose values all have one shape; `keys`, when given, are the keys allowed."""

    node: Node
    keys: frozenset[str] | None = None


@dataclass(frozen=True)
class Many:
    """A list whose items all have one shape."""

    node: Node


@dataclass(frozen=True)
class Either:
    """One shape or the other, e.g. a string or a mapping of `self` and `other` strings."""

    first: Node
    second: Node
    described: str


Node = Text | Words | Version | Free | Pattern | Section | Each | Many | Either


def in_languages(node: Node) -> Section:
    """The same shape once per language: {en: node, es: node}."""
    return Section(dict.fromkeys(LANGUAGES, node))


def tree(leaves: Mapping[str, Node]) -> Section:
    """A Section from dotted key paths, e.g. {"intro.resources": Text(...)}."""
    nested: dict[str, Any] = {}
    for dotted, node in leaves.items():
        *parents, last = dotted.split(".")
        level = nested
        for part in parents:
            level = level.setdefault(part, {})
        level[last] = node
    return _section(nested)


def _section(nested: Mapping[str, Any]) -> Section:
    return Section({k: _section(v) if isinstance(v, dict) else v for k, v in nested.items()})


def check(path: Path, data: Any, node: Node, where: str = "") -> None:
    """Raise TemplateError naming `path` and the key path at the first thing that does not fit."""
    if isinstance(node, Section):
        _check_section(path, data, node, where)
    elif isinstance(node, Each):
        _check_each(path, data, node, where)
    elif isinstance(node, Many):
        if not isinstance(data, list):
            raise TemplateError(path, f"{_name(where)} must be a list")
        for number, item in enumerate(data, start=1):
            check(path, item, node.node, f"{where}[{number}]")
    elif isinstance(node, Either):
        try:
            check(path, data, node.first, where)
        except TemplateError:
            if not isinstance(data, dict):
                raise
            if not isinstance(node.second, Section) or set(data) != set(node.second.keys):
                raise TemplateError(path, f"{_name(where)} must be {node.described}") from None
            check(path, data, node.second, where)
    else:
        _check_leaf(path, data, node, where)


def _check_leaf(
    path: Path, data: Any, node: Text | Words | Version | Free | Pattern, where: str
) -> None:
    if isinstance(node, Version):
        if data != node.value:
            raise TemplateError(path, f"{_name(where)} must be {node.value}")
        return
    if not isinstance(data, str):
        raise TemplateError(path, f"{_name(where)} must be a string")
    if isinstance(node, Free):
        return
    if isinstance(node, Words):
        if len(data.split()) != node.count:
            raise TemplateError(path, f"{where} must list {node.count} {node.what}")
    elif isinstance(node, Pattern):
        try:
            re.compile(data, re.IGNORECASE)
        except re.error as exc:
            raise TemplateError(path, f"{where}: bad pattern ({exc})") from exc
    else:
        for name in sorted(names_in(path, where, data, node.syntax, specs=node.specs)):
            if name not in node.names:
                allowed = ", ".join(sorted(node.names))
                raise TemplateError(
                    path,
                    f"{_name(where)} uses unknown placeholder {{{name}}}"
                    + (f" (allowed: {allowed})" if allowed else " (none allowed)"),
                )


def _check_section(path: Path, data: Any, node: Section, where: str) -> None:
    if not isinstance(data, dict):
        raise TemplateError(path, f"{_name(where)} must be a mapping")
    prefix = f"{where}: " if where else ""
    missing = set(node.keys) - set(data) - node.optional
    if missing:
        raise TemplateError(path, f"{prefix}missing key(s) {', '.join(sorted(missing))}")
    unknown = set(data) - set(node.keys)
    if unknown:
        raise TemplateError(path, f"{prefix}unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    for key, child in node.keys.items():
        if key in data:
            check(path, data[key], child, f"{where}.{key}" if where else key)


def _check_each(path: Path, data: Any, node: Each, where: str) -> None:
    if not isinstance(data, dict):
        raise TemplateError(path, f"{_name(where)} must be a mapping")
    if node.keys is not None:
        unknown = set(data) - node.keys
        if unknown:
            prefix = f"{where}: " if where else ""
            raise TemplateError(
                path, f"{prefix}unknown key(s) {', '.join(sorted(map(str, unknown)))}"
            )
    for key, value in data.items():
        check(path, value, node.node, f"{where}.{key}" if where else str(key))


def _name(where: str) -> str:
    return where or "the file"
