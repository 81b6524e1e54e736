"""What a citation opens onto: the whole section it names, from a real ingested index (real
model, Chroma and SQLite), never the questions a section lists; a competency's statement and
levels from the catalog, in the answer's language."""

from __future__ import annotations

from pathlib import Path

from assistant.chat.types import Citation
from assistant.container import Assistant, build_assistant
from assistant.ingest.loaders import GuideDocument, load_guide, section_name
from assistant.retrieval.embeddings import Embedder
from assistant.settings import BUNDLED_KNOWLEDGE
from assistant.types import QUESTION
from tests.conftest import make_settings


def words(text: str) -> str:
    return " ".join(text.split())


def bundled_guides() -> list[GuideDocument]:
    return [
        load_guide(path, path.relative_to(BUNDLED_KNOWLEDGE).as_posix(), max_bytes=10**7)
        for path in sorted((BUNDLED_KNOWLEDGE / "guides").rglob("*.md"))
    ]


def test_every_long_bundled_section_comes_back_whole_in_order_without_its_questions(
    bundled_assistant: Assistant,
) -> None:
    records = bundled_assistant.records
    texts = bundled_assistant.section_texts
    long_sections = 0
    for guide in bundled_guides():
        chunks = [c for _, c in records.source_chunks(guide.path)]
        for section in guide.sections:
            name = section_name(section.headings, guide.title)
            parts = [
                c
                for c in chunks
                if c.metadata.get("section") == name and c.metadata.get("doc_type") != QUESTION
            ]
            if len(parts) < 2:
                continue
            long_sections += 1
            text = texts.section_text(guide.path, name)
            assert text is not None, (guide.path, name)
            assert words(text) == words(section.text), (guide.path, name)
            assert f"{guide.title} — {name}" not in text
            listed = guide.questions.get(name, ())
            assert listed, (guide.path, name)  # the bundled guides list questions everywhere
            for question in listed:  # a question chunk never joins the text
                assert question in section.text or question not in text, (guide.path, question)
    assert long_sections >= 10  # the bundled guides do have sections indexed in pieces


def test_a_section_split_with_overlap_comes_back_once_in_order_after_an_edit(
    tmp_path: Path, embedder: Embedder
) -> None:
    sentences = [
        f"Sentence number {n} says something about step {n} of the plan." for n in range(1, 31)
    ]
    body = " ".join(sentences[:10]) + "\n\n" + " ".join(sentences[10:])
    guide = tmp_path / "corpus" / "guides" / "plan.en.md"
    guide.parent.mkdir(parents=True)
    guide.write_text(
        "---\ntitle: The plan\naudience: parents\nquestions:\n  Steps:\n"
        "    - what are the steps of the plan\n    - is there a plan\n---\n"
        "# The plan\n\nWhy there is a plan.\n\n## Steps\n\n" + body + "\n\n## After\n\nThe end.\n"
    )
    settings = make_settings(tmp_path / "home", chunk_size=200, chunk_overlap=80)
    assistant = build_assistant(settings, embedder=embedder)
    try:
        assert assistant.indexer.ingest([tmp_path / "corpus"]).problems == []
        source = "guides/plan.en.md"
        parts = [
            c
            for _, c in assistant.records.source_chunks(source)
            if c.metadata.get("section") == "Steps" and c.metadata.get("doc_type") == "guide"
        ]
        assert len(parts) >= 5  # long enough to be cut in many overlapping pieces
        text = assistant.section_texts.section_text(source, "Steps")
        assert text is not None
        assert words(text) == words(body)
        assert "what are the steps of the plan" not in text and "is there a plan" not in text
        assert assistant.section_texts.section_text(source, None) == "Why there is a plan."

        # an edit in the middle re-indexes only some pieces: the order still holds
        guide.write_text(guide.read_text().replace("step 15 of", "step fifteen of"))
        assert assistant.indexer.ingest([tmp_path / "corpus"]).problems == []
        again = assistant.section_texts.section_text(source, "Steps")
        assert again is not None
        assert words(again) == words(body.replace("step 15 of", "step fifteen of"))
    finally:
        assistant.records.close()


def test_a_document_cited_without_a_section_opens_as_a_whole(
    bundled_assistant: Assistant,
) -> None:
    path = "resources/math/m-6-rp-2-unit-rate-meaning.en.md"
    guide = load_guide(BUNDLED_KNOWLEDGE / path, path, max_bytes=10**7)
    text = bundled_assistant.section_texts.for_citation(Citation(path, guide.title, None, None, ""))
    assert text is not None
    names = [section_name(s.headings, guide.title) for s in guide.sections]
    positions = [text.index(f"**{name}**") for name in names]
    assert positions == sorted(positions)
    for section in guide.sections:
        assert words(section.text) in words(text)


def test_a_competency_opens_onto_its_statement_and_levels_in_the_answers_language(
    bundled_assistant: Assistant,
) -> None:
    catalog = bundled_assistant.catalog
    entry = catalog.lookup("M.6.RP.2")
    assert entry is not None
    levels = catalog.scale(entry.identifier).levels
    citation = Citation(entry.framework_title, f"{entry.code} {entry.title}", None, entry.code, "")
    english = bundled_assistant.section_texts.for_citation(citation, "en")
    assert english is not None
    assert english.startswith(entry.item.statement)
    for level in levels:
        assert f"- {level.score:g} {level.label}: {level.description}" in english

    translations = bundled_assistant.translations
    spanish = bundled_assistant.section_texts.for_citation(
        Citation(entry.framework_title, citation.title, "Competency", entry.code, ""), "es"
    )
    assert spanish is not None
    statement = translations.statement(entry.identifier, "es", "")
    assert statement and statement != entry.item.statement
    assert spanish.startswith(statement)
    for level in levels:
        name = translations.level_name(level.label, "es")
        description = translations.descriptor(entry.code, level.score, "es", "")
        assert name != level.label and description
        assert f"- {level.score:g} {name}: {description}" in spanish


def test_the_class_report_and_a_section_no_longer_indexed_have_no_text(
    bundled_assistant: Assistant,
) -> None:
    texts = bundled_assistant.section_texts
    report = Citation("Waypoint class report", "Class 6A: Math", "2026-10-01", None, "12 learners")
    assert texts.for_citation(report) is None
    gone = Citation("guides/parents/what-is-cbe.en.md", "x", "No such heading", None, "")
    assert texts.for_citation(gone) is None
