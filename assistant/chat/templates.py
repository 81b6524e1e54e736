"""Answer templates loaded from prompts/answers.yaml through the one text loader."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Template

from assistant.errors import TemplateError
from assistant.texts.answers_spec import ANSWER_NAMES, answers_schema
from assistant.texts.files import load_yaml
from assistant.texts.placeholders import JINJA

LANGUAGES = ("en", "es")
# The error this module raised before the one text loader; the same class now.
TemplateFileError = TemplateError


class AnswerTemplates:
    """Renders `key.sub…` templates in a language, e.g. render("intro.resources", "es"); the
    file is checked by the text loader against texts/answers_spec.py (keys and variables)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        data = load_yaml(path, answers_schema())
        self._templates: dict[str, Template] = {}
        for key in ANSWER_NAMES:
            node: Any = data
            for part in key.split("."):
                node = node[part]
            for language in LANGUAGES:
                self._templates[f"{key}.{language}"] = JINJA.from_string(node[language])

    def render(self, key: str, language: str, **values: object) -> str:
        language = language if language in LANGUAGES else "en"
        template = self._templates.get(f"{key}.{language}")
        if template is None:
            raise KeyError(f"no answer template {key!r}")
        return " ".join(template.render(**values).split())


@cache
def load_templates(prompts_dir: Path) -> AnswerTemplates:
    return AnswerTemplates(prompts_dir / "answers.yaml")
