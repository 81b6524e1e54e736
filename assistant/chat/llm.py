"""The optional LLM composer: a LangChain chat model chosen in settings (init_chat_model),
prompts from prompts/ (checked by the text loader), passages spotlighted, citations checked
against the passages given."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from jinja2 import Environment, StrictUndefined

from assistant.chat.guards import spotlight
from assistant.chat.types import Citation
from assistant.errors import WaypointError
from assistant.texts.files import load_template, load_yaml
from assistant.texts.llm_spec import SYSTEM, USER, tones_schema

LANGUAGE_NAMES = {"en": "English", "es": "Spanish (español)"}
AUDIENCES = {
    "student": "a student",
    "parent": "a parent",
    "teacher": "a teacher",
    "admin": "a school administrator",
}
CITATION = re.compile(r"\[S(\d+)\]")


class LLMUnavailableError(WaypointError):
    """The language model failed or timed out; the caller falls back to the extractive path."""


@dataclass(frozen=True)
class LLMPassage:
    citation: Citation
    text: str


@dataclass(frozen=True)
class LLMResult:
    text: str
    citations: tuple[Citation, ...]


def is_local(base_url: str | None) -> bool:
    """A model served on this machine (loopback) is not external."""
    if not base_url:
        return False
    host = urlparse(base_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LLMComposer:
    def __init__(self, model: Callable[[], Any], prompts_dir: Path) -> None:
        self._model_factory = model
        self._model: Any = None
        env = Environment(undefined=StrictUndefined, autoescape=False)
        self._system = env.from_string(load_template(prompts_dir / "llm_system.md", SYSTEM))
        self._user = env.from_string(load_template(prompts_dir / "llm_user.md", USER))
        tones = load_yaml(prompts_dir / "llm_tones.yaml", tones_schema())
        self._tones: dict[str, str] = tones["tones"]

    def messages(
        self, question: str, role: str, language: str, passages: list[LLMPassage], facts: list[str]
    ) -> list[tuple[str, str]]:
        system = self._system.render(
            audience=AUDIENCES.get(role, "a reader"),
            tone=self._tones.get(role, ""),
            language_name=LANGUAGE_NAMES.get(language, "English"),
        )
        blocks = spotlight([(f"S{i}", p.text) for i, p in enumerate(passages, start=1)])
        user = self._user.render(question=question, facts=facts, passages=blocks)
        return [("system", system), ("human", user)]

    def stream(
        self, question: str, role: str, language: str, passages: list[LLMPassage], facts: list[str]
    ) -> Iterator[str | LLMResult]:
        """Tokens as they arrive, then an LLMResult whose citations all exist."""
        messages = self.messages(question, role, language, passages, facts)
        parts: list[str] = []
        try:
            if self._model is None:
                self._model = self._model_factory()
            for chunk in self._model.stream(messages):
                token = chunk.content if isinstance(chunk.content, str) else ""
                if token:
                    parts.append(token)
                    yield token
        except Exception as exc:  # any provider error or timeout: the caller falls back
            raise LLMUnavailableError(f"{type(exc).__name__}: {exc}") from exc
        text = "".join(parts).strip()
        if not text:
            raise LLMUnavailableError("the model returned an empty answer")
        yield LLMResult(text, checked_citations(text, passages))


def checked_citations(text: str, passages: list[LLMPassage]) -> tuple[Citation, ...]:
    """The passages the answer cites, in order; ids that were never given are ignored."""
    seen: list[int] = []
    for match in CITATION.finditer(text):
        number = int(match.group(1))
        if 1 <= number <= len(passages) and number not in seen:
            seen.append(number)
    cited: dict[tuple[str, str | None], Citation] = {}
    for n in seen:
        citation = passages[n - 1].citation
        cited.setdefault((citation.source, citation.section), citation)
    return tuple(cited.values())


def make_chat_model(
    provider: str, model: str, base_url: str | None, api_key: str | None, timeout: float
) -> Callable[[], Any]:
    """A factory for a LangChain chat model; nothing is contacted until it is first used."""

    def build() -> Any:
        from langchain.chat_models import init_chat_model

        options: dict[str, Any] = {"temperature": 0.2, "timeout": timeout, "max_retries": 0}
        if base_url:
            options["base_url"] = base_url
        if api_key:
            options["api_key"] = api_key
        elif provider == "openai":
            options["api_key"] = "not-needed"  # local OpenAI-compatible servers ignore it
        return init_chat_model(model, model_provider=provider, **options)

    return build
