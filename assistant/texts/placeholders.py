"""The names a template uses: `{name}` fields of str.format, or the free variables of Jinja."""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import Literal

from jinja2 import Environment, StrictUndefined, TemplateSyntaxError, meta

from assistant.errors import TemplateError

Syntax = Literal["format", "jinja"]
JINJA = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


def format_names(path: Path, where: str, text: str, *, specs: bool = False) -> set[str]:
    """The fields of a str.format template; with `specs` False, `{x:>5}` and `{x!r}` fail."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError(path, f"{where} has a malformed placeholder ({exc})") from exc
    names: set[str] = set()
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if not name.isidentifier():
            raise TemplateError(path, f"{where} has a malformed placeholder {{{name}}}")
        if (spec or conversion) and not specs:
            raise TemplateError(path, f"{where}: placeholders take no format or conversion")
        names.add(name)
    return names


def jinja_names(path: Path, where: str, text: str) -> set[str]:
    """The variables a Jinja template reads from its caller (not those it sets itself)."""
    try:
        return set(_jinja_variables(text))
    except TemplateSyntaxError as exc:
        raise TemplateError(path, f"{where}: {exc}") from exc


@lru_cache(maxsize=4096)
def _jinja_variables(text: str) -> frozenset[str]:
    """Parsed once per text: every prompts folder checked in a process holds the same templates
    (a template that does not parse raises each time, as nothing is kept for it)."""
    return frozenset(meta.find_undeclared_variables(JINJA.parse(text)))


def names_in(path: Path, where: str, text: str, syntax: Syntax, *, specs: bool = False) -> set[str]:
    if syntax == "jinja":
        return jinja_names(path, where, text)
    return format_names(path, where, text, specs=specs)
