"""Citations: what an answer names as its source, for a retrieved passage or a competency."""

from __future__ import annotations

from assistant.chat.types import Citation
from assistant.frameworks.catalog import CatalogEntry
from assistant.types import SearchHit


def citation_for(hit: SearchHit, snippet: str) -> Citation:
    """A citation naming a retrieved passage's source, section and code."""
    meta = hit.chunk.metadata
    return Citation(
        source=hit.chunk.source,
        title=hit.chunk.title,
        section=str(meta.get("section") or "") or None,
        code=str(meta.get("code") or "") or None,
        snippet=snippet,
    )


def competency_citation(entry: CatalogEntry, snippet: str) -> Citation:
    """A citation naming a competency of a framework."""
    return Citation(
        source=entry.framework_title,
        title=f"{entry.code} {entry.title}",
        section=None,
        code=entry.code,
        snippet=snippet,
    )
