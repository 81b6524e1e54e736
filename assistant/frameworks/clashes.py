"""Competency codes must name one competency: a new framework may not reuse another's codes.

Teachers name competencies by code in evidence files, overrides and questions. A second
framework that reuses codes another framework already has would make every such code ambiguous
(the evidence import then refuses it), so it is refused where it comes in, at ingest and at
upload, naming its file, the codes and the framework that has them. Another version of the same
framework (the same CASE identifier) replaces it and is no clash.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from assistant.errors import FrameworkImportError
from assistant.frameworks.case_import import load_framework
from assistant.frameworks.model import Framework

SHOWN_CODES = 5


def framework_files(knowledge_dir: Path, recorded: Iterable[object]) -> list[Path]:
    """The files of the frameworks in use: the bundled ones, then those the index recorded
    (the `file` of each of IndexRecords.frameworks())."""
    folder = knowledge_dir / "frameworks"
    bundled = sorted(folder.rglob("*.json")) if folder.is_dir() else []
    return [*bundled, *(Path(str(f)) for f in recorded if f)]


class FrameworksInUse:
    """The frameworks a new one is checked against: read from `files` on first use (a file
    that is gone or does not import is left out), plus those added since."""

    def __init__(self, files: Callable[[], Iterable[Path]]) -> None:
        self._files = files
        self._loaded: dict[Path, Framework] | None = None

    def _frameworks(self) -> dict[Path, Framework]:
        if self._loaded is None:
            self._loaded = {}
            for path in self._files():
                resolved = path.resolve()
                if resolved in self._loaded or not path.is_file():
                    continue
                try:
                    self._loaded[resolved] = load_framework(path, display_name=path.name)
                except FrameworkImportError:
                    continue
        return self._loaded

    def add(self, path: Path, framework: Framework) -> None:
        self._frameworks()[path.resolve()] = framework

    def check(self, framework: Framework, path: Path, name: str) -> None:
        """Refuse `framework` (read from `path`, shown as `name`) if it reuses the codes of a
        framework in use other than the one `path` held before."""
        others = [fw for p, fw in self._frameworks().items() if p != path.resolve()]
        check_codes(framework, others, name)


def code_clashes(framework: Framework, others: Iterable[Framework]) -> dict[str, list[str]]:
    """For each other framework (by title and file) the codes of `framework` it already has
    on other items, compared without case; a framework with the same identifier is not another
    one."""
    mine = {item.code.casefold(): item for item in framework if item.code}
    clashes: dict[str, list[str]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for other in others:
        if other.identifier == framework.identifier:
            continue
        label = f"{other.title!r} ({Path(other.source).name})"
        for item in other:
            key = item.code.casefold() if item.code else ""
            same = mine.get(key)
            # The very same item (one identifier) in two packages is one competency.
            if same is None or same.identifier == item.identifier or (label, key) in seen:
                continue
            seen.add((label, key))
            clashes[label].append(str(same.code))
    return dict(clashes)


def check_codes(framework: Framework, others: Iterable[Framework], name: str) -> None:
    """FrameworkImportError naming the file, the reused codes and who has them, if any."""
    clashes = code_clashes(framework, others)
    if not clashes:
        return
    parts = [
        f"{_listed(codes)} already used by the framework {who}" for who, codes in clashes.items()
    ]
    raise FrameworkImportError(
        name,
        f"reuses competency codes: {'; '.join(parts)}. Evidence, overrides and questions could "
        "not tell the two apart: give this framework codes of its own (humanCodingScheme) or "
        "remove the other framework first",
    )


def _listed(codes: list[str]) -> str:
    ordered = sorted(codes)
    shown = ", ".join(ordered[:SHOWN_CODES])
    more = len(ordered) - SHOWN_CODES
    return f"{shown} and {more} more" if more > 0 else shown
