"""The layer contract: no import goes against the layer order except the known ones, which only
shrink; the library never imports `evals` or `tests`; no new import cycle between modules.

The graph is read from the source with `ast` (tests/layers_graph.py); nothing is imported.
`python -m tests.layers_graph` prints the package graph and every wrong-way import.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.layers_graph import (
    LAYERS,
    OUTSIDE,
    REPO,
    SOURCES,
    Import,
    is_wrong_way,
    library_imports,
    module_cycles,
    node_of,
    wrong_way,
)

# (importing module, imported package) pairs that break the layer order today. Each names the
# work that removes it (issue 16). When you remove one, delete its line here: the test fails
# while a listed violation no longer exists, so this list can only shrink.
KNOWN_VIOLATIONS: frozenset[tuple[str, str]] = frozenset()

# Groups of modules that import each other (directly or through others), today. Same rule:
# a new cycle fails, and a listed cycle that is gone must be deleted here.
KNOWN_CYCLES: frozenset[frozenset[str]] = frozenset()


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    return library_imports()


def _where(found: set[tuple[str, str]], imports: list[Import]) -> str:
    lines = [
        f"  {imp.source} imports {imp.target} (line {imp.line}, {imp.where})"
        for imp in imports
        if (imp.source, node_of(imp.target)) in found
    ]
    return "\n".join(sorted(set(lines)))


def test_every_package_has_exactly_one_layer(imports: list[Import]) -> None:
    placed = [node for layer in LAYERS for node in layer]
    assert len(placed) == len(set(placed)), "a package is placed in two layers"
    subpackages = {
        path.parent.name for path in (REPO / "assistant").glob("*/__init__.py") if path.is_file()
    }
    nodes = {node_of(imp.source) for imp in imports} | subpackages
    unplaced = sorted(n for n in nodes if n is not None and n not in placed)
    assert not unplaced, f"place these in LAYERS (tests/layers_graph.py): {unplaced}"


def test_no_import_goes_against_the_layers(imports: list[Import]) -> None:
    new = wrong_way(imports) - KNOWN_VIOLATIONS
    assert not new, (
        "these imports go against the layer order in tests/layers_graph.py "
        "(import downwards only; siblings in one layer stay independent):\n" + _where(new, imports)
    )


def test_known_violations_only_shrink(imports: list[Import]) -> None:
    gone = KNOWN_VIOLATIONS - wrong_way(imports)
    assert not gone, (
        f"these known violations no longer exist; delete them from KNOWN_VIOLATIONS: {sorted(gone)}"
    )


def test_library_and_pages_never_import_evals_or_tests(imports: list[Import]) -> None:
    outside = {
        (imp.source, node)
        for imp in imports
        if (node := node_of(imp.target)) in OUTSIDE and imp.source.split(".")[0] in SOURCES
    }
    new = outside - KNOWN_VIOLATIONS
    assert not new, (
        f"{', '.join(SOURCES)} must not import {', '.join(OUTSIDE)} (the wheel does not ship "
        "them):\n" + _where(new, imports)
    )


def test_no_new_import_cycle(imports: list[Import]) -> None:
    cycles = set(module_cycles(imports))
    new = sorted(sorted(group) for group in cycles - KNOWN_CYCLES)
    gone = sorted(sorted(group) for group in KNOWN_CYCLES - cycles)
    assert not new, f"these modules now import each other: {new}"
    assert not gone, f"these cycles are gone; delete them from KNOWN_CYCLES: {gone}"


# The checker itself, on small scratch trees: it must see every kind of import.


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "text",
    [
        "from assistant.chat.engine import ChatEngine\n",
        "import assistant.chat.engine\n",
        "def f() -> None:\n    from assistant.chat import engine\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..chat import engine\n",
        "class A:\n    def f(self) -> None:\n        import assistant.chat\n",
    ],
    ids=["from", "import", "in-function", "relative-type-checking", "in-method"],
)
def test_checker_sees_a_wrong_way_import(tmp_path: Path, text: str) -> None:
    root = _tree(
        tmp_path,
        {
            "assistant/__init__.py": "",
            "assistant/chat/__init__.py": "",
            "assistant/chat/engine.py": "from assistant.frameworks.model import Code\n",
            "assistant/frameworks/__init__.py": "",
            "assistant/frameworks/model.py": text,
        },
    )
    found = wrong_way(library_imports(root))
    assert found == {("assistant.frameworks.model", "chat")}


def test_checker_sees_the_library_importing_evals_and_a_cycle(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "assistant/__init__.py": "",
            "assistant/cli.py": "def run() -> None:\n    from evals.__main__ import main\n",
            "assistant/recommend/__init__.py": "",
            "assistant/recommend/a.py": "def f() -> None:\n    from . import b\n",
            "assistant/recommend/b.py": "from assistant.recommend import a\n",
            "ui/__init__.py": "",
            "ui/app.py": "import tests.fakes\nfrom assistant.recommend import a\n",
        },
    )
    found = library_imports(root)
    assert wrong_way(found) == {("assistant.cli", "evals"), ("ui.app", "tests")}
    assert module_cycles(found) == [frozenset({"assistant.recommend.a", "assistant.recommend.b"})]


def test_the_layer_order_reads_downwards() -> None:
    assert not is_wrong_way("chat", "retrieval")
    assert is_wrong_way("retrieval", "chat")
    assert is_wrong_way("ingest", "retrieval")  # siblings stay independent
    assert is_wrong_way("learners", "ingest")
    assert is_wrong_way("cli", "evals")
    assert is_wrong_way("frameworks", "newpackage")  # an unplaced package is never below
