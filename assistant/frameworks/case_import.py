"""Import 1EdTech CASE 1.0 / 1.1 packages (CFPackage JSON) into a typed Framework.

The importer is strict about what is really broken (not JSON, a missing required field, a
dangling local reference, a duplicate identifier, a cycle in `precedes` or in the hierarchy) and
lenient about what real publishers do (`educationalLevel` for `educationLevel`, links that leave
the package, CASE 1.1 association types and extensions). It runs in linear time.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any, NoReturn

from assistant.errors import FrameworkImportError
from assistant.frameworks.graph import find_cycle
from assistant.frameworks.model import Competency, ExternalEdge, Framework, ProficiencyLevel

HIERARCHY = "isChildOf"
PREREQUISITE = "precedes"
ALIAS = "exactMatchOf"


def load_framework(path: Path, *, display_name: str | None = None) -> Framework:
    """Read and import one CASE package file; raises FrameworkImportError."""
    name = display_name or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FrameworkImportError(name, f"cannot be read ({exc.strerror or exc})") from exc
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise FrameworkImportError(name, "is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise FrameworkImportError(
            name, f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from exc
    return import_package(data, source=name)


def import_package(data: Any, *, source: str) -> Framework:
    return _PackageReader(data, source).read()


class _PackageReader:
    def __init__(self, data: Any, source: str) -> None:
        self.data = data
        self.source = source

    def fail(self, reason: str, *, item: str | None = None, field: str | None = None) -> NoReturn:
        raise FrameworkImportError(self.source, reason, item=item, field=field)

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
            version=str(document.get("version") or ""),
            case_version=str(
                self.data.get("caseVersion")
                or document.get("caseVersion")
                or ("1.1" if "CFRubrics" in self.data else "1.0")
            ),
            language=str(document.get("language") or ""),
            creator=str(document.get("creator") or ""),
            description=str(document.get("description") or ""),
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
            where = f"{where} ({raw.get('humanCodingScheme') or identifier})"
            statement = self._required_text(raw, "fullStatement", where)
            if identifier in framework.items or identifier == framework.identifier:
                self.fail("duplicate identifier", item=where, field="identifier")
            framework.items[identifier] = Competency(
                identifier=identifier,
                statement=statement,
                code=_text_or_none(raw.get("humanCodingScheme")),
                title=str(raw.get("abbreviatedStatement") or raw.get("alternativeLabel") or ""),
                item_type=_item_type(raw),
                education_levels=_education_levels(raw),
                keywords=_keywords(raw.get("conceptKeywords")),
                notes=str(raw.get("notes") or ""),
                language=str(raw.get("language") or ""),
                list_enumeration=str(raw.get("listEnumeration") or ""),
                uri=str(raw.get("uri") or ""),
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
        return str(identifier).strip(), str(node.get("title") or "")

    def _read_associations(self, framework: Framework) -> None:
        raw_associations = self._list("CFAssociations")
        parsed: list[tuple[str, str, str, str, float, str]] = []
        seen: set[str] = set()
        for index, raw in enumerate(raw_associations):
            where = f"CFAssociations[{index}]"
            if not isinstance(raw, dict):
                self.fail("is not an object", item=where)
            assoc_id = self._required_text(raw, "identifier", where)
            where = f"{where} ({assoc_id})"
            if assoc_id in seen:
                self.fail("duplicate identifier", item=where, field="identifier")
            seen.add(assoc_id)
            kind = self._required_text(raw, "associationType", where)
            origin, _ = self._endpoint(raw, "originNodeURI", where)
            destination, title = self._endpoint(raw, "destinationNodeURI", where)
            order = _sequence(raw)
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
            for c_index, criterion in enumerate(rubric.get("CFRubricCriteria") or []):
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
                levels = [
                    _level(raw)
                    for raw in criterion.get("CFRubricCriterionLevels") or []
                    if isinstance(raw, dict)
                ]
                levels.sort(key=lambda lv: lv.score)
                framework.levels[str(local)] = tuple(levels)


def _level(raw: dict[str, Any]) -> ProficiencyLevel:
    score = raw.get("score", raw.get("position", 0))
    try:
        value = float(score)
    except (TypeError, ValueError):
        value = 0.0
    return ProficiencyLevel(
        score=value,
        label=str(raw.get("quality") or f"Level {value:g}"),
        description=str(raw.get("description") or ""),
        feedback=str(raw.get("feedback") or ""),
    )


def _text_or_none(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _item_type(raw: dict[str, Any]) -> str:
    value = raw.get("CFItemType")
    if isinstance(value, str) and value:
        return value
    link = raw.get("CFItemTypeURI")
    if isinstance(link, dict) and link.get("title"):
        return str(link["title"])
    return ""


def _education_levels(raw: dict[str, Any]) -> tuple[str, ...]:
    value = raw.get("educationLevel", raw.get("educationalLevel"))
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list):
        return tuple(str(part).strip() for part in value if str(part).strip())
    return ()


def _keywords(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(part.strip() for part in re.split(r"[,;]", value) if part.strip())
    if isinstance(value, list):
        return tuple(str(part).strip() for part in value if str(part).strip())
    return ()


def _sequence(raw: dict[str, Any]) -> float:
    value = raw.get("sequenceNumber")
    try:
        return float(value) if value is not None else float("inf")
    except (TypeError, ValueError):
        return float("inf")


def _enum_or_code(framework: Framework, identifier: str) -> str:
    item = framework.items.get(identifier)
    if item is None:
        return identifier
    return item.list_enumeration or item.code or ""


def _natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    parts = re.split(r"(\d+)", text)
    return tuple((0, int(p)) if p.isdigit() else (1, p.casefold()) for p in parts if p)
