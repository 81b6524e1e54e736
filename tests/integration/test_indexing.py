"""Idempotent, incremental indexing with the real model, real Chroma and real SQLite."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant.app.knowledge_admin import UploadError
from assistant.container import Assistant

GUIDE = (
    "---\ntitle: {title}\naudience: parents\ntopic: t\nlanguage: en\nsources: [x]\n---\n"
    "# {title}\n\n## First part\n\n{body}\n\n## Second part\n\nMore words about {title}.\n"
)


def make_corpus(root: Path, case_samples: Path) -> Path:
    (root / "guides").mkdir(parents=True)
    for name, body in (
        ("ratios", "Ratios compare two amounts, like 2 cups to 3 cups."),
        ("levels", "A 3 means proficient: the learner can do it alone."),
        ("homework", "Homework is practice, not a grade."),
    ):
        (root / "guides" / f"{name}.en.md").write_text(GUIDE.format(title=name, body=body))
    (root / "frameworks").mkdir()
    shutil.copy(
        case_samples / "opensalt-framework-20c5134f-423d-4097-a971-3dd5152bf507.json",
        root / "frameworks" / "ratios.json",
    )
    return root


def vector_ids(assistant: Assistant) -> list[str]:
    return sorted(assistant.vector_store.get()["ids"])


def record_ids(assistant: Assistant) -> list[str]:
    return sorted(c.id for c in assistant.records.all_chunks())


def test_reingest_of_unchanged_corpus_embeds_nothing(
    assistant: Assistant, tmp_path: Path, case_samples: Path
) -> None:
    corpus = make_corpus(tmp_path / "corpus", case_samples)
    first = assistant.indexer.ingest([corpus])
    assert first.problems == []
    assert first.chunks_added > 16 and first.embedded == first.chunks_added
    second = assistant.indexer.ingest([corpus])
    assert (second.chunks_added, second.chunks_removed, second.embedded) == (0, 0, 0)
    assert second.chunks_unchanged == first.chunks_added
    assert vector_ids(assistant) == record_ids(assistant)


def test_edited_file_replaces_only_its_own_chunks(
    assistant: Assistant, tmp_path: Path, case_samples: Path
) -> None:
    corpus = make_corpus(tmp_path / "corpus", case_samples)
    assistant.indexer.ingest([corpus])
    before = {c.id: c.source for c in assistant.records.all_chunks()}
    path = corpus / "guides" / "levels.en.md"
    path.write_text(path.read_text().replace("can do it alone", "works independently"))
    report = assistant.indexer.ingest([corpus])
    after = {c.id: c.source for c in assistant.records.all_chunks()}
    assert (report.files_changed, report.chunks_added, report.chunks_removed) == (1, 1, 1)
    changed = set(before) ^ set(after)
    assert {before.get(i) or after.get(i) for i in changed} == {"guides/levels.en.md"}
    assert report.embedded == 1
    assert vector_ids(assistant) == record_ids(assistant)


def test_prune_removes_a_deleted_files_chunks(
    assistant: Assistant, tmp_path: Path, case_samples: Path
) -> None:
    corpus = make_corpus(tmp_path / "corpus", case_samples)
    assistant.indexer.ingest([corpus])
    (corpus / "guides" / "homework.en.md").unlink()
    kept = assistant.indexer.ingest([corpus])
    assert kept.chunks_removed == 0  # without --prune nothing is removed
    pruned = assistant.indexer.ingest([corpus], prune=True)
    assert pruned.files_removed == 1 and pruned.chunks_removed == 2
    assert all(c.source != "guides/homework.en.md" for c in assistant.records.all_chunks())
    assert vector_ids(assistant) == record_ids(assistant)


def test_broken_framework_is_refused_and_the_old_version_kept(
    assistant: Assistant, tmp_path: Path, case_samples: Path
) -> None:
    corpus = make_corpus(tmp_path / "corpus", case_samples)
    assistant.indexer.ingest([corpus])
    before = record_ids(assistant)
    framework = corpus / "frameworks" / "ratios.json"
    data = json.loads(framework.read_text())
    data["CFItems"][3]["identifier"] = data["CFItems"][2]["identifier"]
    framework.write_text(json.dumps(data))
    (corpus / "guides" / "new.en.md").write_text(GUIDE.format(title="new", body="Fresh text."))
    report = assistant.indexer.ingest([corpus], prune=True)
    assert len(report.problems) == 1
    assert report.problems[0].startswith("frameworks/ratios.json, item CFItems[3]")
    assert "duplicate identifier" in report.problems[0]
    after = record_ids(assistant)
    assert set(before) <= set(after)  # nothing of the old framework was dropped
    assert len(after) == len(before) + 2  # the good new file still went in
    assert assistant.records.frameworks()[0]["items"] == 16


def second_framework(title: str, codes: list[str]) -> dict[str, Any]:
    """A small CASE package of its own (its own identifiers) whose items have these codes."""

    def link(identifier: str) -> dict[str, str]:
        return {"identifier": identifier, "uri": f"urn:uuid:{identifier}", "title": ""}

    doc = f"doc-{title}"
    items = [
        {
            "identifier": f"{title}-{n}",
            "uri": f"urn:uuid:{title}-{n}",
            "fullStatement": f"Skill {n} of {title}",
            "humanCodingScheme": code,
        }
        for n, code in enumerate(codes, start=1)
    ]
    associations = [
        {
            "identifier": f"{title}-link-{n}",
            "uri": f"urn:uuid:{title}-link-{n}",
            "associationType": "isChildOf",
            "originNodeURI": link(item["identifier"]),
            "destinationNodeURI": link(doc),
            "sequenceNumber": n,
        }
        for n, item in enumerate(items, start=1)
    ]
    return {
        "CFDocument": {"identifier": doc, "uri": f"urn:uuid:{doc}", "title": title},
        "CFItems": items,
        "CFAssociations": associations,
    }


def test_a_framework_reusing_the_codes_of_another_is_refused_naming_both(
    assistant: Assistant, tmp_path: Path, case_samples: Path
) -> None:
    corpus = make_corpus(tmp_path / "corpus", case_samples)
    assert assistant.indexer.ingest([corpus]).problems == []
    before = record_ids(assistant)
    reused = ["CCSS.Math.Content.7.RP.A.1", "ccss.math.content.6.RP.A.1"]  # any case
    (corpus / "frameworks" / "second.json").write_text(
        json.dumps(second_framework("Second", ["S.1", *reused]))
    )
    (corpus / "frameworks" / "own.json").write_text(
        json.dumps(second_framework("Own", ["O.1", "O.2"]))
    )
    report = assistant.indexer.ingest([corpus])
    assert len(report.problems) == 1, report.problems
    problem = report.problems[0]
    assert problem.startswith("frameworks/second.json: reuses competency codes:"), problem
    assert "CCSS.Math.Content.7.RP.A.1, ccss.math.content.6.RP.A.1" in problem
    assert "already used by the framework 'What Standards Could Be' (ratios.json)" in problem
    assert "S.1" not in problem
    titles = sorted(str(fw["title"]) for fw in assistant.records.frameworks())
    assert titles == ["Own", "What Standards Could Be"]  # a framework of its own codes is fine
    assert set(before) <= set(record_ids(assistant))
    # Another version of the same framework keeps its codes: no clash with itself.
    framework = corpus / "frameworks" / "ratios.json"
    data = json.loads(framework.read_text())
    data["CFItems"][0]["fullStatement"] += " (revised)"
    framework.write_text(json.dumps(data))
    (corpus / "frameworks" / "second.json").unlink()
    again = assistant.indexer.ingest([corpus])
    assert again.problems == [] and again.files_changed == 1


def test_an_uploaded_framework_reusing_codes_in_use_is_refused_and_nothing_kept(
    assistant: Assistant,
) -> None:
    admin = assistant.knowledge_admin
    clash = second_framework("Upload", ["U.1", "M.6.RP.1", "M.6.RP.2"])  # bundled math codes
    with pytest.raises(UploadError) as refused:
        admin.add("district.json", json.dumps(clash).encode())
    message = str(refused.value)
    assert message.startswith("district.json: refused, nothing was changed:"), message
    assert "reuses competency codes: M.6.RP.1, M.6.RP.2 already used by the framework" in message
    assert "(waypoint-math-ratios-expressions.json)" in message
    assert not admin.uploads_dir.exists() or not any(admin.uploads_dir.rglob("*.json"))
    kept = admin.add("own.json", json.dumps(second_framework("Own", ["O.1"])).encode())
    assert kept.is_file()
    # A new version of that upload replaces it: its codes are its own.
    revised = second_framework("Own", ["O.1", "O.2"])
    assert admin.add("own.json", json.dumps(revised).encode()) == kept


def test_interrupted_ingest_is_completed_by_the_next_run(
    assistant: Assistant, tmp_path: Path, case_samples: Path
) -> None:
    """Vectors written but records not (a crash between the two) converge on the next run."""
    corpus = make_corpus(tmp_path / "corpus", case_samples)
    clean = assistant.indexer.ingest([corpus])
    assistant.records.forget_file(str(corpus.resolve()), "guides/ratios.en.md")
    assert len(vector_ids(assistant)) == clean.chunks_added  # vectors still there
    report = assistant.indexer.ingest([corpus])
    assert report.files_changed == 1 and report.chunks_added == 2
    assert report.embedded == 0  # the content-hash cache already had those vectors
    assert vector_ids(assistant) == record_ids(assistant)
    assert len(record_ids(assistant)) == clean.chunks_added


def test_hybrid_search_over_a_small_corpus(
    assistant: Assistant, tmp_path: Path, case_samples: Path
) -> None:
    corpus = make_corpus(tmp_path / "corpus", case_samples)
    assistant.indexer.ingest([corpus])
    hits = assistant.retriever.search("7.RP.A.2", k=3)
    assert hits[0].chunk.metadata["code"] == "CCSS.Math.Content.7.RP.A.2"
    assert hits[0].code_match
    hits = assistant.retriever.search("is homework graded?", k=3)
    assert hits[0].chunk.source == "guides/homework.en.md"
    only_guides = assistant.retriever.search("ratio", k=10, filters=None, mode="dense")
    assert only_guides


def test_search_breadth_setting_applies_to_an_existing_index(
    assistant: Assistant, tmp_path: Path, case_samples: Path, embedder: object
) -> None:
    from assistant.container import build_assistant
    from tests.conftest import make_settings

    corpus = make_corpus(tmp_path / "corpus", case_samples)
    assistant.indexer.ingest([corpus])
    reopened = build_assistant(
        make_settings(assistant.settings.home, hnsw_ef_search=32),
        embedder=embedder,  # type: ignore[arg-type]
    )
    configuration = reopened.vector_store._collection.configuration
    assert configuration["hnsw"]["ef_search"] == 32
    assert reopened.retriever.search("is homework graded?", k=1)


class _UnsearchableVectors:
    """Chroma's fault at its boundary: vectors of passages matching `text` are stored (`get`
    returns them) but left out of every query's results, until written again if `heals`."""

    def __init__(self, collection: Any, text: str, *, heals: bool) -> None:
        self.collection, self.text, self.heals = collection, text, heals
        self.hidden: set[str] = set()
        self.writes: dict[str, int] = {}
        self._upsert, self._query = collection.upsert, collection.query

    def upsert(self, **kwargs: Any) -> Any:
        for chunk_id, document in zip(kwargs["ids"], kwargs["documents"], strict=True):
            if self.text in document:
                self.writes[chunk_id] = self.writes.get(chunk_id, 0) + 1
                if self.writes[chunk_id] == 1 or not self.heals:
                    self.hidden.add(chunk_id)
                else:
                    self.hidden.discard(chunk_id)
        return self._upsert(**kwargs)

    def query(self, **kwargs: Any) -> Any:
        kwargs["n_results"] += len(self.hidden)
        wanted = kwargs["n_results"] - len(self.hidden)
        result = self._query(**kwargs)
        keep = [
            [i for i, chunk_id in enumerate(row) if chunk_id not in self.hidden][:wanted]
            for row in result["ids"]
        ]
        for key, rows in result.items():
            if isinstance(rows, list) and rows and isinstance(rows[0], list):
                result[key] = [[row[i] for i in k] for row, k in zip(rows, keep, strict=True)]
        return result


