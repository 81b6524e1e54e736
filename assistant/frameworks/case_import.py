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
import math
import os
import re
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from assistant.errors import FrameworkImportError
from assistant.frameworks.graph import find_cycle
from assistant.frameworks.model import Competency, ExternalEdge, Framework, ProficiencyLevel

HIERARCHY = "isChildOf"
PREREQUISITE = "precedes"
ALIAS = "exactMatchOf"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # the default of the max_file_bytes setting
LABEL_CHARS = 60
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
                field=_one_line(where),
            )
    return import_package(data, source=name)


def import_package(data: Any, *, source: str) -> Framework:
    try:
        return _PackageReader(data, source).read()
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


class _PackageReader:
    def __init__(self, data: Any, source: str) -> None:
        self.data = data
        self.source = source

    def fail(self, reason: str, *, item: str | None = None, field: str | None = None) -> NoReturn:
        # One line, whatever the identifiers quoted in it hold.
        raise FrameworkImportError(
            self.source,
            _one_line(reason),
            item=None if item is None else _one_line(item),
            field=None if field is None else _one_line(field),
        )

    def read(self) -> Framework:
        if not isinstance(self.data, dict):
            self.fail("is not a CASE package (expected a JSON object)")
        document = self.data.get("CFDocument")
        if not isinstance(document, dict):
            self.fail("is not a CASE package (no CFDocument object)", field="CFDocument")
        doc_id = self._required_text(document, "identifier", "CFDocument")
        framework = Framework(
            identifier=doc_id,
            title=self._required_text(document, "title", "CFDocument"),
            source=self.source,
            version=self._text(document, "version", "CFDocument"),
            case_version=(
                self._text(self.data, "caseVersion", None)
                or self._text(document, "caseVersion", "CFDocument")
                or ("1.1" if "CFRubrics" in self.data else "1.0")
            ),
            language=self._text(document, "language", "CFDocument"),
            creator=self._text(document, "creator", "CFDocument"),
            description=self._text(document, "description", "CFDocument"),
            last_changed=normalized_time(self._text(document, "lastChangeDateTime", "CFDocument")),
        )
        self._read_items(framework)
        self._read_associations(framework)
        self._read_rubrics(framework)
        return framework

    def _required_text(self, obj: dict[str, Any], key: str, where: str) -> str:
        value = obj.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail("required field is missing or empty", item=where, field=key)
        return str(value).strip()

    def _text(self, obj: dict[str, Any], key: str, where: str | None) -> str:
        """An optional text field: a string, or a number written as text; empty when absent."""
        value = obj.get(key)
        if value is None or isinstance(value, str):
            return value or ""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        self.fail(f"must be text, not {_json_type(value)}", item=where, field=key)

    def _list(self, key: str) -> list[Any]:
        value = self.data.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail("must be a list", field=key)
        return list(value)

    def _read_items(self, framework: Framework) -> None:
        for index, raw in enumerate(self._list("CFItems")):
            where = f"CFItems[{index}]"
            if not isinstance(raw, dict):
                self.fail("is not an object", item=where)
            identifier = self._required_text(raw, "identifier", where)
            where = f"{where} ({_short(_text_or_none(raw.get('humanCodingScheme')) or identifier)})"
            statement = self._required_text(raw, "fullStatement", where)
            if identifier in framework.items or identifier == framework.identifier:
                self.fail("duplicate identifier", item=where, field="identifier")
            framework.items[identifier] = Competency(
                identifier=identifier,
                statement=statement,
                code=_text_or_none(raw.get("humanCodingScheme")),
                title=self._text(raw, "abbreviatedStatement", where)
                or self._text(raw, "alternativeLabel", where),
                item_type=_item_type(raw),
                education_levels=_education_levels(raw),
                keywords=_keywords(raw.get("conceptKeywords")),
                notes=self._text(raw, "notes", where),
                language=self._text(raw, "language", where),
                list_enumeration=self._text(raw, "listEnumeration", where),
                uri=self._text(raw, "uri", where),
            )

    def _endpoint(self, raw: dict[str, Any], key: str, where: str) -> tuple[str, str]:
        node = raw.get(key)
        if isinstance(node, str) and node.strip():
            return node.strip(), node.strip()
        if not isinstance(node, dict):
            self.fail("required link is missing", item=where, field=key)
        identifier = node.get("identifier") or node.get("uri")
        if not isinstance(identifier, str) or not identifier.strip():
            self.fail("link has no identifier", item=where, field=f"{key}.identifier")
        return str(identifier).strip(), self._text(node, "title", where)

    def _read_associations(self, framework: Framework) -> None:
        raw_associations = self._list("CFAssociations")
        parsed: list[tuple[str, str, str, str, float, str]] = []
        seen: set[str] = set()
        for index, raw in enumerate(raw_associations):
            where = f"CFAssociations[{index}]"
            if not isinstance(raw, dict):
                self.fail("is not an object", item=where)
            assoc_id = self._required_text(raw, "identifier", where)
            where = f"{where} ({_short(assoc_id)})"
            if assoc_id in seen:
                self.fail("duplicate identifier", item=where, field="identifier")
            seen.add(assoc_id)
            kind = self._required_text(raw, "associationType", where)
            origin, _ = self._endpoint(raw, "originNodeURI", where)
            destination, title = self._endpoint(raw, "destinationNodeURI", where)
            order = _sequence(raw.get("sequenceNumber"))
            parsed.append((kind, origin, destination, title, order, where))
            if kind == ALIAS:
                self._record_alias(framework, origin, destination)
        ordered_children: dict[str, list[tuple[float, str, int]]] = defaultdict(list)
        for position, (kind, origin, destination, title, order, where) in enumerate(parsed):
            local_origin = framework.resolve(origin)
            local_dest = self._local_node(framework, destination)
            if kind == HIERARCHY:
                if local_origin is None:
                    self.fail(
                        f"child {origin} is not in this package", item=where, field="originNodeURI"
                    )
                if local_dest is None:
                    self.fail(
                        f"parent {destination} is not in this package",
                        item=where,
                        field="destinationNodeURI",
                    )
                ordered_children[str(local_dest)].append((order, str(local_origin), position))
            elif kind == ALIAS:
                continue
            elif local_origin and local_dest and local_dest != framework.identifier:
                if kind == PREREQUISITE:
                    framework.prerequisites.setdefault(local_dest, [])
                    if local_origin not in framework.prerequisites[local_dest]:
                        framework.prerequisites[local_dest].append(local_origin)
                else:
                    framework.related.append((kind, local_origin, local_dest))
            elif local_origin or local_dest:
                framework.external.append(
                    ExternalEdge(
                        association_type=kind,
                        origin=local_origin or origin,
                        destination=local_dest or destination,
                        origin_is_local=local_origin is not None,
                        title=title,
                    )
                )
            else:
                self.fail(
                    "neither end of the association is in this package",
                    item=where,
                    field="originNodeURI",
                )
        self._build_hierarchy(framework, ordered_children)
        self._check_cycles(framework)

    def _local_node(self, framework: Framework, identifier: str) -> str | None:
        if identifier == framework.identifier:
            return identifier
        return framework.resolve(identifier)

    def _record_alias(self, framework: Framework, origin: str, destination: str) -> None:
        # exactMatchOf makes an external node another name for a local item.
        if origin in framework.items and destination not in framework.items:
            framework.aliases.setdefault(destination, origin)
        elif destination in framework.items and origin not in framework.items:
            framework.aliases.setdefault(origin, destination)

    def _build_hierarchy(
        self, framework: Framework, ordered: dict[str, list[tuple[float, str, int]]]
    ) -> None:
        for parent, entries in ordered.items():
            entries.sort(key=lambda e: (e[0], _natural_key(_enum_or_code(framework, e[1])), e[2]))
            kids: list[str] = []
            for _, child, _ in entries:
                if child not in kids:
                    kids.append(child)
                    framework.parents.setdefault(child, []).append(parent)
            framework.children[parent] = kids

    def _check_cycles(self, framework: Framework) -> None:
        for edges, kind in (
            (framework.prerequisites, PREREQUISITE),
            (framework.parents, HIERARCHY),
        ):
            cycle = find_cycle(edges)
            if cycle:
                labels = " -> ".join(
                    framework.items[n].label if n in framework.items else n for n in cycle
                )
                self.fail(
                    f"the {kind} associations form a cycle: {labels}",
                    item=framework.items[cycle[0]].label
                    if cycle[0] in framework.items
                    else cycle[0],
                    field=kind,
                )

    def _read_rubrics(self, framework: Framework) -> None:
        for r_index, rubric in enumerate(self._list("CFRubrics")):
            if not isinstance(rubric, dict):
                self.fail("is not an object", item=f"CFRubrics[{r_index}]")
            criteria = self._inner_list(rubric, "CFRubricCriteria", f"CFRubrics[{r_index}]")
            for c_index, criterion in enumerate(criteria):
                where = f"CFRubrics[{r_index}].CFRubricCriteria[{c_index}]"
                if not isinstance(criterion, dict):
                    self.fail("is not an object", item=where)
                link = criterion.get("CFItemURI")
                if not link:
                    continue
                target, _ = self._endpoint(criterion, "CFItemURI", where)
                local = framework.resolve(target)
                if local is None:
                    self.fail(
                        f"competency {target} is not in this package", item=where, field="CFItemURI"
                    )
                raw_levels = self._inner_list(criterion, "CFRubricCriterionLevels", where)
                levels = [
                    self._level(raw, f"{where}.CFRubricCriterionLevels[{l_index}]")
                    for l_index, raw in enumerate(raw_levels)
                    if isinstance(raw, dict)
                ]
                levels.sort(key=lambda lv: lv.score)
                framework.levels[str(local)] = tuple(levels)

    def _inner_list(self, obj: dict[str, Any], key: str, where: str) -> list[Any]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(f"must be a list, not {_json_type(value)}", item=where, field=key)
        return value

    def _level(self, raw: dict[str, Any], where: str) -> ProficiencyLevel:
        key = "score" if "score" in raw else "position"
        score = raw.get(key, 0)
        try:
            value = float(score)
        except (TypeError, ValueError):  # not a number: lenient, as publishers write "n/a"
            value = 0.0
        except OverflowError:  # an integer too large for a float
            value = math.inf
        if not math.isfinite(value):
            self.fail(f"is not a usable score ({_short(str(score))})", item=where, field=key)
        return ProficiencyLevel(
            score=value,
            label=self._text(raw, "quality", where) or f"Level {value:g}",
            description=self._text(raw, "description", where),
            feedback=self._text(raw, "feedback", where),
        )


