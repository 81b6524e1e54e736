"""Answer templates loaded from prompts/answers.yaml, checked at start-up."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, TemplateError

from assistant.errors import WaypointError

LANGUAGES = ("en", "es")
REQUIRED = (
    "no_answer",
    "suggestions",
    "small_talk",
    "intro",
    "step",
    "no_steps",
    "need_learner",
    "not_allowed",
    "competency",
    "level",
    "fallback_notice",
    "simpler_for_parent",
    "simpler",
    "index_unavailable",
    "also_from",
    "written_for",
    "no_evidence_on",
    "yes_no",
    "level_meaning",
    "class",
    "need_user",
    "children_only",
    "which_class",
    "readiness",
    "overview",
    "listing",
    "exit_check",
    "acknowledge",
    "school",
)


class TemplateFileError(WaypointError):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")


class AnswerTemplates:
    """Renders `key.sub…` templates in a language, e.g. render("intro.resources", "es")."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise TemplateFileError(path, f"cannot be read ({exc})") from exc
        if not isinstance(data, dict) or data.get("version") != 1:
            raise TemplateFileError(path, "must be a mapping with version: 1")
        unknown = set(data) - set(REQUIRED) - {"version"}
        missing = set(REQUIRED) - set(data)
        if unknown or missing:
            raise TemplateFileError(
                path, f"unknown keys {sorted(unknown)}, missing {sorted(missing)}"
            )
        self._env = Environment(
            undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
        )
        self._templates: dict[str, Any] = {}
        self._collect(data, "")

    def _collect(self, node: Any, prefix: str) -> None:
        if not isinstance(node, dict):
            return
        if set(node) == set(LANGUAGES):
            for language, text in node.items():
                if not isinstance(text, str):
                    raise TemplateFileError(self.path, f"{prefix}.{language} must be text")
                try:
                    self._templates[f"{prefix}.{language}"] = self._env.from_string(text)
                except TemplateError as exc:
                    raise TemplateFileError(self.path, f"{prefix}.{language}: {exc}") from exc
            return
        for key, value in node.items():
            if key == "version":
                continue
            if not isinstance(value, dict):
                raise TemplateFileError(
                    self.path, f"{prefix + '.' if prefix else ''}{key} needs en and es"
                )
            self._collect(value, f"{prefix}.{key}" if prefix else str(key))

    def render(self, key: str, language: str, **values: object) -> str:
        language = language if language in LANGUAGES else "en"
        template = self._templates.get(f"{key}.{language}")
        if template is None:
            raise KeyError(f"no answer template {key!r}")
        return " ".join(template.render(**values).split())


@cache
def load_templates(prompts_dir: Path) -> AnswerTemplates:
    return AnswerTemplates(prompts_dir / "answers.yaml")
