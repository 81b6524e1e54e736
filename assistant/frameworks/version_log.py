"""Applying a new version of a framework, and the log of the versions applied.

Under WAYPOINT_HOME/framework-versions/ each framework (by CFDocument identifier) has the
version last applied, as a CASE package (`<key>.json`, written by case_export), and its change
log (`<key>.changes.json`): one entry per applied version, with what changed and what happened
to the learner data on replaced and removed items.

A framework file that is indexed is applied as a version when it differs from the version last
applied and is not older than it (by CFDocument.lastChangeDateTime): evidence on replaced items
moves to the new items (see learners.competency_moves), evidence on removed items stays and is
listed as retired, then the log entry and the new snapshot are written. Moving comes first, so a
run that dies before the snapshot is written applies the version again (moving is idempotent).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from assistant.errors import FrameworkImportError
from assistant.frameworks.case_export import export_package
from assistant.frameworks.case_import import import_package
from assistant.frameworks.model import Framework
from assistant.frameworks.versions import FrameworkChanges, compare, render_changes

VERSIONS_DIR = "framework-versions"
log = logging.getLogger(__name__)


class LearnerSide(Protocol):
    """What a version change does to learner data (learners.competency_moves)."""

    def move(self, moves: Sequence[tuple[str, str, str]], what: str) -> dict[str, int]:
        """(old item, new item, new code) each; returns counts of what moved."""
        ...

    def evidence_on(self, identifiers: Collection[str]) -> dict[str, tuple[int, int]]:
        """Per item with evidence: (evidence rows, learners)."""
        ...


@dataclass
class Preview:
    """What applying `framework` would do."""

    framework: Framework
    previous: Framework | None
    changes: FrameworkChanges | None
    older: bool = False
    to_move: dict[str, tuple[int, int]] = field(default_factory=dict)
    retired: dict[str, tuple[int, int]] = field(default_factory=dict)

    def render(self) -> str:
        fw = self.framework
        if self.previous is None or self.changes is None:
            return f"{fw.title}: not in use yet; applying it adds {len(fw)} items."
        if self.older:
            return (
                f"{fw.title}: this file ({fw.last_changed or 'no date'}) is older than the "
                f"version in use ({self.previous.last_changed}); it would not be applied."
            )
        lines = [render_changes(self.changes)]
        lines.extend(_evidence_lines(self.changes, self.to_move, self.retired))
        return "\n".join(lines)


class VersionLog:
    """The applied version of each framework and its change log, as JSON files."""

    def __init__(self, home: Path) -> None:
        self.folder = home / VERSIONS_DIR

    def snapshot_path(self, identifier: str) -> Path:
        return self.folder / f"{_key(identifier)}.json"

    def log_path(self, identifier: str) -> Path:
        return self.folder / f"{_key(identifier)}.changes.json"

    def applied(self, identifier: str) -> Framework | None:
        path = self.snapshot_path(identifier)
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return import_package(data, source=path.name)
        except (OSError, ValueError, FrameworkImportError) as exc:
            log.warning("applied version %s unreadable (%s): compared as new", path, exc)
            return None

    def entries(self, identifier: str) -> list[dict[str, Any]]:
        path = self.log_path(identifier)
        if not path.is_file():
            return []
        data = json.loads(path.read_text(encoding="utf-8"))
        versions = data.get("versions") if isinstance(data, dict) else None
        return list(versions) if isinstance(versions, list) else []

    def record(self, framework: Framework, entry: dict[str, Any]) -> None:
        """Append `entry` to the framework's log, then make `framework` the applied version."""
        self.folder.mkdir(parents=True, exist_ok=True)
        versions = [*self.entries(framework.identifier), entry]
        document = {"framework": framework.identifier, "title": framework.title}
        _write_json(self.log_path(framework.identifier), {**document, "versions": versions})
        _write_json(self.snapshot_path(framework.identifier), export_package(framework))


