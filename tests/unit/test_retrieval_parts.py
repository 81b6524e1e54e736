"""Code detection, rank fusion, BM25 tokens, settings and store errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import StoreUnavailableError
from assistant.frameworks.codes import code_matches, codes_in, rank_code_matches
from assistant.index.vectorstore import store_errors
from assistant.retrieval.fusion import reciprocal_rank_fusion
from assistant.retrieval.lexical import LexicalIndex, tokens
from assistant.retrieval.retriever import SearchFilters
from assistant.settings import Settings
from assistant.types import make_chunk


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("what is 7.RP.A.2?", ["7.RP.A.2"]),
        ("help with M.6.3 please", ["M.6.3"]),
        ("M.6.RP.1 and M.7.EE.4", ["M.6.RP.1", "M.7.EE.4"]),
        ("costs 3.50 dollars", []),
        ("what does a 3 mean", []),
        ("¿qué es H.SD.A.1?", ["H.SD.A.1"]),
    ],
)
def test_codes_in_queries(query: str, codes: list[str]) -> None:
    assert codes_in(query) == codes


def test_code_match_is_exact_or_a_dotted_suffix() -> None:
    assert code_matches("CCSS.Math.Content.7.RP.A.2", "7.RP.A.2") == 1
    assert code_matches("M.6.RP.1", "m.6.rp.1") == 2
    assert code_matches("CCSS.Math.Content.7.RP.A.2a", "7.RP.A.2") == 0
    assert code_matches("M.6.RP.11", "6.RP.1") == 0


def test_exact_code_before_suffix_and_core_before_levels() -> None:
    def chunk(code: str, section: str) -> object:
        return make_chunk("fw", f"{code} {section}", {"code": code, "section": section})

    chunks = [
        chunk("X.7.RP.A.2", "Competency"),
        chunk("7.RP.A.2", "Proficiency levels"),
        chunk("7.RP.A.2", "Competency"),
        chunk("7.RP.A.3", "Competency"),
    ]
    ranked = rank_code_matches(["7.RP.A.2"], chunks)  # type: ignore[arg-type]
    assert [(c.metadata["code"], c.metadata["section"]) for c in ranked] == [
        ("7.RP.A.2", "Competency"),
        ("7.RP.A.2", "Proficiency levels"),
        ("X.7.RP.A.2", "Competency"),
    ]


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    scores = reciprocal_rank_fusion([(["a", "b", "c"], 1.0), (["b", "d", "e"], 1.0)], k=60)
    assert max(scores, key=scores.__getitem__) == "b"
    assert scores["a"] == pytest.approx(1 / 61)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)
    weighted = reciprocal_rank_fusion([(["a"], 2.0), (["b"], 1.0)], k=60)
    assert weighted["a"] == pytest.approx(2 * weighted["b"])


def test_tokens_keep_codes_whole_and_drop_stop_words() -> None:
    words = tokens("What is M.6.RP.1 about?")
    assert "m.6.rp.1" in words and "rp" in words
    assert "is" not in words
    assert "para" not in tokens("ayuda para mi hijo")


def test_bm25_finds_the_passage_with_the_rare_word() -> None:
    chunks = [
        make_chunk("a", "Unit rates tell how much for one.", {}),
        make_chunk("b", "Scientific notation writes huge numbers compactly.", {}),
    ]
    hits = LexicalIndex(chunks).search("scientific notation", 5)
    assert hits[0][0].source == "b"
    assert len(hits) == 1


def test_audience_filter_keeps_the_audience_and_all() -> None:
    filters = SearchFilters(audience="parents")
    assert filters.accepts(make_chunk("a", "x", {"audience": "parents"}))
    assert filters.accepts(make_chunk("a", "x", {"audience": "all"}))
    assert not filters.accepts(make_chunk("a", "x", {"audience": "teachers"}))
    assert filters.chroma_where() == {
        "$and": [{"audience": {"$in": ["parents", "all"]}}, {"doc_type": {"$ne": "question"}}]
    }


def test_listed_questions_are_found_only_when_asked_for() -> None:
    question = make_chunk("g.md", "is a 2 failing", {"doc_type": "question", "section": "S"})
    passage = make_chunk("g.md", "A 2 means Developing.", {"doc_type": "guide", "section": "S"})
    everything = SearchFilters()
    assert everything.accepts(passage) and not everything.accepts(question)
    assert everything.chroma_where() == {"doc_type": {"$ne": "question"}}
    asked = SearchFilters(doc_type="question")
    assert asked.accepts(question) and not asked.accepts(passage)
    assert asked.chroma_where() == {"doc_type": "question"}


def test_settings_from_environment_and_test_profile(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WAYPOINT_HOME", str(tmp_path))
    monkeypatch.setenv("WAYPOINT_CHUNK_SIZE", "700")
    settings = Settings()
    assert settings.home == tmp_path
    assert settings.ingest.chunk_size == 700
    assert settings.index_db == tmp_path / "index.sqlite3"
    assert settings.show_progress is True
    monkeypatch.setenv("WAYPOINT_PROFILE", "test")
    assert Settings().show_progress is False


def test_overlap_must_be_smaller_than_chunk_size() -> None:
    with pytest.raises(ValueError, match="chunk_overlap"):
        Settings(chunk_size=300, chunk_overlap=300)


def test_passages_linked_to_a_code_by_front_matter() -> None:
    from assistant.frameworks.codes import linked_to_codes

    chunks = [
        make_chunk("a.md", "unit prices", {"competencies": "M.6.RP.5,M.6.RP.2"}),
        make_chunk("b.md", "ratios", {"competencies": "M.6.RP.1"}),
        make_chunk("c.md", "no links", {}),
        make_chunk("d.md", "similar code", {"competencies": "M.6.RP.55"}),
    ]
    assert [c.source for c in linked_to_codes(["m.6.rp.5"], chunks)] == ["a.md"]
    assert linked_to_codes([], chunks) == []


class PanicException(BaseException):
    """The shape of pyo3's pyo3_runtime.PanicException (a Rust panic): a BaseException."""


PanicException.__module__ = "pyo3_runtime"


def test_a_rust_panic_in_a_store_call_is_store_unavailable_but_interrupts_pass(
    tmp_path: Path,
) -> None:
    settings = Settings(profile="test", home=tmp_path)
    unavailable = pytest.raises(StoreUnavailableError, match=r"\) is unavailable: boom")
    with unavailable, store_errors(settings, every=True):
        raise PanicException("boom")
    for interrupt in (KeyboardInterrupt, SystemExit):
        with pytest.raises(interrupt), store_errors(settings, every=True):
            raise interrupt()
    # Not every call is only a store call: a panic raised in our own code is not the store's.
    with pytest.raises(PanicException), store_errors(settings):
        raise PanicException("ours")
