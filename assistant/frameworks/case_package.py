"""Reading a parsed CASE package (CFDocument, CFItems, CFAssociations, CFRubrics) into a typed
Framework: strict about what is really broken (a missing required field, a dangling local
reference, a duplicate identifier, a cycle), lenient about what real publishers do; every
failure a FrameworkImportError naming the file, item and field."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any, NoReturn

from assistant.errors import FrameworkImportError
from assistant.frameworks.case_values import (
    ALIAS,
    HIERARCHY,
    PREREQUISITE,
    education_levels,
    enum_or_code,
    item_type,
    json_type,
    keywords,
    natural_key,
    normalized_time,
    one_line,
    sequence,
    short,
    text_or_none,
)
from assistant.frameworks.graph import find_cycle
from assistant.frameworks.model import Competency, ExternalEdge, Framework, ProficiencyLevel


class PackageReader:
    def __init__(self, data: Any, source: str) -> None:
        self.data = data
        self.source = source

    def fail(self, reason: str, *, item: str | None = None, field: str | None = None) -> NoReturn:
        # One line, whatever the identifiers quoted in it hold.
        raise FrameworkImportError(
            self.source,
            one_line(reason),
            item=None if item is None else one_line(item),
            field=None if field is None else one_line(field),
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
        self.fail(f"must be text, not {json_type(value)}", item=where, field=key)

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
            where = f"{where} ({short(text_or_none(raw.get('humanCodingScheme')) or identifier)})"
            statement = self._required_text(raw, "fullStatement", where)
            if identifier in framework.items or identifier == framework.identifier:
                self.fail("duplicate identifier", item=where, field="identifier")
            framework.items[identifier] = Competency(
                identifier=identifier,
                statement=statement,
                code=text_or_none(raw.get("humanCodingScheme")),
                title=self._text(raw, "abbreviatedStatement", where)
                or self._text(raw, "alternativeLabel", where),
                item_type=item_type(raw),
                education_levels=education_levels(raw),
                keywords=keywords(raw.get("conceptKeywords")),
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
            where = f"{where} ({short(assoc_id)})"
            if assoc_id in seen:
                self.fail("duplicate identifier", item=where, field="identifier")
            seen.add(assoc_id)
            kind = self._required_text(raw, "associationType", where)
            origin, _ = self._endpoint(raw, "originNodeURI", where)
            destination, title = self._endpoint(raw, "destinationNodeURI", where)
            order = sequence(raw.get("sequenceNumber"))
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
            entries.sort(key=lambda e: (e[0], natural_key(enum_or_code(framework, e[1])), e[2]))
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
            self.fail(f"must be a list, not {json_type(value)}", item=where, field=key)
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
            self.fail(f"is not a usable score ({short(str(score))})", item=where, field=key)
        return ProficiencyLevel(
            score=value,
            label=self._text(raw, "quality", where) or f"Level {value:g}",
            description=self._text(raw, "description", where),
            feedback=self._text(raw, "feedback", where),
        )
