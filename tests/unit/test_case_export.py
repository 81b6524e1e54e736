"""CASE export: valid CASE 1.0 (+ 1.1 additions) that imports back to the same catalog."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from assistant.cli import main
from assistant.frameworks.case_export import export_package, write_package
from assistant.frameworks.case_import import import_package, load_framework
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.frameworks.model import Framework
from assistant.settings import BUNDLED_KNOWLEDGE
from tests.support_learners import MATH, small_school

CASE_DATA = Path(__file__).resolve().parents[1] / "data" / "case"
SCHEMA = CASE_DATA / "case-v1p0-cfpackage-schema.json"
BUNDLED = sorted((BUNDLED_KNOWLEDGE / "frameworks").glob("*.json"))
SAMPLES = sorted(p for p in CASE_DATA.glob("*.json") if p != SCHEMA)
EVERY = [*BUNDLED, *SAMPLES]
OPENSALT = "opensalt-framework-20c5134f-423d-4097-a971-3dd5152bf507.json"

# What CASE 1.1 adds to the 1.0 package model (1EdTech CASE 1.1, JSON binding).
ASSOCIATION_TYPES_11 = ["isTranslationOf"]
EXTENSION_PATTERN = "^ext:[a-zA-Z0-9.\\-_]+$"


def schema_10() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return data


def schema_11() -> dict[str, Any]:
    """The 1.0 schema with the 1.1 additions: `extensions` on the package and its records,
    `caseVersion` and `frameworkType` on the document, `subject`/`subjectURI` on items,
    `notes` on associations, the new association types and `targetType` on links."""
    schema = copy.deepcopy(schema_10())
    extension = {"type": "object"}
    defs = schema["definitions"]
    schema["properties"]["extensions"] = extension
    defs["CFPackageDocument"]["properties"].update(
        caseVersion={"type": "string", "enum": ["1.1"]},
        frameworkType={"type": "string"},
        extensions=extension,
    )
    defs["CFPackageItem"]["properties"].update(
        subject={"type": "array", "items": {"type": "string"}},
        subjectURI={"type": "array", "items": {"$ref": "#/definitions/LinkURI"}},
        extensions=extension,
    )
    association = defs["CFPackageAssociation"]["properties"]
    kinds = association["associationType"]["enum"] + ASSOCIATION_TYPES_11
    association["associationType"] = {
        "anyOf": [
            {"type": "string", "enum": kinds},
            {"type": "string", "pattern": EXTENSION_PATTERN},
        ]
    }
    association.update(notes={"type": "string"}, extensions=extension)
    defs["LinkGenURI"]["properties"]["targetType"] = {"type": "string"}
    for name in ("CFRubric", "CFRubricCriterion", "CFRubricCriterionLevel", "CFItemType"):
        defs[name]["properties"]["extensions"] = extension
    return schema


def errors(schema: dict[str, Any], package: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    found = validator.iter_errors(package)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in found]


def catalog_view(framework: Framework) -> dict[str, Any]:
    """Everything the catalog uses from a framework: items (codes, titles, statements and the
    rest), identifiers, hierarchy and order, prerequisites, aliases, links and levels."""
    view = dataclasses.asdict(framework)
    for key in ("source", "case_version", "_dependents", "_codes"):
        view.pop(key, None)
    return view


def round_trip(framework: Framework) -> Framework:
    text = json.dumps(export_package(framework), ensure_ascii=False)
    return import_package(json.loads(text), source="exported")


@pytest.mark.parametrize("path", EVERY, ids=lambda p: p.name)
def test_export_validates_against_case_10_and_11(path: Path) -> None:
    package = export_package(load_framework(path))
    assert errors(schema_11(), package) == []
    # None of these frameworks needs a 1.1-only construct, so the 1.0 schema passes too.
    assert errors(schema_10(), package) == []
    assert package["CFDocument"]["caseVersion"] == "1.1"


@pytest.mark.parametrize("path", EVERY, ids=lambda p: p.name)
def test_import_export_import_gives_the_same_framework(path: Path) -> None:
    first = load_framework(path)
    second = round_trip(first)
    assert catalog_view(second) == catalog_view(first)
    assert catalog_view(round_trip(second)) == catalog_view(first)  # stable


@pytest.mark.parametrize(
    "paths", [BUNDLED, *([p] for p in SAMPLES)], ids=lambda ps: "+".join(p.stem for p in ps)
)
def test_round_trip_through_files_gives_the_same_catalog(tmp_path: Path, paths: list[Path]) -> None:
    """Export to files and load the files back: the catalog the app builds is the same (the
    bundled frameworks together, since prerequisites may cross frameworks)."""
    originals = [load_framework(p) for p in paths]
    written = [tmp_path / f"{n}.json" for n in range(len(originals))]
    for framework, out in zip(originals, written, strict=True):
        write_package(framework, out)
    before = FrameworkCatalog(originals)
    after = FrameworkCatalog([load_framework(p) for p in written])
    entries = {e.identifier: (e.item, e.order) for e in before.assessable()}
    assert entries and {e.identifier: (e.item, e.order) for e in after.assessable()} == entries
    for identifier in entries:
        assert after.prerequisites(identifier) == before.prerequisites(identifier)
        assert after.dependents(identifier) == before.dependents(identifier)
        assert after.scale(identifier) == before.scale(identifier)
        assert after.equivalents(identifier) == before.equivalents(identifier)
        code = before.entry(identifier).item.code
        if code:
            assert [e.identifier for e in after.matches(code)] == [
                e.identifier for e in before.matches(code)
            ]


def test_levels_are_cfrubric_criteria_linked_to_items() -> None:
    framework = load_framework(BUNDLED_KNOWLEDGE / "frameworks" / "waypoint-habits-of-success.json")
    package = export_package(framework)
    criteria = package["CFRubrics"][0]["CFRubricCriteria"]
    assert len(criteria) == len(framework.levels)
    first = criteria[0]
    item = framework.items[first["CFItemURI"]["identifier"]]
    levels = framework.levels[item.identifier]
    assert [lv["score"] for lv in first["CFRubricCriterionLevels"]] == [lv.score for lv in levels]
    assert [lv["quality"] for lv in first["CFRubricCriterionLevels"]] == [
        "Beginning",
        "Developing",
        "Proficient",
        "Advanced",
    ]
    assert first["CFRubricCriterionLevels"][2]["description"] == levels[2].description


def test_export_is_the_same_twice() -> None:
    framework = load_framework(SAMPLES[0])
    assert export_package(framework) == export_package(framework)


def test_alias_and_external_links_survive() -> None:
    framework = load_framework(CASE_DATA / OPENSALT)
    package = export_package(framework)
    kinds = sorted({a["associationType"] for a in package["CFAssociations"]})
    assert kinds == ["exactMatchOf", "exemplar", "isChildOf", "isRelatedTo", "precedes"]
    again = round_trip(framework)
    target = again.by_code("CCSS.Math.Content.7.RP.A.1")
    assert target is not None
    assert [p.label for p in again.prerequisites_of(target.identifier)] == [
        "CCSS.Math.Content.6.RP.A.2"
    ]


# --- the command ------------------------------------------------------------------------------


def test_export_case_command_writes_a_package_that_reimports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    school = small_school(tmp_path)
    out = tmp_path / "exported" / "math.json"
    code = main(["export-case", MATH, "--out", str(out)], make_assistant=lambda: school)
    printed = capsys.readouterr().out
    assert code == 0 and "CASE 1.1" in printed and str(out) in printed
    exported = load_framework(out)
    original = school.catalog.framework(MATH)
    assert original is not None
    assert catalog_view(exported) == catalog_view(original)


def test_export_case_of_an_unknown_framework_names_the_known_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    school = small_school(tmp_path)
    out = tmp_path / "nothing.json"
    code = main(["export-case", "Science", "--out", str(out)], make_assistant=lambda: school)
    err = capsys.readouterr().err
    assert code == 1 and "no framework 'Science'" in err and "Waypoint Habits of Success" in err
    assert not out.exists()
