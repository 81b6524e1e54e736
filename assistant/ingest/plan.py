"""Planning an ingest: which files changed since their record, read into chunks.

A file whose fingerprint (its SHA-256 with the pipeline version, chunk size and overlap, and
model name) matches its record is skipped; a framework is loaded and its codes checked against
the other frameworks'; a guide is loaded and chunked. Nothing is written here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import DocumentLoadError, FrameworkImportError
from assistant.frameworks.case_import import load_framework
from assistant.frameworks.clashes import FrameworksInUse, framework_files
from assistant.frameworks.documents import framework_chunks
from assistant.frameworks.model import Framework
from assistant.index.records import IndexRecords
from assistant.ingest.chunking import GuideChunker
from assistant.ingest.corpus import CorpusFile, discover, is_json_schema
from assistant.ingest.loaders import load_guide
from assistant.ingest.report import IngestReport
from assistant.settings import Settings
from assistant.types import Chunk

# Bump when loaders or chunking change in a way that alters chunks of unchanged files.
PIPELINE_VERSION = "1"


@dataclass
class Plan:
    file: CorpusFile
    fingerprint: str
    kind: str
    chunks: list[Chunk]
    existing: set[str]
    framework: tuple[str, str, dict[str, object]] | None = None
    loaded: Framework | None = None

    @property
    def new(self) -> list[Chunk]:
        return [c for c in self.chunks if c.id not in self.existing]

    @property
    def stale(self) -> set[str]:
        return self.existing - {c.id for c in self.chunks}


class Planner:
    """Reads the changed files of a run's targets into plans, one per file."""

    def __init__(self, settings: Settings, records: IndexRecords) -> None:
        self.settings = settings
        self.records = records
        self.chunker = GuideChunker(settings.ingest.chunk_size, settings.ingest.chunk_overlap)

    def plan(
        self, targets: Sequence[Path], report: IngestReport
    ) -> tuple[list[Plan], dict[str, set[str]]]:
        plans: list[Plan] = []
        roots_seen: dict[str, set[str]] = {}
        in_use = FrameworksInUse(
            lambda: framework_files(
                self.settings.knowledge_dir, (fw.get("file") for fw in self.records.frameworks())
            )
        )
        for target in targets:
            if not target.exists():
                report.problems.append(f"{target}: no such file or folder")
                continue
            root, files = discover(target, self.settings.knowledge_dir)
            if target.is_dir():
                roots_seen.setdefault(root, set())
            for corpus_file in files:
                report.files += 1
                roots_seen.get(root, set()).add(corpus_file.path)
                plan = self._file(corpus_file, report, in_use)
                if plan is not None:
                    plans.append(plan)
        return plans, roots_seen

    def _file(
        self, corpus_file: CorpusFile, report: IngestReport, in_use: FrameworksInUse
    ) -> Plan | None:
        try:
            size = corpus_file.file.stat().st_size
            if size > self.settings.ingest.max_file_bytes:  # refused before it is read
                report.problems.append(
                    f"{corpus_file.path}: is {size:,} bytes, over the "
                    f"{self.settings.ingest.max_file_bytes:,}-byte limit"
                )
                return None
            data = corpus_file.file.read_bytes()
        except OSError as exc:
            report.problems.append(f"{corpus_file.path}: cannot be read ({exc.strerror})")
            return None
        fingerprint = self.fingerprint(data)
        record = self.records.file(corpus_file.root, corpus_file.path)
        if record is not None and record.fingerprint == fingerprint:
            report.chunks_unchanged += len(
                self.records.chunk_ids(corpus_file.root, corpus_file.path)
            )
            return None
        try:
            if corpus_file.is_framework:
                if is_json_schema(corpus_file.file):
                    report.ignored.append(f"{corpus_file.path}: a JSON Schema, not a framework")
                    return None
                return self._framework(corpus_file, fingerprint, in_use)
            document = load_guide(
                corpus_file.file, corpus_file.path, max_bytes=self.settings.ingest.max_file_bytes
            )
        except (FrameworkImportError, DocumentLoadError) as exc:
            report.problems.append(str(exc))
            return None
        chunks = self.chunker.chunks(document)
        return Plan(
            corpus_file,
            fingerprint,
            "guide",
            chunks,
            self.records.chunk_ids(corpus_file.root, corpus_file.path),
        )

    def _framework(
        self, corpus_file: CorpusFile, fingerprint: str, in_use: FrameworksInUse
    ) -> Plan:
        framework = load_framework(
            corpus_file.file,
            display_name=corpus_file.path,
            max_bytes=self.settings.ingest.max_file_bytes,
        )
        in_use.check(framework, corpus_file.file, corpus_file.path)  # its codes are its own
        in_use.add(corpus_file.file, framework)
        summary: dict[str, object] = {
            "items": len(framework),
            "hierarchy_edges": framework.hierarchy_edge_count,
            "prerequisite_edges": framework.prerequisite_edge_count,
            "aliases": len(framework.aliases),
            "external_edges": len(framework.external),
            "with_levels": len(framework.levels),
            "case_version": framework.case_version,
            "file": str(corpus_file.file.resolve()),
        }
        return Plan(
            corpus_file,
            fingerprint,
            "framework",
            framework_chunks(framework, corpus_file.path),
            self.records.chunk_ids(corpus_file.root, corpus_file.path),
            (framework.identifier, framework.title, summary),
            framework,
        )

    def fingerprint(self, data: bytes) -> str:
        digest = hashlib.sha256(data)
        s = self.settings
        digest.update(
            f"|{PIPELINE_VERSION}|{s.ingest.chunk_size}|{s.ingest.chunk_overlap}|{s.embedding.model}".encode()
        )
        return digest.hexdigest()
