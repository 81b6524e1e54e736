"""A section's whole text from its indexed chunks: page by page, part by part, without the
heading line the chunker puts on each part and without the text the parts overlap by. Used by
the answers (a section's later paragraphs can answer) and by the app (a citation opens the
section it names)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from assistant.types import Chunk


def section_name(chunk: Chunk) -> str:
    return str(chunk.metadata.get("section") or "")


def _number(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def section_text(chunks: Sequence[Chunk]) -> str:
    """One section from its chunks: page by page, part by part. Two sections that share a
    name (a heading repeated in one file) follow one another instead of being interleaved."""
    ordered = sorted(
        chunks, key=lambda c: (_number(c.metadata.get("page")), _number(c.metadata.get("part")))
    )
    runs: list[list[str]] = []
    seen: dict[tuple[int, int], int] = {}
    for chunk in ordered:
        key = (_number(chunk.metadata.get("page")), _number(chunk.metadata.get("part")))
        run = seen.get(key, 0)
        seen[key] = run + 1
        if run == len(runs):
            runs.append([])
        runs[run].append(_body(chunk))
    return "\n\n".join(text for text in (_joined(run) for run in runs) if text)


def _body(chunk: Chunk) -> str:
    """A chunk's text without the heading line the chunker starts each part with."""
    title = str(chunk.metadata.get("title") or "")
    name = section_name(chunk)
    heading = f"{title} — {name}" if name else title
    prefix = f"{heading}\n\n"
    text = chunk.text[len(prefix) :] if chunk.text.startswith(prefix) else chunk.text
    return text.strip()


def _joined(pieces: Iterable[str]) -> str:
    """Consecutive parts of one section as one text: the start of a part that repeats the end
    of the one before (the splitter's overlap) is dropped; a part that starts at a ". "
    boundary continues its sentence; any other part starts a new paragraph."""
    text = ""
    for piece in pieces:
        if not text:
            text = piece
            continue
        shared = _overlap(text, piece)
        if shared:
            text += piece[shared:]
        elif piece.startswith("."):
            text += piece
        else:
            text += "\n\n" + piece
    return text


def _overlap(before: str, after: str) -> int:
    """How many leading characters of `after` repeat the end of `before`, counting only runs
    that start and end where the splitter cuts (at whitespace, or a kept ". " separator)."""
    cuts = [size for size in range(1, min(len(before), len(after)) + 1) if _cut_after(after, size)]
    for size in reversed(cuts):
        head = after[:size]
        starts = size == len(before) or before[-size - 1].isspace() or head.startswith(".")
        if starts and before.endswith(head):
            return size
    return 0


def _cut_after(text: str, size: int) -> bool:
    return size == len(text) or text[size].isspace() or text.startswith(". ", size)
