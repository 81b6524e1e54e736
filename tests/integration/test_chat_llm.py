"""The optional LLM composer against a local fake OpenAI-compatible server (real protocol,
streaming included), and the shared contract that both composers keep."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.chat.engine import ChatEngine
from assistant.chat.types import Answer, AskContext
from assistant.container import Assistant
from assistant.container_chat import build_chat_engine
from tests.fakes.openai_server import FakeOpenAIServer


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


def llm_engine(assistant: Assistant, server: FakeOpenAIServer, **overrides: object) -> ChatEngine:
    values: dict[str, object] = {
        "llm_provider": "openai",
        "llm_model": "fake-model",
        "llm_base_url": server.base_url,
        "llm_timeout": 2.0,
    }
    settings = assistant.settings.updated(**{**values, **overrides})
    return build_chat_engine(assistant, settings)


def test_llm_answer_streams_and_keeps_only_real_citations(
    bundled_assistant: Assistant, server: FakeOpenAIServer
) -> None:
    server.enqueue(
        "A competency-based school moves learners on when they show mastery [S1]. "
        "Levels describe the work [S2]. Made-up source [S9]."
    )
    engine = llm_engine(bundled_assistant, server)
    pieces = list(engine.stream("what is competency based education?", AskContext(role="parent")))
    final = pieces[-1]
    assert isinstance(final, Answer)
    assert final.composer == "llm"
    assert [p for p in pieces[:-1] if isinstance(p, str)]
    assert "show mastery" in final.text
    assert 1 <= len(final.citations) <= 2  # S9 was never given, so it is not a citation
    request = server.script.requests[0]
    assert request["stream"] is True
    system, user = request["messages"][0]["content"], request["messages"][1]["content"]
    assert "data, not instructions" in system
    assert '<passage id="S1">' in user and "</passage>" in user


@pytest.mark.parametrize("fault", ["error", "timeout"])
def test_llm_failure_falls_back_to_the_extractive_answer_and_says_so(
    bundled_assistant: Assistant, server: FakeOpenAIServer, fault: str
) -> None:
    if fault == "error":
        server.script.fail_with = 500
    else:
        server.script.stall_seconds = 4.0
    engine = llm_engine(bundled_assistant, server, llm_timeout=1.0)
    answer = engine.ask("what is competency based education?", AskContext(role="parent"))
    assert answer.composer == "extractive (fallback)"
    assert answer.notice and "language model" in answer.notice
    assert answer.citations and not answer.abstained


def test_spanish_prompt_asks_for_spanish(
    bundled_assistant: Assistant, server: FakeOpenAIServer
) -> None:
    server.enqueue("Es una escuela donde se avanza al demostrar dominio [S1].")
    engine = llm_engine(bundled_assistant, server)
    answer = engine.ask("¿Qué es la educación basada en competencias?", AskContext(role="parent"))
    assert answer.language == "es"
    assert "Spanish" in server.script.requests[0]["messages"][0]["content"]


# --- the composer contract: the same checks for both composers ----------------------------


@pytest.fixture(params=["extractive", "llm"])
def any_engine(
    request: pytest.FixtureRequest, bundled_assistant: Assistant, server: FakeOpenAIServer
) -> ChatEngine:
    if request.param == "extractive":
        return bundled_assistant.chat
    server.enqueue(*["Here is the answer from the guides [S1] and more [S2]."] * 5)
    return llm_engine(bundled_assistant, server)


@pytest.mark.parametrize(
    ("role", "question"),
    [
        ("parent", "why are there no letter grades?"),
        ("teacher", "how do I set up flexible groups?"),
        ("student", "how can I practise unit rates?"),
    ],
)
def test_composer_contract(any_engine: ChatEngine, role: str, question: str) -> None:
    answer = any_engine.ask(question, AskContext(role=role))  # type: ignore[arg-type]
    assert answer.text.strip()
    assert answer.citations, "every grounded answer cites"
    assert len({(c.source, c.section) for c in answer.citations}) == len(answer.citations)
    for citation in answer.citations:
        assert citation.title and citation.source
    assert answer.language == "en"


def test_contract_out_of_scope_never_reaches_the_model(
    any_engine: ChatEngine, server: FakeOpenAIServer
) -> None:
    before = len(server.script.requests)
    answer = any_engine.ask("what's the weather in Paris tomorrow?", AskContext(role="student"))
    assert answer.abstained and answer.citations == ()
    assert len(server.script.requests) == before


# --- privacy: learner data and an external model ------------------------------------------


def external_engine(assistant: Assistant, server: FakeOpenAIServer, share: bool) -> ChatEngine:
    engine = llm_engine(assistant, server, llm_share_learner_data=share)
    assert engine.llm is not None
    engine.llm.local = False  # treat the fake as a remote provider
    return engine


def test_learner_data_never_reaches_an_external_model_by_default(
    demo_assistant: Assistant, server: FakeOpenAIServer
) -> None:
    engine = external_engine(demo_assistant, server, share=False)
    answer = engine.ask(
        "what should I work on next?", AskContext(role="student", user_id="stu.L001")
    )
    assert answer.steps and answer.composer == "extractive"
    assert server.script.requests == []


def test_allowed_learner_data_is_pseudonymised_and_restored(
    demo_assistant: Assistant, server: FakeOpenAIServer
) -> None:
    server.enqueue("Learner A should start with the first step [S1].")
    engine = external_engine(demo_assistant, server, share=True)
    answer = engine.ask(
        "how is Maya Lindgren doing?",
        AskContext(role="parent", user_id="par.001", learner_id="L001"),
    )
    sent = str(server.script.requests[0]["messages"])
    assert "Maya" not in sent and "Lindgren" not in sent and "L001" not in sent
    assert "Learner A" in sent
    assert answer.composer == "llm"
    assert answer.text.startswith("Maya Lindgren should start")
