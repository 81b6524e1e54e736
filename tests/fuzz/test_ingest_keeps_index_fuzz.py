"""Ingesting a broken version of an indexed file changes nothing: it is reported by name, and
the file records, chunk records and vectors of the previous version stay as they were.

Real embedding model, real Chroma, real SQLite records; the good corpus is embedded once.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.container import Assistant, build_assistant
from assistant.retrieval.embeddings import Embedder
from assistant.settings import Settings
from tests.fuzz.support import CASE_SAMPLES, REPO, fuzz, peak_memory, sparse_file

GUIDE = REPO / "knowledge" / "guides" / "parents" / "pace-and-time.en.md"
FRAMEWORK = CASE_SAMPLES / "Utf8TestFramework.json"
FILES = {"frameworks/tiny.json": FRAMEWORK, "guides/parents/pace.md": GUIDE}

pytestmark = pytest.mark.skipif(
    not CASE_SAMPLES.is_dir(), reason="../shared/case-samples is not beside the repository"
)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> tuple[Assistant, Path]:
    corpus = tmp_path_factory.mktemp("corpus")
    for relative, source in FILES.items():
        (corpus / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, corpus / relative)
    home = tmp_path_factory.mktemp("home")
    built = build_assistant(
        Settings(profile="test", home=home, max_file_bytes=1024 * 1024), embedder=embedder
    )
    report = built.indexer.ingest([corpus])
    assert report.problems == [] and report.chunks_added > 0
    return built, corpus


def snapshot(built: Assistant, corpus: Path) -> tuple[object, ...]:
    root = str(corpus.resolve())
    records = built.records
    files = sorted((r.path, r.fingerprint, r.kind) for r in records.files_under(root))
    chunks = sorted((c.id, c.text) for c in records.all_chunks())
    return (
        files,
        chunks,
        records.frameworks(),
        records.generation(),
        built.vector_store._collection.count(),
    )


def ingest_broken(built: Assistant, corpus: Path, relative: str, raw: bytes) -> None:
    """Write the broken version, ingest, check nothing changed, restore the good version."""
    before = snapshot(built, corpus)
    (corpus / relative).write_bytes(raw)
    try:
        report = built.indexer.ingest([corpus])
    finally:
        shutil.copyfile(FILES[relative], corpus / relative)
    assert len(report.problems) == 1 and report.problems[0].startswith(relative), report
    assert (report.chunks_added, report.chunks_removed, report.embedded) == (0, 0, 0)
    assert snapshot(built, corpus) == before


@fuzz(0.5)
@given(st.sampled_from(sorted(FILES)), st.data())
def test_a_truncated_or_garbled_file_leaves_the_index_as_it_was(
    indexed: tuple[Assistant, Path], relative: str, data: st.DataObject
) -> None:
    built, corpus = indexed
    raw = FILES[relative].read_bytes()
    if relative.endswith(".json"):
        cut = data.draw(st.integers(0, len(raw.rstrip()) - 1), label="cut")
        broken = raw[:cut]
    else:  # a guide that cannot be read: binary, or front matter that is not YAML
        broken = data.draw(
            st.sampled_from(
                [
                    b"\x00" + raw,
                    b"---\ntitle: [unclosed\n---\n" + raw,
                    b"---\naudience: nobody\n---\n" + raw,
                    b"---\ntitle: 0000-00-00\n---\n" + raw,
                    b"",
                    b"# Only a heading\n",
                ]
            ),
            label="broken",
        )
    ingest_broken(built, corpus, relative, broken)


def test_an_oversized_guide_leaves_the_index_as_it_was(indexed: tuple[Assistant, Path]) -> None:
    built, corpus = indexed
    before = snapshot(built, corpus)
    path = corpus / "guides/parents/pace.md"
    sparse_file(path, 2 * 1024 * 1024)
    try:
        report = built.indexer.ingest([corpus])
    finally:
        shutil.copyfile(GUIDE, path)
    assert report.problems == [
        "guides/parents/pace.md: is 2,097,152 bytes, over the 1,048,576-byte limit"
    ]
    assert snapshot(built, corpus) == before


def test_an_oversized_file_is_not_read_by_the_indexer(indexed: tuple[Assistant, Path]) -> None:
    built, corpus = indexed
    path = corpus / "guides/parents/pace.md"
    sparse_file(path, 100 * 1024 * 1024)
    try:
        with peak_memory() as peak:
            built.indexer.ingest([corpus])
    finally:
        shutil.copyfile(GUIDE, path)
    assert peak[0] < 10 * 1024 * 1024, peak[0]


def test_a_deeply_nested_json_file_is_reported_by_the_indexer(
    indexed: tuple[Assistant, Path],
) -> None:
    built, corpus = indexed
    ingest_broken(built, corpus, "frameworks/tiny.json", b"[" * 200_000)
