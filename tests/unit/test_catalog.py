"""The framework catalog: lookup, prerequisites across aliases and the hierarchy, resources."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.errors import FrameworkImportError
from assistant.frameworks.case_import import import_package
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.frameworks.clashes import check_codes, code_clashes
from assistant.frameworks.codes import codes_with_ranges
from assistant.frameworks.model import Framework
from tests.support_learners import bundled_catalog


def package(doc: str, items: list[tuple[str, str, str]], links: list[tuple[str, str, str]]) -> Any:
    """A minimal CASE package: items (identifier, code, type), links (type, origin, dest)."""
    return {
        "CFDocument": {"identifier": doc, "title": f"Framework {doc}"},
        "CFItems": [
            {
                "identifier": i,
                "fullStatement": f"I can {c}",
                "humanCodingScheme": c,
                "CFItemType": t,
            }
            for i, c, t in items
        ],
        "CFAssociations": [
            {
                "identifier": f"{doc}-link-{n}",
                "associationType": kind,
                "originNodeURI": {"identifier": origin, "title": origin, "uri": origin},
                "destinationNodeURI": {"identifier": dest, "title": dest, "uri": dest},
            }
            for n, (kind, origin, dest) in enumerate(links)
        ],
    }


def two_frameworks(root: Path) -> FrameworkCatalog:
    district = package(
        "doc-a",
        [
            ("dom", "A", "Domain"),
            ("clu", "A.1", "Cluster"),
            ("a1", "A.1.1", "Competency"),
            ("a2", "A.1.2", "Competency"),
            ("a3", "A.2", "Competency"),
        ],
        [
            ("isChildOf", "dom", "doc-a"),
            ("isChildOf", "clu", "dom"),
            ("isChildOf", "a1", "clu"),
            ("isChildOf", "a2", "clu"),
            ("isChildOf", "a3", "dom"),
            ("precedes", "a1", "a2"),
            # a state competency (another package) comes before the whole cluster
            ("precedes", "b-3", "clu"),
            # the whole cluster comes before a3
            ("precedes", "clu", "a3"),
            # a3 is the same competency as the state's b-1
            ("exactMatchOf", "a3", "b-1"),
        ],
    )
    state = package(
        "doc-b",
        [("b-1", "S.1", "Competency"), ("b-2", "S.2", "Competency"), ("b-3", "S.3", "Competency")],
        [
            ("isChildOf", "b-1", "doc-b"),
            ("isChildOf", "b-2", "doc-b"),
            ("isChildOf", "b-3", "doc-b"),
            ("precedes", "b-1", "b-2"),
        ],
    )
    (root / "frameworks").mkdir(parents=True)
    (root / "frameworks" / "district.json").write_text(json.dumps(district))
    recorded = root / "elsewhere" / "state.json"
    recorded.parent.mkdir()
    recorded.write_text(json.dumps(state))
    return FrameworkCatalog.load(root, [recorded, recorded, root / "gone.json"])


def codes(catalog: FrameworkCatalog, ids: tuple[str, ...]) -> list[str]:
    return [catalog.entry(i).code for i in ids]


def test_prerequisites_through_hierarchy_and_other_frameworks(tmp_path: Path) -> None:
    catalog = two_frameworks(tmp_path)
    assert [fw.identifier for fw in catalog.frameworks] == ["doc-a", "doc-b"]
    assert catalog.problems and "gone" in catalog.problems[0]
    # S.3 precedes the cluster A.1, so it is a prerequisite of each competency in it.
    assert codes(catalog, catalog.prerequisites("a1")) == ["S.3"]
    assert codes(catalog, catalog.prerequisites("a2")) == ["A.1.1", "S.3"]
    # The cluster A.1 precedes A.2: both of its competencies are prerequisites.
    assert codes(catalog, catalog.prerequisites("a3")) == ["A.1.1", "A.1.2"]
    assert codes(catalog, catalog.dependents("b-3")) == ["A.1.1", "A.1.2"]
    # Clusters and domains are not assessable; competencies are.
    assert [e.code for e in catalog.assessable()] == ["A.1.1", "A.1.2", "A.2", "S.1", "S.2", "S.3"]


def test_aliases_make_items_equivalent_across_frameworks(tmp_path: Path) -> None:
    catalog = two_frameworks(tmp_path)
    assert set(catalog.equivalents("a3")) == {"a3", "b-1"}
    assert catalog.equivalents("a1") == ("a1",)


def test_lookup_by_code_identifier_uri_and_alias() -> None:
    catalog = bundled_catalog()
    entry = catalog.lookup("m.6.rp.5")
    assert entry is not None and entry.code == "M.6.RP.5"
    assert catalog.lookup(entry.identifier) == entry
    assert catalog.lookup(f"urn:uuid:{entry.identifier}") == entry
    assert catalog.lookup("M.9.XX.1") is None
    assert codes(catalog, catalog.prerequisites(entry.identifier)) == ["M.6.RP.2", "M.6.RP.4"]
    assert not catalog.is_assessable(catalog.lookup("M.6.RP").identifier)  # type: ignore[union-attr]


def test_resources_and_mini_lessons_come_from_the_knowledge_folder() -> None:
    catalog = bundled_catalog()
    rp4 = catalog.lookup("M.6.RP.4")
    assert rp4 is not None
    assert any(
        r.path.startswith("resources/math/m-6-rp-4") for r in catalog.resources(rp4.identifier)
    )
    first = catalog.activities(rp4.identifier)[0]
    # The most specific mini-lesson: a section whose heading names M.6.RP.4 alone.
    assert first.section.startswith("Sticking point") and "(M.6.RP.4)" in first.section
    assert first.exit_check


def test_code_ranges_in_headings_are_expanded() -> None:
    assert codes_with_ranges("Sticking point: finding k (M.7.RP.2 to M.7.RP.5)") == [
        "M.7.RP.2",
        "M.7.RP.3",
        "M.7.RP.4",
        "M.7.RP.5",
    ]
    assert codes_with_ranges("(M.6.RP.1, M.6.RP.3)") == ["M.6.RP.1", "M.6.RP.3"]


def test_a_broken_framework_file_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "frameworks").mkdir()
    (tmp_path / "frameworks" / "broken.json").write_text("{not json")
    catalog = FrameworkCatalog.load(tmp_path)
    assert catalog.frameworks == () and "broken.json" in catalog.problems[0]


def test_code_clashes_are_codes_of_other_items_in_other_frameworks() -> None:
    def framework(doc: str, items: list[tuple[str, str, str]]) -> Framework:
        links = [("isChildOf", identifier, doc) for identifier, _, _ in items]
        return import_package(package(doc, items, links), source=f"{doc}.json")

    first = framework("doc-a", [("a1", "X.1", "Competency"), ("a2", "X.2", "Competency")])
    reuses = framework("doc-b", [("b1", "x.1", "Competency"), ("b2", "Y.1", "Competency")])
    shares_an_item = framework("doc-c", [("a1", "X.1", "Competency")])
    new_version = framework("doc-a", [("a9", "X.2", "Competency")])
    assert code_clashes(reuses, [first]) == {"'Framework doc-a' (doc-a.json)": ["x.1"]}
    assert code_clashes(shares_an_item, [first]) == {}  # the very same item: one competency
    assert code_clashes(new_version, [first]) == {}  # the same framework, revised
    with pytest.raises(FrameworkImportError, match=r"^b\.json: reuses competency codes: x\.1"):
        check_codes(reuses, [first], "b.json")
