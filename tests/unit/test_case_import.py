"""CASE import: the shared OpenSALT samples and what a broken package looks like."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from assistant.errors import FrameworkImportError
from assistant.frameworks.case_import import import_package, load_framework

OPENSALT = "opensalt-framework-20c5134f-423d-4097-a971-3dd5152bf507.json"


def labels(framework: Any, ids: list[str]) -> list[str]:
    return [framework.items[i].label for i in ids]


@pytest.mark.parametrize(
    ("name", "items", "hierarchy", "prerequisites"),
    [
        ("ItemTypeTestFramework.json", 1, 1, 0),
        ("MarkdownFramework.json", 2, 2, 0),
        ("Ordering.json", 28, 28, 0),
        ("SequenceNumberFramework.json", 2, 2, 0),
        ("SmartLevelFramework.json", 14, 14, 0),
        ("Utf8TestFramework.json", 1, 1, 0),
        (OPENSALT, 16, 16, 3),
    ],
)
def test_every_sample_imports_with_its_counts(
    case_samples: Path, name: str, items: int, hierarchy: int, prerequisites: int
) -> None:
    framework = load_framework(case_samples / name)
    assert len(framework) == items
    assert framework.hierarchy_edge_count == hierarchy
    assert framework.prerequisite_edge_count == prerequisites


def test_prerequisite_through_exact_match_alias_lands_on_local_item(case_samples: Path) -> None:
    framework = load_framework(case_samples / OPENSALT)
    target = framework.by_code("CCSS.Math.Content.7.RP.A.1")
    assert target is not None
    # "6.RP.A.2 precedes <external node>", and 7.RP.A.1 is exactMatchOf that node.
    assert [p.label for p in framework.prerequisites_of(target.identifier)] == [
        "CCSS.Math.Content.6.RP.A.2"
    ]
    edges = {
        (framework.items[p].label, framework.items[t].label)
        for t, ps in framework.prerequisites.items()
        for p in ps
    }
    assert edges == {
        ("CCSS.Math.Content.6.RP.A.1", "CCSS.Math.Content.6.RP.A.2"),
        ("CCSS.Math.Content.6.RP.A.2", "CCSS.Math.Content.7.RP.A.1"),
        ("CCSS.Math.Content.6.RP.A.3", "CCSS.Math.Content.7.RP.A.3"),
    }
    assert len(framework.aliases) == 16


def test_links_that_leave_the_package_stay_external(case_samples: Path) -> None:
    framework = load_framework(case_samples / OPENSALT)
    kinds = sorted(edge.association_type for edge in framework.external)
    assert kinds == ["exemplar", "exemplar", "isRelatedTo", "isRelatedTo"]
    assert all(edge.origin_is_local for edge in framework.external)


def test_item_fields_and_publisher_spelling(case_samples: Path) -> None:
    framework = load_framework(case_samples / OPENSALT)
    item = framework.by_code("CCSS.Math.Content.6.RP.A.1")
    assert item is not None
    assert item.education_levels == ("06",)  # written as educationalLevel by the publisher
    assert item.item_type == "Standard"
    assert item.language == "en"
    assert "wings to beaks" in item.notes
    assert [p.label for p in framework.parent_path(item.identifier)] == ["CCSS.Math.Content.6.RP.A"]


def test_sequence_number_orders_siblings(case_samples: Path) -> None:
    framework = load_framework(case_samples / "SequenceNumberFramework.json")
    assert labels(framework, framework.roots()) == ["SNT.2", "SNT.1"]


def test_children_without_sequence_follow_natural_code_order(case_samples: Path) -> None:
    framework = load_framework(case_samples / "Ordering.json")
    parent = framework.by_code("H.A.MATH.GM.PF.2DFP.L1")
    assert parent is not None
    kids = labels(framework, framework.children[parent.identifier])
    assert kids[:3] == [
        "H.A.MATH.GM.PF.2DFP.L1.1",
        "H.A.MATH.GM.PF.2DFP.L1.2",
        "H.A.MATH.GM.PF.2DFP.L1.3",
    ]
    assert kids[-1] == "H.A.MATH.GM.PF.2DFP.L1.24"


def test_item_type_from_link_and_non_ascii_text(case_samples: Path) -> None:
    typed = load_framework(case_samples / "ItemTypeTestFramework.json")
    assert next(iter(typed)).item_type != ""
    utf8 = load_framework(case_samples / "Utf8TestFramework.json")
    assert "𝑑" in utf8.title


# --- broken packages ----------------------------------------------------------------------


def _package() -> dict[str, Any]:
    def link(identifier: str, title: str = "") -> dict[str, str]:
        return {"identifier": identifier, "uri": f"urn:uuid:{identifier}", "title": title}

    items = [
        {
            "identifier": f"i{n}",
            "uri": f"urn:uuid:i{n}",
            "fullStatement": f"Skill {n}",
            "humanCodingScheme": f"T.{n}",
            "lastChangeDateTime": "2026-01-01T00:00:00",
        }
        for n in (1, 2, 3)
    ]
    assocs = [
        {
            "identifier": f"c{n}",
            "uri": f"urn:uuid:c{n}",
            "associationType": "isChildOf",
            "originNodeURI": link(f"i{n}"),
            "destinationNodeURI": link("doc"),
            "sequenceNumber": n,
            "lastChangeDateTime": "2026-01-01T00:00:00",
        }
        for n in (1, 2, 3)
    ]
    assocs += [
        {
            "identifier": f"p{a}{b}",
            "uri": f"urn:uuid:p{a}{b}",
            "associationType": "precedes",
            "originNodeURI": link(f"i{a}"),
            "destinationNodeURI": link(f"i{b}"),
            "lastChangeDateTime": "2026-01-01T00:00:00",
        }
        for a, b in ((1, 2), (2, 3))
    ]
    return {
        "CFDocument": {
            "identifier": "doc",
            "uri": "urn:uuid:doc",
            "title": "Tiny",
            "creator": "t",
            "lastChangeDateTime": "2026-01-01T00:00:00",
        },
        "CFItems": items,
        "CFAssociations": assocs,
    }


def test_a_valid_tiny_package_imports() -> None:
    framework = import_package(_package(), source="tiny.json")
    assert [p.label for p in framework.prerequisites_of("i3")] == ["T.2"]


def _refusal(data: Any) -> FrameworkImportError:
    with pytest.raises(FrameworkImportError) as caught:
        import_package(data, source="broken.json")
    return caught.value


def test_not_json_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"CFDocument": {"identifier": "x",, }')
    with pytest.raises(FrameworkImportError) as caught:
        load_framework(path, display_name="broken.json")
    assert str(caught.value).startswith("broken.json: is not valid JSON")
    assert "line 1" in str(caught.value)


def test_missing_required_field_names_item_and_field() -> None:
    data = _package()
    del data["CFItems"][1]["fullStatement"]
    error = _refusal(data)
    assert error.field == "fullStatement"
    assert "T.2" in str(error.item)
    assert "broken.json" in str(error)


def test_missing_document_is_refused() -> None:
    assert _refusal({"CFItems": []}).field == "CFDocument"
    assert _refusal([1, 2]).reason.startswith("is not a CASE package")


def test_duplicate_identifier_is_refused() -> None:
    data = _package()
    data["CFItems"][2]["identifier"] = "i1"
    error = _refusal(data)
    assert error.field == "identifier"
    assert "duplicate" in error.reason


def test_dangling_parent_is_refused() -> None:
    data = _package()
    data["CFAssociations"][0]["destinationNodeURI"]["identifier"] = "nowhere"
    error = _refusal(data)
    assert error.field == "destinationNodeURI"
    assert "nowhere" in error.reason


def test_cycle_in_precedes_is_refused_with_the_cycle() -> None:
    data = _package()
    back = copy.deepcopy(data["CFAssociations"][-1])
    back["identifier"] = "p31"
    back["originNodeURI"], back["destinationNodeURI"] = (
        back["destinationNodeURI"],
        back["originNodeURI"],
    )
    data["CFAssociations"].append(back)
    error = _refusal(data)
    assert error.field == "precedes"
    assert "cycle" in error.reason
    assert "T.2" in error.reason and "T.3" in error.reason


def _rubric(item: str, levels: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    criterion: dict[str, Any] = {
        "identifier": "k",
        "uri": "urn:uuid:k",
        "lastChangeDateTime": "2026-01-01T00:00:00",
        "CFItemURI": {"identifier": item},
    }
    if levels is not None:
        criterion["CFRubricCriterionLevels"] = levels
    return [
        {
            "identifier": "r",
            "uri": "urn:uuid:r",
            "lastChangeDateTime": "2026-01-01T00:00:00",
            "CFRubricCriteria": [criterion],
        }
    ]


def test_rubric_for_unknown_item_is_refused() -> None:
    data = _package()
    data["CFRubrics"] = _rubric("ghost")
    error = _refusal(data)
    assert error.field == "CFItemURI"


def test_rubric_levels_are_read_in_score_order() -> None:
    data = _package()
    levels = [
        {
            "identifier": f"l{score}",
            "uri": f"urn:uuid:l{score}",
            "score": score,
            "lastChangeDateTime": "2026-01-01T00:00:00",
            "quality": quality,
            "description": f"does {quality}",
        }
        for score, quality in ((3, "Proficient"), (1, "Beginning"))
    ]
    data["CFRubrics"] = _rubric("i1", levels)
    framework = import_package(data, source="tiny.json")
    assert [lv.label for lv in framework.levels["i1"]] == ["Beginning", "Proficient"]
    assert framework.case_version == "1.1"


def test_large_framework_imports(tmp_path: Path) -> None:
    """Thousands of items and associations: the importer has no quadratic step to trip on."""
    data = _package()
    base = data["CFItems"][0]
    link = data["CFAssociations"][0]
    for n in range(4, 4004):
        data["CFItems"].append({**base, "identifier": f"i{n}", "humanCodingScheme": f"T.{n}"})
        data["CFAssociations"].append(
            {**link, "identifier": f"c{n}", "originNodeURI": {"identifier": f"i{n}"}}
        )
        data["CFAssociations"].append(
            {
                **link,
                "identifier": f"q{n}",
                "associationType": "precedes",
                "originNodeURI": {"identifier": f"i{n - 1}"},
                "destinationNodeURI": {"identifier": f"i{n}"},
            }
        )
    path = tmp_path / "big.json"
    path.write_text(json.dumps(data))
    framework = load_framework(path)
    assert len(framework) == 4003
    assert framework.prerequisite_edge_count == 4002
    assert [p.label for p in framework.prerequisites_of("i4003")] == ["T.4002"]
