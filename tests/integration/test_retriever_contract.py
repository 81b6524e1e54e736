"""One contract, two implementations: the real HybridRetriever (the bundled knowledge and the
CASE samples ingested with the real model into Chroma) and the in-memory fake the fast engine
tests use (tests/fakes/retriever.py). Both must honour the filters, return the questions a
section lists only when asked for, lead from any passage to its section's first one and give
its whole text, and put a competency first when its code is asked for; and the fake must search
what ingest records."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.container import Assistant
from assistant.retrieval.retriever import Mode, PassageSource, SearchFilters
from assistant.settings import BUNDLED_KNOWLEDGE
from assistant.types import QUESTION
from tests.fakes.retriever import FakeRetriever, knowledge_chunks

LEVELS_GUIDE = "guides/students/what-the-levels-mean.en.md"


@pytest.fixture(scope="module")
def fake(case_samples: Path) -> FakeRetriever:
    return FakeRetriever(knowledge_chunks(BUNDLED_KNOWLEDGE) + knowledge_chunks(case_samples))


@pytest.fixture(params=["real", "fake"])
def retriever(request: pytest.FixtureRequest) -> PassageSource:
    if request.param == "real":
        assistant: Assistant = request.getfixturevalue("bundled_assistant")
        return assistant.retriever
    found: FakeRetriever = request.getfixturevalue("fake")
    return found


def test_the_fake_searches_exactly_the_chunks_ingest_records(
    bundled_assistant: Assistant, fake: FakeRetriever
) -> None:
    recorded = {c.id: c for c in bundled_assistant.records.all_chunks()}
    assert recorded.keys() == {c.id for c in fake.chunks}
    assert all(recorded[c.id].metadata == c.metadata for c in fake.chunks)


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("what do the levels mean", SearchFilters(audience="parents")),
        ("unit price at the grocery store", SearchFilters(doc_type="resource")),
        ("¿qué significa un 2?", SearchFilters(language="es")),
        ("how do I group students", SearchFilters(audience="teachers", language="en")),
        ("unit rate", SearchFilters(doc_type="competency", framework="What Standards Could Be")),
        ("is a 2 failing", SearchFilters(doc_type=QUESTION, audience="students")),
    ],
)
@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_every_hit_passes_the_filters(
    retriever: PassageSource, query: str, filters: SearchFilters, mode: Mode
) -> None:
    hits = retriever.search(query, k=12, filters=filters, mode=mode)
    assert hits
    assert len(hits) <= 12
    assert all(filters.accepts(hit.chunk) for hit in hits), [h.chunk.metadata for h in hits]
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)


def test_listed_questions_are_found_only_when_asked_for(retriever: PassageSource) -> None:
    question = "is a 2 failing"
    everything = retriever.search(question, k=40)
    assert everything
    assert all(h.chunk.metadata.get("doc_type") != QUESTION for h in everything)
    asked = retriever.search(question, k=10, filters=SearchFilters(doc_type=QUESTION))
    assert asked and all(h.chunk.metadata.get("doc_type") == QUESTION for h in asked)
    # a listed question typed as it is listed is found among the first few
    listed = asked[0].chunk
    again = retriever.search(listed.text, k=10, filters=SearchFilters(doc_type=QUESTION))
    assert listed.id in [h.chunk.id for h in again]


def test_opening_leads_from_any_passage_to_part_0_of_its_section(
    retriever: PassageSource,
) -> None:
    hits = retriever.search("what does a 3 mean", k=10, filters=SearchFilters(doc_type=QUESTION))
    hits += retriever.search("flexible groups share four features one competency", k=10)
    later = [h.chunk for h in hits if h.chunk.metadata.get("part")]
    assert any(c.metadata.get("doc_type") == QUESTION for c in later)
    assert any(c.metadata.get("doc_type") == "guide" for c in later)  # a long section's part 1
    for chunk in later:
        first = retriever.opening(chunk)
        assert not first.metadata.get("part"), first.metadata
        assert first.metadata.get("doc_type") != QUESTION
        assert (first.source, first.metadata.get("section")) == (
            chunk.source,
            chunk.metadata.get("section"),
        )
        assert retriever.opening(first) == first


def test_section_body_is_the_whole_section_from_any_of_its_parts(
    retriever: PassageSource,
) -> None:
    hits = retriever.search("flexible groups share four features one competency", k=10)
    later = [h.chunk for h in hits if h.chunk.metadata.get("part")]
    assert later
    for chunk in later:
        first = retriever.opening(chunk)
        whole = retriever.section_body(chunk)
        assert whole == retriever.section_body(first)
        # both parts are in it, the heading line the chunker adds to each part is not
        for part in (first, chunk):
            body = part.text.split("\n\n", 1)[1]
            assert " ".join(body.split()[-12:]) in " ".join(whole.split())
        assert chunk.title not in whole.split("\n\n")[0]
        assert "\n\n".join(whole.split("\n\n")[:1]) in first.text


def test_a_listed_question_leads_to_the_section_that_lists_it(retriever: PassageSource) -> None:
    asked = retriever.search(
        "what does a 3 mean", k=10, filters=SearchFilters(doc_type=QUESTION, audience="students")
    )
    from_levels = [h.chunk for h in asked if h.chunk.source == LEVELS_GUIDE]
    assert from_levels
    for chunk in from_levels:
        section = retriever.opening(chunk)
        assert chunk.text in str(section.metadata.get("questions", "")).split("\n")


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("M.6.RP.2", "M.6.RP.2"),
        ("what does a 3 on m.7.ee.4 mean", "M.7.EE.4"),
        ("help with H.CL.A.1", "H.CL.A.1"),
        ("7.RP.A.2", "CCSS.Math.Content.7.RP.A.2"),
    ],
)
def test_a_code_puts_its_competency_first(retriever: PassageSource, query: str, code: str) -> None:
    hit = retriever.search(query, k=5)[0]
    assert hit.code_match
    assert hit.chunk.metadata["code"] == code
    assert hit.chunk.metadata["section"] == "Competency"
