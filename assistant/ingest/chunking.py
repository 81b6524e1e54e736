"""Structure-aware chunking: one chunk per section, split by size with overlap when long."""

from __future__ import annotations

import hashlib
import json

from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.ingest.loaders import GuideDocument
from assistant.types import Chunk, MetadataValue


def chunk_id(source: str, text: str, metadata: dict[str, MetadataValue]) -> str:
    """A content hash: the same text and metadata always give the same id."""
    payload = json.dumps([source, text, metadata], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def make_chunk(source: str, text: str, metadata: dict[str, MetadataValue]) -> Chunk:
    return Chunk(id=chunk_id(source, text, metadata), source=source, text=text, metadata=metadata)


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
            headings = section.headings
            if headings and headings[0] == document.title:
                headings = headings[1:]
            section_name = " > ".join(headings)
            pieces = self.splitter.split_text(section.text)
            for index, piece in enumerate(pieces):
                metadata: dict[str, MetadataValue] = {
                    "doc_type": document.doc_type,
                    "title": document.title,
                    "section": section_name,
                    "audience": document.audience,
                    "language": document.language,
                    "topic": document.topic,
                    "path": document.path,
                    "part": index,
                }
                if section.page is not None:
                    metadata["page"] = section.page
                if document.competencies:
                    metadata["competencies"] = ",".join(document.competencies)
                heading_line = (
                    f"{document.title} — {section_name}" if section_name else document.title
                )
                text = f"{heading_line}\n\n{piece.strip()}"
                result.append(make_chunk(document.path, text, metadata))
        return _unique(result)


def _unique(chunks: list[Chunk]) -> list[Chunk]:
    seen: set[str] = set()
    out = []
    for chunk in chunks:
        if chunk.id not in seen:
            seen.add(chunk.id)
            out.append(chunk)
    return out
