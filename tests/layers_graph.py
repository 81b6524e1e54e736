"""The import graph between the library's packages, read from the source (no module is imported).

`python -m tests.layers_graph` prints the package graph as a Markdown table and the arrows
that go against the layer order; `--mermaid` prints a Mermaid block instead. The layer contract
test (tests/unit/test_layers.py) and docs/architecture.md both use it.

A node is a subpackage of `assistant` (`chat`), a group of top-level modules of `assistant`
(`core`, `container`, `cli`), the Streamlit front end (`ui`), or a sibling top-level package
that neither may import (`evals`, `tests`). Every `import` counts, including those inside
functions and under `if TYPE_CHECKING:`, because each one is a dependency someone has to
understand and each can close a cycle.
"""

from __future__ import annotations

import argparse
import ast
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Where = Literal["module", "function", "type-checking"]

REPO = Path(__file__).resolve().parents[1]
LIBRARY = "assistant"
# Packages whose imports are read: the library and the Streamlit pages over it.
SOURCES = (LIBRARY, "ui")

# Top-level modules of `assistant` grouped into nodes: the shared vocabulary every layer may use,
# the composition root, and the command-line front end. A module not listed is its own node.
TOP_LEVEL_GROUPS: dict[str, str] = {
    "__init__": "core",
    "settings": "core",
    "settings_groups": "core",
    "settings_services": "core",
    "errors": "core",
    "types": "core",
    "language": "core",
    "csv_safety": "core",
    "csv_rows": "core",
    "container": "container",
    "container_parts": "container",
    "container_chat": "container",
    "cli": "cli",
    "cli_api": "cli",
    "cli_case": "cli",
    "cli_chat": "cli",
    "cli_credentials": "cli",
    "cli_oneroster": "cli",
    "cli_privacy": "cli",
    "cli_ui": "cli",
}

# Sibling top-level packages of the repository that no source package may import.
OUTSIDE = ("evals", "tests")

# The layer order, lowest first. A node may import nodes of its own layer's lower layers only;
# nodes that share a layer are independent of each other (neither imports the other).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),  # settings, errors, types, language, csv_safety, csv_rows: shared vocabulary
    ("texts",),  # the one loader of the text files under prompts/, with their schemas
    ("frameworks",),  # competency frameworks, CASE, the catalog
    ("index",),  # the index records, the embedding cache and the vector store
    ("ingest", "retrieval", "learners"),  # the document index and the learner model, apart
    ("recommend", "privacy", "imports"),  # next steps, class reports; forgetting; CSV imports
    ("demo",),  # the demo school: generated files loaded through the importers
    # services over learners, recommend
    ("chat", "credentials", "oneroster", "lti", "leaders", "feedback"),
    ("app",),  # Streamlit-free page services
    ("container",),  # the composition root
    ("api", "ui"),  # the HTTP API and the Streamlit pages
    ("cli",),  # `waypoint ...`, which can also start the API
)


@dataclass(frozen=True)
class Import:
    """One import statement: the importing module, the imported module and where it is."""

    source: str  # dotted module name, e.g. assistant.chat.engine
    target: str  # dotted module name as resolved, e.g. assistant.retrieval.retriever
    line: int
    where: Where


def node_of(module: str) -> str | None:
    """The graph node of a dotted module name, or None when it is not ours (stdlib, PyPI)."""
    parts = module.split(".")
    if parts[0] in OUTSIDE or parts[0] == "ui":
        return parts[0]
    if parts[0] != LIBRARY:
        return None
    if len(parts) == 1:
        return "core"
    # A subpackage is its own node; a top-level module belongs to its group, or is its own
    # node (which then has no layer until someone places it in LAYERS).
    return TOP_LEVEL_GROUPS.get(parts[1], parts[1])


def layer_of(node: str) -> int | None:
    """The index of a node's layer in LAYERS, or None for nodes outside the library."""
    for index, layer in enumerate(LAYERS):
        if node in layer:
            return index
    return None


def is_wrong_way(source_node: str, target_node: str) -> bool:
    """Whether an arrow source → target breaks the layer order (or leaves the library)."""
    if source_node == target_node:
        return False
    if target_node in OUTSIDE:
        return True
    source_layer, target_layer = layer_of(source_node), layer_of(target_node)
    if source_layer is None or target_layer is None:
        return True  # a node missing from LAYERS must be placed before it may import or be used
    return target_layer >= source_layer


