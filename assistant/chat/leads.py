"""A section's lead: the opening paragraph (or a list with its lead-in) kept intact and trimmed
at sentence boundaries. A lead that holds a sentence the injection guard drops is refused (the
caller then takes another section), never stitched around it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.chat.guards import looks_like_injection
from assistant.types import Chunk

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“«¿¡(*]?[A-ZÁÉÍÓÚÑ0-9])")
LIST_ITEM = re.compile(r"^\s*(?:[-*]|\d+[.)])\s+")


def body_of(chunk: Chunk) -> str:
    """A chunk's text without the heading line the chunker puts first."""
    text = chunk.text
    return text.split("\n\n", 1)[1] if "\n\n" in text else text


def blocks(text: str) -> list[str]:
    """Paragraphs and lists of a section body, each list kept as one block with its lead-in."""
    out: list[str] = []
    for raw in re.split(r"\n\s*\n", text.strip()):
        block = raw.strip()
        if not block or block.startswith(("|", "#", "```", "[^")):
            continue
        lines = block.splitlines()
        is_list = bool(LIST_ITEM.match(lines[0]))
        if out and is_list and out[-1].replace("**", "").rstrip().endswith(":"):
            out[-1] = out[-1] + "\n" + block
        else:
            out.append(block)
    if out and out[-1].replace("**", "").rstrip().endswith(":") and not _has_list(out[-1]):
        out.pop()  # a list's lead-in whose list is in the section's next chunk
    return out


def sentences(paragraph: str) -> list[str]:
    line = " ".join(paragraph.split())
    return [s.strip() for s in SENTENCE_END.split(line) if s.strip()]


def lead_text(
    text: str, max_words: int, *, want_list: bool = False, more: bool = False
) -> str | None:
    """The section's lead: its first paragraph (and, when it introduces a list, the list),
    cut at the last sentence or list item that fits in `max_words`. None when the lead holds a
    sentence the injection guard drops (the caller then takes another section)."""
    parts = blocks(text)
    if not parts:
        return None
    chosen = parts[0]
    if want_list and not _has_list(chosen):
        chosen = next((p for p in parts[:3] if _has_list(p)), chosen)
    if "\n" in chosen and _has_list(chosen):
        return _trim_list(chosen, max_words)
    kept = _opening(chosen, max_words)
    if kept is None:
        return None
    words = _count(kept)
    with_model = _with_model(kept, words, parts, max_words)
    if with_model is not None:
        return with_model
    # a short lead ("A 2 means Developing.") reads better with the paragraph or list after it
    short = bool(kept) and words < max_words // 2 and not kept[-1].endswith(":")
    paragraphs = [" ".join(kept)]
    if (short or more) and len(parts) > 1:
        # a one-line lead ("A 2 means Developing.") reads better with the paragraph after it;
        # "tell me more" goes on through the section
        later = parts[1:] if more else parts[1:2]
        paragraphs = _continued(paragraphs[0], later, words, max_words, join=short and not more)
    text = "\n\n".join(p for p in paragraphs if p).replace("**", "")
    return text or None


def _count(kept: Sequence[str]) -> int:
    return sum(len(sentence.split()) for sentence in kept)


def _opening(paragraph: str, max_words: int) -> list[str] | None:
    """The paragraph's sentences that fit in `max_words` (at least one); None when one read
    before the cut is one the injection guard drops."""
    kept: list[str] = []
    words = 0
    for sentence in sentences(paragraph):
        if looks_like_injection(sentence):
            return None
        count = len(sentence.split())
        if kept and words + count > max_words:
            break
        kept.append(sentence)
        words += count
    return kept


def _with_model(kept: list[str], words: int, parts: list[str], max_words: int) -> str | None:
    """ "Here is a model you can change:" — the model (the next paragraph) is part of the answer
    when it is clean and fits; None otherwise."""
    if not (kept and kept[-1].endswith(":") and len(parts) > 1 and not _has_list(parts[1])):
        return None
    model = parts[1]
    clean = not any(looks_like_injection(x) for x in sentences(model))
    if clean and words + len(model.split()) <= max_words * 1.5:
        return "\n\n".join([" ".join(kept), " ".join(model.split())]).replace("**", "")
    return None


def _continued(
    opening: str, later: Sequence[str], words: int, max_words: int, *, join: bool
) -> list[str]:
    """The opening followed by the later blocks that fit (`join`: the sentences added to the
    opening's own paragraph); a block with a planted sentence, or that does not fit, ends it."""
    paragraphs = [opening]
    for block in later:
        if _has_list(block):
            listed = _trim_list(block, max_words - words)
            if listed is None or words + len(listed.split()) > max_words * 1.5:
                break
            paragraphs.append(listed)
            words += len(listed.split())
            continue
        added = _fitting(block, words, max_words)
        if not added:
            break
        words += _count(added)
        if join:
            paragraphs[-1] += " " + " ".join(added)
        else:
            paragraphs.append(" ".join(added))
    return paragraphs


def _fitting(block: str, words: int, max_words: int) -> list[str]:
    """The block's first sentences that fit beside `words` already kept; none when any of its
    sentences is one the injection guard drops (it is left out whole, never stitched)."""
    block_sentences = sentences(block)
    if any(looks_like_injection(sentence) for sentence in block_sentences):
        return []
    added: list[str] = []
    for sentence in block_sentences:
        count = len(sentence.split())
        if words + count > max_words:
            break
        added.append(sentence)
        words += count
    return added


def _has_list(block: str) -> bool:
    return any(LIST_ITEM.match(line) for line in block.splitlines())


def list_lines(block: str) -> list[str]:
    """A list block's lines: its lead-in and items, an item wrapped onto the next line joined."""
    lines: list[str] = []
    for raw in block.splitlines():
        line = raw.strip()
        if not line:
            continue
        if lines and not LIST_ITEM.match(raw) and not lines[-1].endswith(":"):
            lines[-1] += " " + line  # a list item wrapped onto the next line
        else:
            lines.append(line)
    return lines


def checked_texts(body: str) -> list[str]:
    """Every text of a section body the lead and answering-paragraph code may ask the injection
    guard about: each block's sentences, and a list block's lines, each once."""
    texts: dict[str, None] = {}
    for block in blocks(body):
        texts.update(dict.fromkeys(sentences(block)))
        if _has_list(block):
            texts.update(dict.fromkeys(list_lines(block)))
    return list(texts)


def _trim_list(block: str, max_words: int) -> str | None:
    kept: list[str] = []
    words = 0
    for line in list_lines(block):
        if looks_like_injection(line):
            return None
        count = len(line.split())
        if kept and words + count > max_words * 1.5:
            break
        item = LIST_ITEM.match(line)
        kept.append(f"- {line[item.end() :]}" if item else line)
        words += count
    return "\n".join(kept).replace("**", "")
