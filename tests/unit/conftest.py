from collections.abc import Iterator

import pytest

from assistant.chat.engine import ChatEngine
from assistant.container import Assistant
from assistant.container_chat import build_chat_engine
from tests.fakes.engine import demo_school
from tests.fakes.retriever import FakeRetriever, knowledge_chunks


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/unit/" in str(item.fspath):
            item.add_marker(pytest.mark.unit)


@pytest.fixture(scope="session")
def fake_retriever() -> FakeRetriever:
    """The bundled knowledge, chunked as `waypoint ingest` does, searched in memory."""
    return FakeRetriever(knowledge_chunks())


@pytest.fixture(scope="session")
def fake_school(
    tmp_path_factory: pytest.TempPathFactory, fake_retriever: FakeRetriever
) -> Iterator[Assistant]:
    """The demo school in a fresh SQLite database, over the fake retriever and embedder."""
    school = demo_school(tmp_path_factory.mktemp("fake-school") / "home", fake_retriever)
    yield school
    school.records.close()
    school.learner_db.dispose()


@pytest.fixture(scope="session")
def fake_engine(fake_school: Assistant) -> ChatEngine:
    """The conversation engine as production composes it, over the fakes: answers in well
    under a second, no model or vector store loaded."""
    return build_chat_engine(fake_school)
