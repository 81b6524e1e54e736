"""pyproject.toml declares only what the project uses: every declared distribution is imported
somewhere in assistant/, ui/, evals/ or tests/, or is a tool or a provider named on purpose."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("assistant", "ui", "evals", "tests")
IMPORT = re.compile(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", re.MULTILINE)
# Declared but never imported by name, each for a reason.
NOT_IMPORTED = {
    "ruff": "a command (CI's lint and format check)",
    "mypy": "a command (CI's type check)",
    "types-pyyaml": "type stubs for mypy",
    "onnx": "needed by torch.onnx.export, which the int8 backend's one-time export calls",
    "hatchling": "the build backend, for the wheel test (pip wheel --no-build-isolation)",
    "langchain-openai": "loaded by langchain's init_chat_model(model_provider='openai')",
    "langchain-ollama": "loaded by langchain's init_chat_model(model_provider='ollama')",
    "langchain-anthropic": "loaded by langchain's init_chat_model(model_provider='anthropic')",
}
# A distribution whose import name cannot be read from an installed copy (an extra that is
# not installed here): its import names.
KNOWN_MODULES = {"psycopg": {"psycopg"}}


def _name(requirement: str) -> str:
    """The normalised distribution name of a requirement such as 'psycopg[binary]>=3.2'."""
    bare = re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", bare).lower()


def declared() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    return {_name(r) for r in requirements}


def import_names() -> dict[str, set[str]]:
    """Installed distribution -> the top-level modules it provides."""
    names: dict[str, set[str]] = {}
    for module, distributions in importlib.metadata.packages_distributions().items():
        for distribution in distributions:
            names.setdefault(_name(distribution), set()).add(module)
    return names


def imported() -> set[str]:
    found: set[str] = set()
    for folder in SOURCES:
        for path in (REPO / folder).rglob("*.py"):
            found.update(IMPORT.findall(path.read_text(encoding="utf-8", errors="replace")))
    return found


def test_requirement_names_are_normalised() -> None:
    assert _name("psycopg[binary]>=3.2") == "psycopg"
    assert _name("types-PyYAML") == "types-pyyaml"
    assert _name("python_docx >= 1.1") == "python-docx"


def test_every_declared_dependency_is_imported_or_named_as_a_tool() -> None:
    modules = import_names()
    used = imported()
    unused = []
    for distribution in sorted(declared() - set(NOT_IMPORTED)):
        provides = modules.get(distribution) or KNOWN_MODULES.get(distribution)
        if provides is None:
            pytest.fail(f"{distribution} is declared in pyproject.toml but not installed here")
        if not provides & used:
            unused.append(f"{distribution} (provides {', '.join(sorted(provides))})")
    assert unused == [], f"declared in pyproject.toml but never imported: {unused}"
