"""An ingest writes the vector store in batches that span files: each write costs the embedded
store tens of milliseconds, so a corpus of small files (the bundled guides) is not written one
file at a time. Every file is still recorded only after its vectors are written."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from assistant.container import build_assistant
from assistant.ingest.indexer import write_groups
from assistant.ingest.plan import Plan
from assistant.ingest.run_store import WRITE_BATCH, RunStore
from assistant.settings import Settings
from assistant.types import Chunk
from tests.support_privacy import HashEmbedder

FILES = 12


def guide(number: int) -> str:
    return (
        f"# Topic {number}\n\nPractise topic {number} a little every day with a short task, "
        f"then explain topic {number} to someone at home.\n"
    )


def test_small_files_share_one_store_write_and_are_all_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "knowledge"
    corpus.mkdir()
    for number in range(FILES):
        (corpus / f"topic-{number}.en.md").write_text(guide(number), encoding="utf-8")
    writes: list[int] = []
    add = RunStore.add

    def counted(store: RunStore, chunks: Sequence[Chunk]) -> None:
        writes.append(len(chunks))
        add(store, chunks)

    monkeypatch.setattr(RunStore, "add", counted)
    school = build_assistant(
        Settings(profile="test", home=tmp_path / "home"), embedder=HashEmbedder()
    )
    report = school.indexer.ingest([corpus])
    assert report.problems == [] and report.files_changed == FILES
    chunks = school.records.chunk_count()
    assert FILES <= chunks <= WRITE_BATCH
    assert writes == [chunks]  # one write, not one per file
    assert len(school.records.files_under(str(corpus))) == FILES
    assert school.retriever.search("explain topic 7 at home", mode="dense")
    school.records.close()


def plans(*sizes: int) -> list[Plan]:
    return [cast(Plan, SimpleNamespace(new=[object()] * size)) for size in sizes]


def sizes(groups: list[list[Plan]]) -> list[list[int]]:
    return [[len(cast(Any, plan).new) for plan in group] for group in groups]


def test_plans_are_grouped_up_to_one_write_and_a_big_file_alone() -> None:
    assert sizes(write_groups(plans(3, 4, 0, 5), size=8)) == [[3, 4, 0], [5]]
    assert sizes(write_groups(plans(2, 20, 1, 1), size=8)) == [[2], [20], [1, 1]]
    assert write_groups([], size=8) == []
