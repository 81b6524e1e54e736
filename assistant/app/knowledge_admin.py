"""Knowledge administration from the app: add a framework or guide, re-index, index statistics.

An upload is checked before it is kept: it is written to a temporary file beside its final
place, parsed with the same importer or loader the indexer uses, and only then renamed into
place. A file that does not parse, or a framework that reuses the competency codes of another
framework in use, is refused with the importer's message and nothing changes: the previous
version of the same file (if any) stays, and so does the index.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from assistant.app.uploads import MAX_NAME, safe_file_name
from assistant.errors import WaypointError
from assistant.frameworks.case_import import load_framework
from assistant.frameworks.clashes import FrameworksInUse, framework_files
from assistant.index.records import IndexRecords
from assistant.ingest.corpus import FRAMEWORK_SUFFIXES, root_key
from assistant.ingest.indexer import Indexer
from assistant.ingest.loaders import GUIDE_SUFFIXES, load_guide
from assistant.ingest.report import IngestReport
from assistant.types import AUDIENCES, QUESTION, Chunk, MetadataValue


class UploadError(WaypointError):
    """An uploaded file refused before anything was written."""


@dataclass(frozen=True)
class IndexStats:
    files: int
    chunks: int
    by_type: dict[str, int]
    by_audience: dict[str, int]
    by_language: dict[str, int]
    frameworks: tuple[dict[str, object], ...]
    uploads: tuple[str, ...]


@dataclass(frozen=True)
class IndexedFile:
    """One file of the knowledge base as the admin page lists it."""

    path: str  # relative to its folder: "guides/parents/x.md", or an upload's "parents/x.md"
    uploaded: bool  # an upload (may be removed here) or part of the knowledge folder
    kind: str  # "framework" or "guide"
    doc_type: str  # what its passages are: framework, guide, resource, ...
    audience: str
    language: str
    passages: int
    changed: date | None  # when the file was last written (added or replaced)


class KnowledgeAdmin:
    """Takes the index records, the indexer (built when first needed), what to do after the
    frameworks may have changed (`refresh`), and where the files are."""

    def __init__(
        self,
        records: IndexRecords,
        indexer: Callable[[], Indexer],
        refresh: Callable[[], None],
        *,
        home: Path,
        knowledge_dir: Path,
        max_file_bytes: int,
    ) -> None:
        self.records = records
        self._indexer = indexer
        self._refresh = refresh
        self.home = home
        self.knowledge_dir = knowledge_dir
        self.max_file_bytes = max_file_bytes

    @property
    def uploads_dir(self) -> Path:
        return self.home / "uploads"

    def add(self, name: str, data: bytes, *, audience: str = "all") -> Path:
        """Check and keep an uploaded framework (.json) or guide; returns where it was kept."""
        clean = safe_file_name(name, "upload")
        name = clean if len(name) > MAX_NAME else name  # messages name a long upload shortly
        suffix = Path(clean).suffix.lower()
        if suffix not in FRAMEWORK_SUFFIXES + GUIDE_SUFFIXES:
            allowed = ", ".join(FRAMEWORK_SUFFIXES + GUIDE_SUFFIXES)
            raise UploadError(f"{name}: not a framework or guide file (allowed: {allowed})")
        if len(data) > self.max_file_bytes:
            raise UploadError(
                f"{name}: {len(data):,} bytes is over the limit of "
                f"{self.max_file_bytes:,} bytes (setting max_file_bytes)"
            )
        if not data.strip():
            raise UploadError(f"{name}: the file is empty")
        if suffix in FRAMEWORK_SUFFIXES:
            folder = self.uploads_dir / "frameworks"
        else:
            if audience not in AUDIENCES:
                raise UploadError(f"{name}: unknown audience {audience!r}")
            folder = self.uploads_dir / ("guides" if audience == "all" else audience)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / clean
        handle, temporary = tempfile.mkstemp(prefix=".upload-", suffix=suffix, dir=folder)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            self._check(Path(temporary), clean, suffix, target)
            os.replace(temporary, target)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        return target

    def reindex(self, progress: Callable[[int, int], None] | None = None) -> IngestReport:
        """Index the bundled knowledge and the uploads; prune uploads that were deleted."""
        targets = [self.knowledge_dir]
        if self.uploads_dir.is_dir():
            targets.append(self.uploads_dir)
        report = self._indexer().ingest(targets, prune=True, progress=progress)
        self._refresh()
        return report

    def add_and_index(
        self,
        name: str,
        data: bytes,
        *,
        audience: str = "all",
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[Path, IngestReport]:
        """Check and keep an upload, then index it: one step for the admin."""
        kept = self.add(name, data, audience=audience)
        return kept, self.reindex(progress=progress)

    def remove(self, path: str, progress: Callable[[int, int], None] | None = None) -> IngestReport:
        """Delete an uploaded file (its path as `files()` lists it) and take its passages out
        of the index. Files of the knowledge folder are not removed here."""
        uploads = self.uploads_dir.resolve()
        target = (uploads / path).resolve()
        if (
            not path
            or not target.is_relative_to(uploads)
            or target == uploads
            or not target.is_file()
        ):
            raise UploadError(f"{path}: not an uploaded file (only uploads can be removed)")
        target.unlink()
        return self.reindex(progress=progress)

    def files(self) -> list[IndexedFile]:
        """Every indexed file, uploads first, each with what its passages are and for whom."""
        records = self.records
        by_id = {c.id: c for c in records.all_chunks()}
        knowledge = self.knowledge_dir
        roots = [
            (root_key(self.uploads_dir, knowledge), self.uploads_dir),
            (root_key(knowledge, knowledge), knowledge),
        ]
        found: list[IndexedFile] = []
        for key, folder in roots:
            uploaded = folder == self.uploads_dir
            for record in sorted(records.files_under(key), key=lambda r: r.path):
                ids = records.chunk_ids(key, record.path)
                meta = _file_metadata([by_id[i] for i in sorted(ids) if i in by_id])
                on_disk = folder / record.path
                changed = (
                    datetime.fromtimestamp(on_disk.stat().st_mtime).date()
                    if on_disk.is_file()
                    else None
                )
                found.append(
                    IndexedFile(
                        record.path,
                        uploaded,
                        record.kind,
                        str(meta.get("doc_type") or record.kind),
                        str(meta.get("audience") or ""),
                        str(meta.get("language") or ""),
                        len(ids),
                        changed,
                    )
                )
        return found

    def stats(self) -> IndexStats:
        chunks = self.records.all_chunks()
        sources = {c.metadata.get("path") or c.source for c in chunks}
        uploads = (
            tuple(
                p.relative_to(self.uploads_dir).as_posix()
                for p in sorted(self.uploads_dir.rglob("*"))
                if p.is_file() and not p.name.startswith(".")
            )
            if self.uploads_dir.is_dir()
            else ()
        )
        return IndexStats(
            files=len(sources),
            chunks=len(chunks),
            by_type=_count(c.metadata.get("doc_type") for c in chunks),
            by_audience=_count(c.metadata.get("audience") for c in chunks),
            by_language=_count(c.metadata.get("language") for c in chunks),
            frameworks=tuple(self.records.frameworks()),
            uploads=uploads,
        )

    def _check(self, path: Path, name: str, suffix: str, target: Path) -> None:
        try:
            if suffix in FRAMEWORK_SUFFIXES:
                framework = load_framework(path, display_name=name, max_bytes=self.max_file_bytes)
                # The indexer's check too: the upload's codes are its own (`target` is the
                # upload it replaces, if any).
                self._frameworks_in_use().check(framework, target, name)
            else:
                load_guide(path, name, max_bytes=self.max_file_bytes)
        except WaypointError as exc:
            raise UploadError(
                f"{name}: refused, nothing was changed: {_without(exc, path)}"
            ) from exc

    def _frameworks_in_use(self) -> FrameworksInUse:
        recorded = (fw.get("file") for fw in self.records.frameworks())
        return FrameworksInUse(lambda: framework_files(self.knowledge_dir, recorded))


def _file_metadata(chunks: list[Chunk]) -> dict[str, MetadataValue]:
    """What a file's passages say it is: a passage's own metadata, not that of an entry for a
    question one of its sections answers (doc_type "question")."""
    passages = [c for c in chunks if c.metadata.get("doc_type") != QUESTION]
    return (passages or chunks)[0].metadata if chunks else {}


def _count(values: object) -> dict[str, int]:
    counter: Counter[str] = Counter(str(v) for v in values if v)  # type: ignore[attr-defined]
    return dict(counter.most_common())


def _without(exc: Exception, path: Path) -> str:
    """The error message without the temporary file's path."""
    text = str(exc).replace(str(path), "").strip()
    return text.lstrip(":, ") or type(exc).__name__
