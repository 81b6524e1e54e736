"""The composition root's factory of the conversation engine: `container.Assistant.chat` builds
it again whenever the catalog's parts are swapped, and tests build one over their own settings."""

from __future__ import annotations

from typing import Protocol

from assistant.chat.engine import ChatEngine
from assistant.chat.intents import IntentClassifier, load_intent_spec
from assistant.chat.learner_services import LearnerServices
from assistant.chat.llm import LLMComposer, is_local, make_chat_model
from assistant.chat.llm_path import LLMPath
from assistant.chat.sections import SectionPicker
from assistant.chat.templates import load_templates
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.frameworks.translations import Translations
from assistant.index.records import IndexRecords
from assistant.retrieval.embeddings import CachedEmbeddings
from assistant.retrieval.retriever import HybridRetriever
from assistant.settings import Settings


class ChatParts(Protocol):
    """The parts of `container.Assistant` the engine is built from."""

    @property
    def settings(self) -> Settings: ...
    @property
    def embeddings(self) -> CachedEmbeddings: ...
    @property
    def retriever(self) -> HybridRetriever: ...
    @property
    def records(self) -> IndexRecords: ...
    @property
    def catalog(self) -> FrameworkCatalog: ...
    @property
    def chat_learners(self) -> LearnerServices: ...


def build_chat_engine(assistant: ChatParts, settings: Settings | None = None) -> ChatEngine:
    """A conversation engine over the assistant's index and learner model.

    `settings` may differ from the assistant's in the chat and LLM fields only (tests use this
    to point one engine at a local fake model server)."""
    s = settings or assistant.settings
    templates = load_templates(s.prompts_dir)
    embed = assistant.embeddings.embed_rows  # questions are never cached on disk
    llm = None
    m = s.llm
    if m.provider:
        composer = LLMComposer(
            make_chat_model(m.provider, m.model, m.base_url, m.api_key, m.timeout), s.prompts_dir
        )
        llm = LLMPath(
            composer,
            templates,
            share_learner_data=m.share_learner_data,
            local=is_local(m.base_url),
            learners=lambda: assistant.chat_learners,
        )
    return ChatEngine(
        retriever=assistant.retriever,
        classifier=IntentClassifier(load_intent_spec(s.prompts_dir / "intents.yaml"), embed),
        picker=SectionPicker(embed, assistant.records.checks),
        translations=Translations.load(s.knowledge_dir),
        templates=templates,
        catalog=lambda: assistant.catalog,
        learners=lambda: assistant.chat_learners,
        limits=s.chat,
        llm=llm,
    )
