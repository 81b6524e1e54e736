"""Figures as JSON and back: frozen dataclasses of numbers, text, dates, tuples and dicts.

`dump` writes any figure dataclass of this package as plain JSON; `load(cls, data)` rebuilds it,
field by field from the dataclass's type hints, so a stored snapshot reads back as the same
objects the pages render (a field the stored JSON lacks is an error: the snapshot is then
recomputed, never half read).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from datetime import date
from typing import Any, TypeVar, cast

T = TypeVar("T")


def dump(value: object) -> str:
    return json.dumps(_plain(value), separators=(",", ":"), sort_keys=True)


def load(cls: type[T], text: str) -> T:
    return cast(T, _build(cls, json.loads(text)))


def _plain(value: object) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _build(kind: Any, data: Any) -> Any:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        if data is None:
            return None
        if len(options) != 1:
            raise TypeError(f"cannot read a value of {kind}")
        return _build(options[0], data)
    if origin is tuple:
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_build(args[0], item) for item in data)
        return tuple(_build(a, item) for a, item in zip(args, data, strict=True))
    if origin is dict:
        key_type, value_type = typing.get_args(kind)
        return {_build(key_type, k): _build(value_type, v) for k, v in data.items()}
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return kind(**{name: _build(hint, data[name]) for name, hint in _fields(kind)})
    if kind is date:
        return date.fromisoformat(data)
    if kind is float:
        return float(data)
    if kind in (int, str, bool):
        if not isinstance(data, kind):
            raise TypeError(f"expected {kind.__name__}, found {data!r}")
        return data
    raise TypeError(f"cannot read a value of {kind}")


@functools.cache
def _fields(kind: type) -> tuple[tuple[str, Any], ...]:
    """A dataclass's fields given to its constructor, with their resolved types."""
    hints = typing.get_type_hints(kind)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(kind) if f.init)
