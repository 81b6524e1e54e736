"""Find the files of a corpus and name them relative to their root."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from assistant.ingest.loaders import GUIDE_SUFFIXES

FRAMEWORK_SUFFIXES = (".json",)
SKIPPED_NAMES = {"readme.md", "license", "license.md", "changelog.md"}


@dataclass(frozen=True)
class CorpusFile:
    root: str  # a stable key for the corpus root
    path: str  # relative to the root, with forward slashes
    file: Path

    @property
    def is_framework(self) -> bool:
        return self.file.suffix.lower() in FRAMEWORK_SUFFIXES


def root_key(root: Path, bundled: Path) -> str:
    resolved = root.resolve()
    return "knowledge" if resolved == bundled.resolve() else str(resolved)


def discover(target: Path, bundled: Path) -> tuple[str, list[CorpusFile]]:
    """All indexable files under `target` (a folder or a single file), in a stable order."""
    if target.is_file():
        root = target.parent
        files = [target]
    else:
        root = target
        files = sorted(p for p in target.rglob("*") if p.is_file() and _wanted(p, target))
    key = root_key(root, bundled)
    return key, [CorpusFile(key, p.relative_to(root).as_posix(), p) for p in files]


def _wanted(path: Path, root: Path) -> bool:
    relative = path.relative_to(root)
    if any(part.startswith(".") for part in relative.parts):
        return False
    if path.name.lower() in SKIPPED_NAMES:
        return False
    return path.suffix.lower() in GUIDE_SUFFIXES + FRAMEWORK_SUFFIXES


def is_json_schema(path: Path) -> bool:
    """A JSON Schema document (such as the CASE schema itself) is not a framework."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError):  # the importer reports what is wrong
        return False
    if not isinstance(data, dict) or "CFDocument" in data:
        return False
    return "$schema" in data or ("definitions" in data and "properties" in data)
