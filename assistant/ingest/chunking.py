"""Structure-aware chunking: one chunk per section, split by size with overlap when long; and
one small chunk per question a section says it answers (doc_type "question", pointing to its
section), so a typed question can match a question as well as the text."""

from __future__ import annotations

from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.ingest.loaders import GuideDocument, section_name
from assistant.types import QUESTION, Chunk, MetadataValue, make_chunk


class GuideChunker:
    def __init__(self, chunk_size: int, chunk_overlap: int) -> None:
        self.splitter = RecursiveCharacterTextSplitter(
            chunk_size=chunk_size,
            chunk_overlap=chunk_overlap,
            separators=["\n\n", "\n", ". ", " ", ""],
        )

    def chunks(self, document: GuideDocument) -> list[Chunk]:
        result: list[Chunk] = []
        for section in document.sections:
            name = section_name(section.headings, document.title)
            pieces = self.splitter.split_text(section.text)
            questions = document.questions.get(name, ())
            for index, piece in enumerate(pieces):
                metadata = _metadata(document, name, document.doc_type, index)
                if section.page is not None:
                    metadata["page"] = section.page
                if document.competencies:
                    metadata["competencies"] = ",".join(document.competencies)
                if questions and index == 0:
                    metadata["questions"] = "\n".join(questions)
                heading_line = f"{document.title} — {name}" if name else document.title
                text = f"{heading_line}\n\n{piece.strip()}"
                result.append(make_chunk(document.path, text, metadata))
            result += self._question_chunks(document, name, questions)
        return _unique(result)

    @staticmethod
    def _question_chunks(
        document: GuideDocument, name: str, questions: tuple[str, ...]
    ) -> list[Chunk]:
        """One chunk per listed question; its part (1, 2, …) is never 0, so the retriever's
        `opening` leads from it to the section's first chunk."""
        chunks = []
        for number, question in enumerate(questions, start=1):
            metadata = _metadata(document, name, QUESTION, number)
            metadata["answers"] = document.doc_type
            chunks.append(make_chunk(document.path, question, metadata))
        return chunks


def _metadata(
    document: GuideDocument, name: str, doc_type: str, part: int
) -> dict[str, MetadataValue]:
    return {
        "doc_type": doc_type,
        "title": document.title,
        "section": name,
        "audience": document.audience,
        "language": document.language,
        "topic": document.topic,
        "path": document.path,
        "part": part,
    }


def _unique(chunks: list[Chunk]) -> list[Chunk]:
    seen: set[str] = set()
    out = []
    for chunk in chunks:
        if chunk.id not in seen:
            seen.add(chunk.id)
            out.append(chunk)
    return out
