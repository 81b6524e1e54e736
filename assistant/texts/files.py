"""Reading the text files under prompts/ and checking each against its schema.

`PROMPT_FILES` names every file the folder holds and how it is checked; `validate_prompts`
checks them all (the container calls it when it is built, and a unit test runs it over the
shipped folder), so a bad or unknown file fails at start-up, not when a page first shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import TemplateError
from assistant.texts.answers_spec import answers_schema
from assistant.texts.intents_spec import intents_schema
from assistant.texts.llm_spec import SYSTEM, USER, tones_schema
from assistant.texts.reasons_spec import reasons_schema
from assistant.texts.schema import Node, Text, check
from assistant.texts.ui_spec import check_ui

SPANISH_REASONS = "reasons.es.yaml"
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when built with it: 10x faster


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(path, f"cannot be read ({exc.strerror or exc})") from exc


def read_yaml(path: Path) -> Any:
    text = read_text(path)
    try:
        return yaml.load(text, Loader=LOADER)  # a safe loader
    except yaml.YAMLError as exc:
        raise TemplateError(path, f"is not valid YAML ({exc})") from exc


def load_yaml(path: Path, schema: Node) -> Any:
    """The file's data, checked against `schema`."""
    data = read_yaml(path)
    check(path, data, schema)
    return data


def load_template(path: Path, schema: Text) -> str:
    """A whole-file template (e.g. llm_system.md), its placeholders checked."""
    text = read_text(path)
    check(path, text, schema)
    return text


def load_ui(path: Path) -> Any:
    data = read_yaml(path)
    check_ui(path, data)
    return data


Checker = Callable[[Path], object]

PROMPT_FILES: dict[str, Checker] = {
    "answers.yaml": lambda path: load_yaml(path, answers_schema()),
    "intents.yaml": lambda path: load_yaml(path, intents_schema()),
    "llm_system.md": lambda path: load_template(path, SYSTEM),
    "llm_user.md": lambda path: load_template(path, USER),
    "llm_tones.yaml": lambda path: load_yaml(path, tones_schema()),
    "reasons.yaml": lambda path: load_yaml(path, reasons_schema()),
    SPANISH_REASONS: lambda path: load_yaml(path, reasons_schema()),
    "ui.yaml": load_ui,
}


def validate_prompts(prompts_dir: Path) -> None:
    """Check every file of the folder; a file no schema names is refused too. A folder whose
    files have not changed since they passed in this process is not read again."""
    stamp = _stamp(prompts_dir)
    if stamp in _PASSED:
        return
    for name, checker in PROMPT_FILES.items():
        checker(prompts_dir / name)
    unknown = sorted(
        p.name for p in prompts_dir.iterdir() if p.is_file() and p.name not in PROMPT_FILES
    )
    if unknown:
        raise TemplateError(prompts_dir, f"unknown text file(s) {', '.join(unknown)}")
    _PASSED.add(stamp)


_PASSED: set[tuple[object, ...]] = set()


def _stamp(prompts_dir: Path) -> tuple[object, ...]:
    """The folder and each file's name, size and modification time."""
    try:
        found = sorted(
            (p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in prompts_dir.iterdir()
        )
    except OSError as exc:
        raise TemplateError(prompts_dir, f"cannot be read ({exc.strerror or exc})") from exc
    return (str(prompts_dir.resolve()), *found)
