"""The demo school over the fakes, for a ChatEngine built by the composition root itself
(`assistant.container_chat.build_chat_engine(demo_school(...))`): the fake embedder stands in
for the model and the in-memory retriever for Chroma and the index records; templates, intents,
frameworks, translations and the learner model (SQLite) are the real ones."""

from __future__ import annotations

from pathlib import Path

from assistant.container import Assistant, build_assistant
from assistant.retrieval.retriever import PassageSource
from assistant.settings import Settings
from tests.fakes.embedder import FakeEmbedder
from tests.support_demo import copy_demo_home


def demo_school(home: Path, retriever: PassageSource) -> Assistant:
    """An assistant over a new learner database under `home` holding the demo school, whose
    embedder is the fake (nothing here can load the real model) and whose retriever is
    `retriever`. The school is a copy of one loaded once per test process (tests/support_demo)."""
    copy_demo_home(home)
    assistant = build_assistant(Settings(profile="test", home=home), embedder=FakeEmbedder())
    vars(assistant)["retriever"] = retriever  # fills the cached property: no Chroma is opened
    return assistant