class FrameworkVersions:
    def __init__(self, versions: VersionLog, learners: LearnerSide) -> None:
        self.log = versions
        self.learners = learners

    def preview(self, framework: Framework, in_use: Framework | None = None) -> Preview:
        """The change `framework` makes to the applied version (or `in_use` when none was
        recorded yet); reads learner data, writes nothing."""
        previous = self.log.applied(framework.identifier) or in_use
        if previous is None:
            return Preview(framework, None, None)
        if _older(framework, previous):
            return Preview(framework, previous, compare(previous, framework), older=True)
        changes = compare(previous, framework)
        to_move = (
            self.learners.evidence_on([r.old.identifier for r in changes.replaced])
            if changes.replaced
            else {}
        )
        retired = (
            self.learners.evidence_on([r.identifier for r in changes.removed])
            if changes.removed
            else {}
        )
        return Preview(framework, previous, changes, False, to_move, retired)

    def apply(self, framework: Framework) -> list[str]:
        """Apply `framework` as the current version; lines saying what was done."""
        previous = self.log.applied(framework.identifier)
        if previous is None:
            self.log.record(framework, _entry(framework, None, {}, {}))
            return []
        if _older(framework, previous):
            return [
                f"{framework.source}: older ({framework.last_changed or 'no date'}) than the "
                f"applied version of {framework.title} ({previous.last_changed}): its changes "
                "were not applied as a new version"
            ]
        changes = compare(previous, framework)
        if changes.is_empty:
            return []
        moves = [
            (r.old.identifier, r.new.identifier, framework.items[r.new.identifier].code or "")
            for r in changes.replaced
        ]
        what = f"framework {framework.title} version {framework.version or '?'}: replaced items"
        moved = self.learners.move(moves, what) if moves else {}
        retired = (
            self.learners.evidence_on([r.identifier for r in changes.removed])
            if changes.removed
            else {}
        )
        self.log.record(framework, _entry(framework, changes, moved, retired))
        lines = [render_changes(changes)]
        if moves:
            lines.append(
                f"  evidence moved to replacing items: {moved.get('evidence_moved', 0)} rows "
                f"({moved.get('learners', 0)} learners)"
            )
        lines.extend(_evidence_lines(changes, {}, retired))
        return lines


def render_log(title: str, entries: Sequence[dict[str, Any]]) -> str:
    """The change log as text: one block per applied version, oldest first."""
    if not entries:
        return f"{title}: no versions applied yet (run `waypoint ingest` on its file)."
    lines = [f"{title}: {len(entries)} version(s) applied"]
    for entry in entries:
        head = (
            f"- {entry.get('applied_at', '?')}: version {entry.get('version') or '?'} "
            f"({entry.get('last_changed') or 'no date'}) from {entry.get('source', '?')}"
        )
        lines.append(head)
        counts = entry.get("counts")
        if not isinstance(counts, dict):
            lines.append("    first version recorded")
            continue
        shown = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items() if v)
        lines.append(f"    {shown or 'no item changes'}")
        moved = entry.get("evidence_moved")
        if isinstance(moved, dict) and moved.get("evidence_moved"):
            lines.append(f"    evidence moved to replacing items: {moved['evidence_moved']} rows")
        for retired in entry.get("retired", []):
            lines.append(
                f"    retired: {retired['label']} {retired['title']} "
                f"({retired['evidence']} evidence rows kept, {retired['learners']} learners)"
            )
    return "\n".join(lines)


def _entry(
    framework: Framework,
    changes: FrameworkChanges | None,
    moved: dict[str, int],
    retired: dict[str, tuple[int, int]],
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "applied_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "version": framework.version,
        "last_changed": framework.last_changed,
        "source": framework.source,
        "items": len(framework),
    }
    if changes is not None:
        entry["counts"] = changes.counts()
        entry["changes"] = changes.as_json()
        entry["evidence_moved"] = moved
        entry["retired"] = [
            {
                "identifier": ref.identifier,
                "label": ref.label,
                "title": ref.title,
                "evidence": retired.get(ref.identifier, (0, 0))[0],
                "learners": retired.get(ref.identifier, (0, 0))[1],
            }
            for ref in changes.removed
        ]
    return entry


def _evidence_lines(
    changes: FrameworkChanges,
    to_move: dict[str, tuple[int, int]],
    retired: dict[str, tuple[int, int]],
) -> list[str]:
    lines: list[str] = []
    for replacement in changes.replaced:
        rows, learners = to_move.get(replacement.old.identifier, (0, 0))
        if rows:
            lines.append(
                f"  evidence that moves: {replacement.old.label} -> {replacement.new.label}: "
                f"{rows} rows, {learners} learners"
            )
    for ref in changes.removed:
        rows, learners = retired.get(ref.identifier, (0, 0))
        if rows:
            lines.append(
                f"  evidence kept on retired item {ref.label}: {rows} rows, {learners} learners"
            )
    return lines


def _older(candidate: Framework, applied: Framework) -> bool:
    new, old = _moment(candidate.last_changed), _moment(applied.last_changed)
    return new is not None and old is not None and new < old


def _moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _key(identifier: str) -> str:
    """A file name for an identifier: readable, and unique by a short hash."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", identifier)[:60].strip("._") or "framework"
    digest = hashlib.sha256(identifier.encode("utf-8")).hexdigest()[:10]
    return f"{readable}-{digest}"


def _write_json(path: Path, data: object) -> None:
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=2, ensure_ascii=False)
            stream.write("\n")
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