def _inject(
    monkeypatch: pytest.MonkeyPatch, assistant: Assistant, *, heals: bool
) -> _UnsearchableVectors:
    collection = assistant.vector_store._collection
    fault = _UnsearchableVectors(collection, "Homework is practice", heals=heals)
    monkeypatch.setattr(collection, "upsert", fault.upsert)
    monkeypatch.setattr(collection, "query", fault.query)
    return fault


def test_a_new_vector_the_store_does_not_search_is_written_again(
    assistant: Assistant, tmp_path: Path, case_samples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fault = _inject(monkeypatch, assistant, heals=True)
    report = assistant.indexer.ingest([make_corpus(tmp_path / "corpus", case_samples)])
    assert fault.writes and all(n == 2 for n in fault.writes.values())
    assert report.vectors_rewritten == len(fault.writes) and report.problems == []
    hits = assistant.retriever.search("is homework graded?", k=1, mode="dense")
    assert hits[0].chunk.id in fault.writes
    assert vector_ids(assistant) == record_ids(assistant)


def test_a_vector_the_store_never_searches_is_named_and_still_found(
    assistant: Assistant, tmp_path: Path, case_samples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fault = _inject(monkeypatch, assistant, heals=False)
    report = assistant.indexer.ingest([make_corpus(tmp_path / "corpus", case_samples)])
    assert fault.hidden
    assert len(report.problems) == 1 and "guides/homework.en.md" in report.problems[0]
    assert "its own search does not return them" in report.problems[0]
    # the retriever searches the stored vectors in memory, not the store's own search
    dense = assistant.retriever.search("is homework graded?", k=3, mode="dense")
    assert dense and {hit.chunk.id for hit in dense} & fault.hidden
    words = assistant.retriever.search("is homework graded?", k=1, mode="lexical")
    assert words[0].chunk.id in fault.hidden
    assert vector_ids(assistant) == record_ids(assistant)  # nothing lost or duplicated
    again = assistant.indexer.ingest([tmp_path / "corpus"])
    assert again.chunks_added == 0 and again.problems == []  # unchanged files are not re-probed
