"""What the knowledge folder offers for a competency: practice resources and mini-lessons.

Resources link themselves through the `competencies:` list in their front matter. Teacher guides
offer mini-lessons as sections whose heading names the codes they serve, e.g.
`## Sticking point: ratio tables and missing values (M.6.RP.4)` or `(M.7.RP.2 to M.7.RP.5)`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter

from assistant.frameworks.codes import codes_with_ranges

EXIT_CHECK = re.compile(r"^\*\*Exit check:\*\*\s*(.+)$", re.MULTILINE)
MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class ResourceLink:
    """A practice resource for one or more competencies; path is relative to the knowledge dir."""

    title: str
    path: str

    def as_json(self) -> dict[str, str]:
        return {"title": self.title, "path": self.path}


@dataclass(frozen=True)
class Activity:
    """A mini-lesson or activity from a teacher guide, for a flexible group."""

    guide: str
    section: str
    path: str
    exit_check: str = ""
    breadth: int = 0

    def as_json(self) -> dict[str, str]:
        return {
            "guide": self.guide,
            "section": self.section,
            "path": self.path,
            "exit_check": self.exit_check,
        }


@dataclass(frozen=True)
class PracticeIndex:
    """Resources and teacher activities by competency code (casefolded)."""

    resources: dict[str, tuple[ResourceLink, ...]]
    activities: dict[str, tuple[Activity, ...]]
    problems: tuple[str, ...] = ()
    # The same resources in other languages: (language, English resource path) -> link.
    translated: dict[tuple[str, str], ResourceLink] = field(default_factory=dict)

    def resources_for(self, code: str) -> tuple[ResourceLink, ...]:
        return self.resources.get(code.casefold(), ())

    def in_language(self, link: ResourceLink, language: str) -> ResourceLink:
        """The resource in that language when one exists beside it, else the resource."""
        return self.translated.get((language, link.path), link)

    def activities_for(self, code: str) -> tuple[Activity, ...]:
        return self.activities.get(code.casefold(), ())


def scan_practice(knowledge_dir: Path) -> PracticeIndex:
    problems: list[str] = []
    resources: dict[str, list[ResourceLink]] = defaultdict(list)
    translated: dict[tuple[str, str], ResourceLink] = {}
    for path, meta, _ in _markdown(knowledge_dir, "resources", problems):
        link = ResourceLink(str(meta.get("title") or path.stem), _relative(path, knowledge_dir))
        language = str(meta.get("language") or "en")
        if language != "en":  # `name.es.md` beside `name.en.md`: a translation, not a resource
            original = _relative(
                path.with_name(path.name.replace(f".{language}.", ".en.")), knowledge_dir
            )
            translated[(language, original)] = link
            continue
        for code in _codes(meta.get("competencies")):
            resources[code.casefold()].append(link)
    by_section: dict[str, list[Activity]] = defaultdict(list)
    by_guide: dict[str, list[Activity]] = defaultdict(list)
    for path, meta, body in _markdown(knowledge_dir, "guides", problems):
        if str(meta.get("audience", "")).strip() != "teachers":
            continue
        title = str(meta.get("title") or path.stem)
        relative = _relative(path, knowledge_dir)
        for heading, text in _sections(body):
            exit_check = EXIT_CHECK.search(text)
            named = codes_with_ranges(heading)
            activity = Activity(
                title,
                heading,
                relative,
                exit_check.group(1).strip() if exit_check else "",
                len(named),
            )
            for code in named:
                by_section[code.casefold()].append(activity)
        for code in _codes(meta.get("competencies")):
            by_guide[code.casefold()].append(Activity(title, "", relative))
    # The most specific mini-lesson first: the section whose heading names the fewest codes.
    activities = {
        code: tuple(sorted(by_section.get(code, []), key=lambda a: a.breadth))
        + tuple(by_guide.get(code, []))
        for code in set(by_section) | set(by_guide)
    }
    return PracticeIndex(
        {code: tuple(links) for code, links in resources.items()},
        activities,
        tuple(problems),
        translated,
    )


def _markdown(
    knowledge_dir: Path, folder: str, problems: list[str]
) -> Iterable[tuple[Path, dict[str, Any], str]]:
    root = knowledge_dir / folder
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*.md")):
        try:
            if path.stat().st_size > MAX_BYTES:
                problems.append(f"{path.name}: larger than {MAX_BYTES} bytes, skipped")
                continue
            post = frontmatter.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        yield path, dict(post.metadata), post.content


def _sections(body: str) -> list[tuple[str, str]]:
    sections: list[tuple[str, str]] = []
    heading: str | None = None
    lines: list[str] = []
    for line in body.splitlines():
        if line.startswith("## ") or line.startswith("### "):
            if heading is not None:
                sections.append((heading, "\n".join(lines)))
            heading, lines = line.lstrip("#").strip(), []
        elif heading is not None:
            lines.append(line)
    if heading is not None:
        sections.append((heading, "\n".join(lines)))
    return sections


def _codes(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,;\s]+", value) if part.strip()]
    if isinstance(value, list):
        return [str(part).strip() for part in value if str(part).strip()]
    return []


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name
