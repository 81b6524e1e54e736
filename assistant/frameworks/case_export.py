"""Write a Framework as a 1EdTech CASE 1.1 package (CFPackage JSON) that imports back to it.

What the package holds: the CFDocument (`caseVersion` 1.1), one CFItem per competency, the
hierarchy as `isChildOf` associations with `sequenceNumber` in sibling order, the learning
progression as `precedes`, aliases as `exactMatchOf`, every other association as it was
imported (inside the package or with one end outside it), CFDefinitions with the item types in
use, and the proficiency levels as CFRubrics: one criterion per competency (`CFItemURI`), one
criterion level per proficiency level (`score`, `quality`, `description`, `feedback`), which is
how CASE 1.1 carries a scale. Identifiers of the document and items are kept; the records CASE
requires that the framework does not keep (associations, item types, rubric parts) get stable
name-based UUIDs, so exporting the same framework twice gives the same file.

Read back with `case_import`, a package written here gives the same items, codes, titles,
statements, hierarchy and order, prerequisites, aliases, external links and levels.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.frameworks.case_values import ALIAS, HIERARCHY, PREREQUISITE
from assistant.frameworks.model import Competency, Framework, ProficiencyLevel

CASE_VERSION = "1.1"
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
Json = dict[str, Any]


def export_package(framework: Framework, *, now: datetime | None = None) -> Json:
    """The CASE package of `framework` as JSON-ready data."""
    return _Writer(framework, now).package()


def write_package(framework: Framework, out: Path) -> None:
    """Write the package to `out` atomically: a failed write leaves no partial file."""
    text = json.dumps(export_package(framework), indent=2, ensure_ascii=False) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".export-", suffix=".json", dir=out.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, out)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def node_uri(identifier: str) -> str:
    """A URI for an identifier: itself when it is one, `urn:uuid:` for a UUID."""
    if _UUID.match(identifier):
        return f"urn:uuid:{identifier.lower()}"
    if _SCHEME.match(identifier):
        return identifier
    return f"urn:x-waypoint:{identifier}"


class _Writer:
    def __init__(self, framework: Framework, now: datetime | None) -> None:
        self.fw = framework
        moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        self.when = framework.last_changed if _is_time(framework.last_changed) else None
        self.when = self.when or moment.isoformat()
        self.doc_link = self._link(framework.identifier, framework.title)
        self.type_ids: dict[str, str] = {}

    def package(self) -> Json:
        items = [self._item(item) for item in self.fw]
        package: Json = {
            "CFDocument": self._document(),
            "CFItems": items,
            "CFAssociations": self._associations(),
            "CFDefinitions": self._definitions(),
        }
        rubrics = self._rubrics()
        if rubrics:
            package["CFRubrics"] = rubrics
        return package

    # records -------------------------------------------------------------------------------
    def _document(self) -> Json:
        fw = self.fw
        document: Json = {
            "identifier": fw.identifier,
            "uri": node_uri(fw.identifier),
            "creator": fw.creator,
            "title": fw.title,
            "lastChangeDateTime": self.when,
            "caseVersion": CASE_VERSION,
        }
        optional = {"description": fw.description, "language": fw.language, "version": fw.version}
        document.update({key: value for key, value in optional.items() if value})
        document["CFPackageURI"] = self.doc_link
        return document

    def _item(self, item: Competency) -> Json:
        record: Json = {
            "identifier": item.identifier,
            "uri": item.uri or node_uri(item.identifier),
            "CFDocumentURI": self.doc_link,
            "fullStatement": item.statement,
            "lastChangeDateTime": self.when,
        }
        optional: Json = {
            "humanCodingScheme": item.code or "",
            "listEnumeration": item.list_enumeration,
            "abbreviatedStatement": item.title,
            "notes": item.notes,
            "language": item.language,
            "educationLevel": list(item.education_levels),
            "conceptKeywords": list(item.keywords),
        }
        record.update({key: value for key, value in optional.items() if value})
        if item.item_type:
            record["CFItemType"] = item.item_type
            record["CFItemTypeURI"] = self._link(self._type_id(item.item_type), item.item_type)
        return record

    def _associations(self) -> list[Json]:
        found: list[Json] = []
        for parent, kids in self.fw.children.items():
            for position, child in enumerate(kids, start=1):
                found.append(self._association(HIERARCHY, child, parent, sequence=position))
        for target, prerequisites in self.fw.prerequisites.items():
            found.extend(self._association(PREREQUISITE, p, target) for p in prerequisites)
        for alias, local in self.fw.aliases.items():
            found.append(self._association(ALIAS, local, alias))
        for kind, origin, destination in self.fw.related:
            found.append(self._association(kind, origin, destination))
        for edge in self.fw.external:
            found.append(
                self._association(
                    edge.association_type, edge.origin, edge.destination, title=edge.title
                )
            )
        return found

    def _association(
        self,
        kind: str,
        origin: str,
        destination: str,
        *,
        sequence: int | None = None,
        title: str | None = None,
    ) -> Json:
        key = f"{kind}|{origin}|{destination}"
        identifier = self._uuid("association", key)
        record: Json = {
            "identifier": identifier,
            "uri": f"urn:uuid:{identifier}",
            "CFDocumentURI": self.doc_link,
            "associationType": kind,
            "originNodeURI": self._link(origin, self._title(origin)),
            "destinationNodeURI": self._link(
                destination, self._title(destination) if title is None else title
            ),
            "lastChangeDateTime": self.when,
        }
        if sequence is not None:
            record["sequenceNumber"] = sequence
        return record

    def _definitions(self) -> Json:
        item_types = [
            {
                "identifier": identifier,
                "uri": f"urn:uuid:{identifier}",
                "title": title,
                "description": title,
                "hierarchyCode": str(number),
                "typeCode": title,
                "lastChangeDateTime": self.when,
            }
            for number, (title, identifier) in enumerate(self.type_ids.items(), start=1)
        ]
        return {
            "CFConcepts": [],
            "CFSubjects": [],
            "CFLicenses": [],
            "CFItemTypes": item_types,
            "CFAssociationGroupings": [],
        }

    def _rubrics(self) -> list[Json]:
        if not self.fw.levels:
            return []
        rubric_id = self._uuid("rubric", "proficiency scale")
        criteria = [
            self._criterion(rubric_id, position, identifier, levels)
            for position, (identifier, levels) in enumerate(self.fw.levels.items(), start=1)
            if identifier in self.fw.items
        ]
        return [
            {
                "identifier": rubric_id,
                "uri": f"urn:uuid:{rubric_id}",
                "title": f"{self.fw.title}: proficiency scale",
                "description": "One criterion per competency; one level per proficiency level.",
                "lastChangeDateTime": self.when,
                "CFRubricCriteria": criteria,
            }
        ]

    def _criterion(
        self, rubric_id: str, position: int, identifier: str, levels: tuple[ProficiencyLevel, ...]
    ) -> Json:
        item = self.fw.items[identifier]
        criterion_id = self._uuid("criterion", identifier)
        return {
            "identifier": criterion_id,
            "uri": f"urn:uuid:{criterion_id}",
            "category": item.label,
            "description": item.short_title,
            "CFItemURI": self._link(identifier, item.label),
            "weight": 1.0,
            "position": position,
            "rubricId": rubric_id,
            "lastChangeDateTime": self.when,
            "CFRubricCriterionLevels": [
                self._level(criterion_id, identifier, number, level)
                for number, level in enumerate(levels, start=1)
            ],
        }

    def _level(self, criterion_id: str, item: str, number: int, level: ProficiencyLevel) -> Json:
        level_id = self._uuid("level", f"{item}|{number}")
        record: Json = {
            "identifier": level_id,
            "uri": f"urn:uuid:{level_id}",
            "quality": level.label,
            "score": level.score,
            "position": number,
            "rubricCriterionId": criterion_id,
            "lastChangeDateTime": self.when,
        }
        if level.description:
            record["description"] = level.description
        if level.feedback:
            record["feedback"] = level.feedback
        return record

    # helpers -------------------------------------------------------------------------------
    def _link(self, identifier: str, title: str) -> Json:
        item = self.fw.items.get(identifier)
        uri = item.uri if item is not None and item.uri else node_uri(identifier)
        return {"title": title, "identifier": identifier, "uri": uri}

    def _title(self, identifier: str) -> str:
        if identifier == self.fw.identifier:
            return self.fw.title
        item = self.fw.items.get(identifier)
        return item.label if item is not None else ""

    def _type_id(self, title: str) -> str:
        if title not in self.type_ids:
            self.type_ids[title] = self._uuid("item type", title)
        return self.type_ids[title]

    def _uuid(self, kind: str, key: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"waypoint:{self.fw.identifier}|{kind}|{key}"))


def _is_time(text: str) -> bool:
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False