def normalized_time(text: str) -> str:
    """An ISO 8601 date-time in UTC (one with no zone is taken to be UTC); text that is not a
    date-time is kept as it is (publishers write what they write)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    return "a number"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS] + "..."


def _text_or_none(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _item_type(raw: dict[str, Any]) -> str:
    value = raw.get("CFItemType")
    if isinstance(value, str) and value:
        return value
    link = raw.get("CFItemTypeURI")
    if isinstance(link, dict) and isinstance(link.get("title"), str):
        return str(link["title"])
    return ""


def _education_levels(raw: dict[str, Any]) -> tuple[str, ...]:
    value = raw.get("educationLevel", raw.get("educationalLevel"))
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return _scalars(value)


def _keywords(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(part.strip() for part in re.split(r"[,;]", value) if part.strip())
    return _scalars(value)


def _scalars(value: Any) -> tuple[str, ...]:
    """The text of the strings and numbers of a list (lists and objects in it are skipped)."""
    if not isinstance(value, list):
        return ()
    parts = (str(p).strip() for p in value if isinstance(p, str | int | float))
    return tuple(part for part in parts if part)


def _sequence(value: Any) -> float:
    """A sortable sequence number; missing, unusable or not finite sorts last."""
    if value is None or isinstance(value, bool | dict | list):
        return math.inf
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return math.inf
    return number if math.isfinite(number) else math.inf


def _enum_or_code(framework: Framework, identifier: str) -> str:
    item = framework.items.get(identifier)
    if item is None:
        return identifier
    return item.list_enumeration or item.code or ""


def _natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """Runs of digits compare as numbers (by length once leading zeros are gone, then by
    digits, so that a run of thousands of digits needs no int conversion), the rest as text."""
    key: list[tuple[int, int, str]] = []
    for part in re.split(r"(\d+)", text):
        if not part:
            continue
        if part.isdecimal():
            digits = part.lstrip("0") or "0"
            key.append((0, len(digits), digits))
        else:
            key.append((1, 0, part.casefold()))
    return tuple(key)
