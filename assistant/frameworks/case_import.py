"""Import 1EdTech CASE 1.0 / 1.1 packages (CFPackage JSON) into a typed Framework.

The importer is strict about what is really broken (not JSON, a missing required field, a
dangling local reference, a duplicate identifier, a cycle in `precedes` or in the hierarchy) and
lenient about what real publishers do (`educationalLevel` for `educationLevel`, links that leave
the package, CASE 1.1 association types and extensions). It runs in linear time.

Whatever the file holds, reading it ends in a Framework or in a FrameworkImportError naming the
file (and the item and field): a file over the size limit is refused before it is read, and
text that is not UTF-8, JSON that is truncated, nested too deeply, has NaN or numbers too large
to use, unpaired surrogate escapes, or values of the wrong JSON type are all reported as such.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from pathlib import Path
from typing import Any

from assistant.errors import FrameworkImportError
from assistant.frameworks.case_package import PackageReader
from assistant.frameworks.case_values import one_line
from assistant.frameworks.model import Framework

DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # the default of the max_file_bytes setting
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def load_framework(
    path: Path, *, display_name: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Framework:
    """Read and import one CASE package file; raises FrameworkImportError.

    A file larger than max_bytes is refused by its size, without being read."""
    name = display_name or str(path)
    raw = _read_bytes(path, name, max_bytes)
    encoding = next((codec for bom, codec in _BOMS if raw.startswith(bom)), "utf-8")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].decode(encoding, errors="replace").count("\n") + 1
        label = "UTF-8" if encoding == "utf-8" else encoding.upper()
        raise FrameworkImportError(name, f"is not {label} text (at line {line})") from exc
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise FrameworkImportError(
            name, f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from exc
    except RecursionError as exc:
        raise FrameworkImportError(name, "is not usable JSON (nested too deeply)") from exc
    except ValueError as exc:  # NaN / Infinity, or an integer of thousands of digits
        raise FrameworkImportError(name, f"is not usable JSON ({exc})") from exc
    if _SURROGATE_ESCAPE.search(text):
        where = _find_surrogate(data)
        if where is not None:
            raise FrameworkImportError(
                name,
                "has an unpaired surrogate escape (\\uD800-\\uDFFF): not Unicode text",
                field=one_line(where),
            )
    return import_package(data, source=name)


def import_package(data: Any, *, source: str) -> Framework:
    try:
        return PackageReader(data, source).read()
    except RecursionError as exc:  # a value nested too deeply for Python to walk
        raise FrameworkImportError(source, "is nested too deeply") from exc


def _read_bytes(path: Path, name: str, max_bytes: int) -> bytes:
    limit = f"over the {max_bytes:,}-byte limit (WAYPOINT_MAX_FILE_BYTES)"
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                raise FrameworkImportError(name, f"is {size:,} bytes, {limit}")
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise FrameworkImportError(name, f"cannot be read ({exc.strerror or exc})") from exc
    if len(raw) > max_bytes:  # it grew after the size check
        raise FrameworkImportError(name, f"is {limit}")
    return raw


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _find_surrogate(data: Any) -> str | None:
    """The path of the first string (or key) holding an unpaired surrogate, iteratively."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return where or "(top level)"
        elif isinstance(value, dict):
            for key, item in value.items():
                if _SURROGATE.search(key):
                    return f"{where}.{key!a}" if where else ascii(key)
                stack.append((f"{where}.{key}" if where else key, item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{index}]", item) for index, item in enumerate(value))
    return None
