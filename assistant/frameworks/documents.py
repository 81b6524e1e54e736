"""Turn a framework's competencies into indexable chunks with rich metadata."""

from __future__ import annotations

from assistant.frameworks.model import Competency, Framework
from assistant.types import Chunk, MetadataValue, make_chunk


def framework_chunks(framework: Framework, path: str) -> list[Chunk]:
    """One chunk per item, plus one for its proficiency levels when the framework has them."""
    chunks: list[Chunk] = []
    for item in framework:
        metadata = _metadata(framework, item, path)
        chunks.append(
            make_chunk(
                framework.title, _item_text(framework, item), {**metadata, "section": "Competency"}
            )
        )
        levels = framework.levels.get(item.identifier)
        if levels:
            lines = [f"{item.label} {item.short_title}: what each proficiency level looks like"]
            for level in levels:
                line = f"{level.score:g} {level.label}: {level.description}".strip()
                if level.feedback:
                    line += f" Next move: {level.feedback}"
                lines.append(line)
            chunks.append(
                make_chunk(
                    framework.title, "\n".join(lines), {**metadata, "section": "Proficiency levels"}
                )
            )
    return chunks


def _metadata(framework: Framework, item: Competency, path: str) -> dict[str, MetadataValue]:
    parents = framework.parent_path(item.identifier)
    return {
        "doc_type": "competency",
        "title": f"{item.label} {item.short_title}".strip(),
        "framework": framework.title,
        "framework_id": framework.identifier,
        "identifier": item.identifier,
        "code": item.code or "",
        "item_type": item.item_type,
        "education_levels": ",".join(item.education_levels),
        "parent_path": " > ".join(p.label for p in parents),
        "prerequisites": ",".join(p.label for p in framework.prerequisites_of(item.identifier)),
        "audience": "all",
        "language": item.language or framework.language or "en",
        "path": path,
    }


def _item_text(framework: Framework, item: Competency) -> str:
    lines = [f"{item.label} — {item.short_title}" if item.title else item.label, item.statement]
    parents = framework.parent_path(item.identifier)
    if parents:
        lines.append(
            "Part of: " + "; ".join(f"{p.label} {p.short_title}".strip() for p in parents) + "."
        )
    lines.append(f"Framework: {framework.title}.")
    if item.education_levels:
        lines.append("Grade levels: " + ", ".join(item.education_levels) + ".")
    prerequisites = framework.prerequisites_of(item.identifier)
    if prerequisites:
        lines.append(
            "Builds on: "
            + "; ".join(f"{p.label} {p.short_title}".strip() for p in prerequisites)
            + "."
        )
    dependents = framework.dependents_of(item.identifier)
    if dependents:
        lines.append(
            "Leads to: " + "; ".join(f"{d.label} {d.short_title}".strip() for d in dependents) + "."
        )
    if item.keywords:
        lines.append("Keywords: " + ", ".join(item.keywords) + ".")
    if item.notes:
        lines.append(item.notes)
    return "\n".join(lines)
