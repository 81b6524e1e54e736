"""The CASE importer never crashes: every input ends in a Framework or a FrameworkImportError.

Inputs: the real bundled frameworks and the OpenSALT samples truncated or with bytes changed at
random offsets, in other encodings, structurally mutated (a random node replaced by a random
JSON value), deeply nested, with NaN, huge numbers and unpaired surrogates, and oversized.
A framework that imports is also turned into index chunks, as the indexer does next.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.errors import FrameworkImportError
from assistant.frameworks.case_import import import_package, load_framework
from assistant.frameworks.documents import framework_chunks
from assistant.frameworks.model import Framework
from tests.fuzz.support import CASE_SAMPLES, FRAMEWORKS, fuzz, peak_memory, sparse_file

PACKAGES = sorted(FRAMEWORKS.glob("*.json")) + sorted(
    p for p in CASE_SAMPLES.glob("*.json") if "schema" not in p.name
)
SMALL = CASE_SAMPLES / "Utf8TestFramework.json"
ORIGINALS = {path: path.read_bytes() for path in PACKAGES}

pytestmark = pytest.mark.skipif(
    not CASE_SAMPLES.is_dir(), reason="../shared/case-samples is not beside the repository"
)


def load_or_refuse(path: Path, name: str) -> Framework | None:
    """The property: a Framework (that chunks) or a FrameworkImportError naming the file."""
    try:
        framework = load_framework(path, display_name=name)
    except FrameworkImportError as exc:
        assert str(exc).startswith((f"{name}: ", f"{name}, item ", f"{name}, field ")), exc
        assert "\n" not in str(exc)
        return None
    framework_chunks(framework, name)
    return framework


def import_or_refuse(data: Any) -> Framework | None:
    try:
        framework = import_package(data, source="mutated.json")
    except FrameworkImportError as exc:
        assert str(exc).startswith(("mutated.json: ", "mutated.json, ")), exc
        assert "\n" not in str(exc)
        return None
    framework_chunks(framework, "mutated.json")
    return framework


@fuzz(1.5)
@given(st.sampled_from(PACKAGES), st.data())
def test_truncated_packages_are_refused_by_name(
    tmp_path_factory: pytest.TempPathFactory, package: Path, data: st.DataObject
) -> None:
    raw = ORIGINALS[package]
    cut = data.draw(st.integers(0, len(raw) - 1), label="cut")
    path = tmp_path_factory.mktemp("cut") / package.name
    path.write_bytes(raw[:cut])
    framework = load_or_refuse(path, package.name)
    if raw[:cut].strip() != raw.strip():  # only a cut in the trailing white space is whole
        assert framework is None


@fuzz()
@given(
    st.sampled_from(PACKAGES),
    st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.binary(min_size=0, max_size=4)),
        min_size=1,
        max_size=6,
    ),
)
def test_packages_with_bytes_changed_import_or_are_refused(
    tmp_path_factory: pytest.TempPathFactory, package: Path, edits: list[tuple[float, bytes]]
) -> None:
    raw = bytearray(ORIGINALS[package])
    for where, replacement in edits:
        at = int(where * len(raw))
        raw[at : at + max(len(replacement), 1)] = replacement  # empty: delete a byte
    path = tmp_path_factory.mktemp("bytes") / package.name
    path.write_bytes(bytes(raw))
    load_or_refuse(path, package.name)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([10**400, -(10**30), 1e308, "", "isChildOf", "precedes", "exactMatchOf"])
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


def _nodes(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _nodes(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _nodes(value, (*path, index))
    return found


SMALL_PACKAGES = [p for p in PACKAGES if len(ORIGINALS[p]) < 20_000]
PARSED = {p: json.loads(ORIGINALS[p].decode("utf-8-sig")) for p in SMALL_PACKAGES}
NODES = {p: _nodes(PARSED[p])[1:] for p in SMALL_PACKAGES}


@fuzz(2)
@given(st.sampled_from(SMALL_PACKAGES), st.data())
def test_packages_with_a_node_of_the_wrong_type_import_or_are_refused(
    package: Path, data: st.DataObject
) -> None:
    document = copy.deepcopy(PARSED[package])
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        path = data.draw(st.sampled_from(NODES[package]), label="node")
        parent = document
        try:
            for step in path[:-1]:
                parent = parent[step]
            if data.draw(st.booleans(), label="delete") and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = data.draw(json_values, label="value")
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed this node's parent
    import_or_refuse(document)


case_like = st.fixed_dictionaries(
    {},
    optional={
        "CFDocument": json_values
        | st.fixed_dictionaries(
            {"identifier": json_values | st.just("d1"), "title": json_values | st.just("T")}
        ),
        "CFItems": json_values
        | st.lists(
            st.fixed_dictionaries(
                {"identifier": st.sampled_from(["i1", "i2", "i3"]), "fullStatement": json_values}
            ),
            max_size=3,
        ),
        "CFAssociations": json_values
        | st.lists(
            st.fixed_dictionaries(
                {
                    "identifier": st.text(min_size=1, max_size=3),
                    "associationType": st.sampled_from(["isChildOf", "precedes", "exactMatchOf"])
                    | json_values,
                    "originNodeURI": st.sampled_from(["i1", "i2", "d1", "x"]) | json_values,
                    "destinationNodeURI": st.sampled_from(["i1", "i2", "d1", "x"]) | json_values,
                    "sequenceNumber": json_values,
                }
            ),
            max_size=4,
        ),
        "CFRubrics": json_values,
    },
)


@fuzz(2)
@given(case_like | json_values)
def test_arbitrary_json_imports_or_is_refused(data: Any) -> None:
    import_or_refuse(data)


@fuzz()
@given(st.sampled_from(PACKAGES), st.sampled_from(["utf-16", "utf-32", "utf-8-sig"]))
def test_a_package_with_a_byte_order_mark_imports_as_utf8(
    tmp_path_factory: pytest.TempPathFactory, package: Path, encoding: str
) -> None:
    text = ORIGINALS[package].decode("utf-8-sig")
    path = tmp_path_factory.mktemp("enc") / package.name
    path.write_bytes(text.encode(encoding))
    again = load_framework(path)
    original = load_framework(package)
    assert (again.identifier, len(again), again.title) == (
        original.identifier,
        len(original),
        original.title,
    )


def refusal(tmp_path: Path, raw: bytes, name: str = "bad.json") -> str:
    path = tmp_path / name
    path.write_bytes(raw)
    with pytest.raises(FrameworkImportError) as caught:
        load_framework(path, display_name=name)
    message = str(caught.value)
    assert message.startswith(name) and "\n" not in message
    return message


def test_wrong_encodings_and_nul_bytes_are_refused_by_name(tmp_path: Path) -> None:
    text = SMALL.read_text(encoding="utf-8")
    assert any(ord(ch) > 127 for ch in text)
    assert "not UTF-8 text" in refusal(tmp_path, text.encode("utf-16-le"))  # no BOM
    latin = text.replace('"title": "', '"title": "\u00c9l\u00e8ve ', 1).encode("latin-1", "replace")
    assert "not UTF-8 text (at line" in refusal(tmp_path, latin)
    nul = text.encode("utf-8").replace(b'"title"', b'"ti\x00tle"', 1)
    assert "is not valid JSON" in refusal(tmp_path, nul)
    assert "is not valid JSON" in refusal(tmp_path, b"\x00" * 64)
    assert "is not UTF-16 text" in refusal(tmp_path, b"\xff\xfe" + b"{\x00\x00\xd8")


def test_deep_nesting_huge_numbers_and_nan_are_refused_by_name(tmp_path: Path) -> None:
    assert "nested too deeply" in refusal(tmp_path, b"[" * 200_000)
    assert "nested too deeply" in refusal(tmp_path, b'{"CFDocument":' * 50_000)
    package = json.loads(SMALL.read_text(encoding="utf-8"))
    # An integer of thousands of digits cannot even be read by Python's json.
    huge = json.dumps(package).replace('"CFItems"', '"big": ' + "9" * 5000 + ', "CFItems"', 1)
    assert "is not usable JSON" in refusal(tmp_path, huge.encode())
    for constant in ("NaN", "Infinity", "-Infinity"):
        with_nan = json.dumps(package).replace('"CFItems"', f'"n": {constant}, "CFItems"', 1)
        assert f"{constant} is not a JSON number" in refusal(tmp_path, with_nan.encode())


def _rubric_package(score: Any) -> dict[str, Any]:
    return {
        "CFDocument": {"identifier": "d", "title": "T"},
        "CFItems": [{"identifier": "i", "fullStatement": "S", "humanCodingScheme": "C.1"}],
        "CFRubrics": [
            {
                "identifier": "r",
                "CFRubricCriteria": [
                    {"CFItemURI": "i", "CFRubricCriterionLevels": [{"score": score}]}
                ],
            }
        ],
    }


@pytest.mark.parametrize("score", [10**400, float("nan"), float("inf"), "inf", "-nan", 1e400])
def test_scores_that_are_not_finite_name_the_level_and_field(score: Any) -> None:
    with pytest.raises(FrameworkImportError) as caught:
        import_package(_rubric_package(score), source="r.json")
    assert caught.value.field == "score"
    assert caught.value.item == "CFRubrics[0].CFRubricCriteria[0].CFRubricCriterionLevels[0]"


def test_huge_scores_in_a_file_are_refused(tmp_path: Path) -> None:
    raw = json.dumps(_rubric_package(1)).replace('"score": 1', '"score": 1e999')
    assert "is not a usable score" in refusal(tmp_path, raw.encode())


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: p["CFRubrics"][0].update(CFRubricCriteria=5), "CFRubricCriteria"),
        (
            lambda p: p["CFRubrics"][0]["CFRubricCriteria"][0].update(CFRubricCriterionLevels=7),
            "CFRubricCriterionLevels",
        ),
        (lambda p: p["CFItems"][0].update(notes={"a": [1]}), "notes"),
        (lambda p: p["CFDocument"].update(version=["1"]), "version"),
        (lambda p: p.update(caseVersion={"v": 1}), "caseVersion"),
        (lambda p: p["CFItems"][0].update(abbreviatedStatement=True), "abbreviatedStatement"),
    ],
)
def test_values_of_the_wrong_json_type_name_the_field(mutate: Any, field: str) -> None:
    package = _rubric_package(3)
    mutate(package)
    with pytest.raises(FrameworkImportError) as caught:
        import_package(package, source="typed.json")
    assert caught.value.field == field


def test_huge_and_odd_sequence_numbers_and_codes_still_order(tmp_path: Path) -> None:
    package = {
        "CFDocument": {"identifier": "d", "title": "T"},
        "CFItems": [
            {"identifier": "a", "fullStatement": "A", "humanCodingScheme": "X." + "9" * 5000},
            {"identifier": "b", "fullStatement": "B", "humanCodingScheme": "X.1\u00b2"},
            {"identifier": "c", "fullStatement": "C", "humanCodingScheme": "X.\u0663"},
        ],
        "CFAssociations": [
            {
                "identifier": f"h{n}",
                "associationType": "isChildOf",
                "originNodeURI": item,
                "destinationNodeURI": "d",
                "sequenceNumber": seq,
            }
            for n, (item, seq) in enumerate([("a", 10**400), ("b", "nan"), ("c", None)])
        ],
    }
    framework = import_package(package, source="order.json")
    assert sorted(framework.roots()) == ["a", "b", "c"]
    # Written out by json with the 5000-digit run: still loads from a file.
    path = tmp_path / "order.json"
    path.write_text(json.dumps(package).replace('"sequenceNumber": "nan"', '"sequenceNumber": 1'))
    assert len(load_framework(path)) == 3


def test_unpaired_surrogates_are_refused_naming_the_field(tmp_path: Path) -> None:
    package = json.loads(SMALL.read_text(encoding="utf-8"))
    package["CFItems"][0]["fullStatement"] = "broken \ud800 text"
    raw = json.dumps(package)  # ensure_ascii: written as the escape \\ud800
    message = refusal(tmp_path, raw.encode())
    assert "unpaired surrogate" in message and "CFItems[0].fullStatement" in message
    # A proper pair (an emoji written as two escapes) is fine.
    package["CFItems"][0]["fullStatement"] = "fine \U0001f600 text"
    path = tmp_path / "pair.json"
    path.write_text(json.dumps(package))
    assert "\U0001f600" in load_framework(path).items[package["CFItems"][0]["identifier"]].statement


def test_an_oversized_package_is_refused_without_being_read(tmp_path: Path) -> None:
    path = sparse_file(tmp_path / "huge.json", 100 * 1024 * 1024)
    started = time.perf_counter()
    with peak_memory() as peak, pytest.raises(FrameworkImportError) as caught:
        load_framework(path, display_name="huge.json", max_bytes=20 * 1024 * 1024)
    assert time.perf_counter() - started < 2
    assert peak[0] < 1024 * 1024, peak[0]
    assert str(caught.value) == (
        "huge.json: is 104,857,600 bytes, over the 20,971,520-byte limit (WAYPOINT_MAX_FILE_BYTES)"
    )


def test_a_missing_file_or_a_folder_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(FrameworkImportError, match=r"^gone.json: cannot be read"):
        load_framework(tmp_path / "gone.json", display_name="gone.json")
    with pytest.raises(FrameworkImportError, match=r"^dir.json: cannot be read"):
        load_framework(tmp_path, display_name="dir.json")