def module_name(path: Path, root: Path = REPO) -> str:
    """The dotted module name of a source file under the repository root."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve_relative(source: str, is_package: bool, level: int, module: str | None) -> str:
    base = source.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def _is_type_checking(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


# What can hold a statement: an import is one, so expressions (most of a tree) are not walked.
_BLOCKS = (ast.stmt, ast.excepthandler, ast.match_case)


def _walk(tree: ast.AST) -> Iterator[tuple[ast.AST, Where]]:
    """Every statement of a tree (and the except and case clauses that hold statements), with
    where it sits: module level, a function body, or an `if TYPE_CHECKING:` block."""
    stack: list[tuple[ast.AST, Where]] = [(tree, "module")]
    while stack:
        node, where = stack.pop()
        yield node, where
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            inner: Where = "function"
        elif _is_type_checking(node) and where == "module":
            inner = "type-checking"
        else:
            inner = where
        stack.extend(
            (child, inner) for child in ast.iter_child_nodes(node) if isinstance(child, _BLOCKS)
        )


def imports_in(path: Path, root: Path = REPO) -> list[Import]:
    """The imports of one source file, including those inside functions."""
    source = module_name(path, root)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Import] = []
    for node, where in _walk(tree):
        if isinstance(node, ast.Import):
            found.extend(Import(source, alias.name, node.lineno, where) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _resolve_relative(source, is_package, node.level, node.module)
            else:
                base = node.module or ""
            # `from assistant.chat import engine` imports assistant.chat.engine when that is a
            # module; otherwise the name is an attribute of `base`.
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                is_module = (root / Path(*candidate.split("."))).with_suffix(".py").is_file() or (
                    root / Path(*candidate.split(".")) / "__init__.py"
                ).is_file()
                found.append(Import(source, candidate if is_module else base, node.lineno, where))
    return sorted(set(found), key=lambda i: (i.source, i.line, i.target))


def source_files(root: Path = REPO) -> list[Path]:
    """Every Python source file of the library and of the Streamlit pages."""
    return sorted(path for package in SOURCES for path in (root / package).rglob("*.py"))


def library_imports(root: Path = REPO) -> list[Import]:
    """Every import in the sources whose target is one of the repository's own packages."""
    return [
        imp
        for path in source_files(root)
        for imp in imports_in(path, root)
        if node_of(imp.target) is not None
    ]


def package_graph(imports: Iterable[Import]) -> dict[tuple[str, str], list[Import]]:
    """Arrows between nodes (source node, target node) with the imports behind each arrow."""
    graph: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for imp in imports:
        source_node, target_node = node_of(imp.source), node_of(imp.target)
        if source_node is None or target_node is None or source_node == target_node:
            continue
        graph[(source_node, target_node)].append(imp)
    return dict(graph)


def wrong_way(imports: Iterable[Import]) -> set[tuple[str, str]]:
    """(importing module, imported node) for every import that breaks the layer order."""
    found: set[tuple[str, str]] = set()
    for imp in imports:
        source_node, target_node = node_of(imp.source), node_of(imp.target)
        if source_node is None or target_node is None:
            continue
        if is_wrong_way(source_node, target_node):
            found.add((imp.source, target_node))
    return found


def module_cycles(imports: Iterable[Import]) -> list[frozenset[str]]:
    """Groups of library modules that import each other, directly or through others
    (strongly connected components of more than one module), largest first."""
    edges: dict[str, set[str]] = defaultdict(set)
    for imp in imports:
        if imp.target.startswith(LIBRARY + ".") and imp.target != imp.source:
            edges[imp.source].add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[frozenset[str]] = []

    def visit(start: str) -> None:  # iterative Tarjan, so deep graphs do not hit recursion limits
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(frozenset(group))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return sorted(groups, key=lambda g: (-len(g), sorted(g)))


def _nodes(graph: dict[tuple[str, str], list[Import]]) -> list[str]:
    names = {name for arrow in graph for name in arrow}
    return sorted(names, key=lambda n: (layer_of(n) if layer_of(n) is not None else 99, n))


def markdown_table(imports: list[Import]) -> str:
    """One row per node: its layer, what it imports, and which of those arrows are wrong."""
    graph = package_graph(imports)
    lines = [
        "| layer | package | imports | wrong-way arrows |",
        "|---|---|---|---|",
    ]
    for node in _nodes(graph):
        if node in OUTSIDE:
            continue
        targets = sorted(
            (t for (s, t) in graph if s == node),
            key=lambda n: (layer_of(n) if layer_of(n) is not None else 99, n),
        )
        ok = [t for t in targets if not is_wrong_way(node, t)]
        bad = [f"**{t}** ({len(graph[(node, t)])})" for t in targets if is_wrong_way(node, t)]
        layer = layer_of(node)
        lines.append(
            f"| {'?' if layer is None else layer} | {node} | {', '.join(ok) or '–'} "
            f"| {', '.join(bad) or '–'} |"
        )
    return "\n".join(lines)


def mermaid(imports: list[Import]) -> str:
    """The package graph as a Mermaid flowchart; wrong-way arrows are dotted and labelled."""
    graph = package_graph(imports)
    lines = ["```mermaid", "flowchart BT"]
    for source, target in sorted(graph):
        if is_wrong_way(source, target):
            lines.append(f"  {source} -. {len(graph[(source, target)])} .-> {target}")
        else:
            lines.append(f"  {source} --> {target}")
    lines.append("```")
    return "\n".join(lines)


PLACES: dict[Where, str] = {
    "module": "at module level",
    "function": "inside a function",
    "type-checking": "under TYPE_CHECKING",
}


def violations_report(imports: list[Import]) -> str:
    """Every import that breaks the layer order, one line each, with file and line."""
    lines: list[str] = []
    for imp in sorted(set(imports), key=lambda i: (i.source, i.line, i.target)):
        source_node, target_node = node_of(imp.source), node_of(imp.target)
        if source_node and target_node and is_wrong_way(source_node, target_node):
            lines.append(
                f"- {source_node} → {target_node}: `{imp.source}` imports `{imp.target}` "
                f"(line {imp.line}, {PLACES[imp.where]})"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mermaid", action="store_true", help="print a Mermaid block")
    parser.add_argument("--cycles", action="store_true", help="list module import cycles")
    args = parser.parse_args(argv)
    imports = library_imports()
    print(mermaid(imports) if args.mermaid else markdown_table(imports))
    print()
    print(violations_report(imports))
    if args.cycles:
        print()
        for group in module_cycles(imports):
            print("- " + " ↔ ".join(sorted(group)))


if __name__ == "__main__":
    main()
