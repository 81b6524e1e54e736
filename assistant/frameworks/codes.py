"""The one grammar of a competency code, such as 7.RP.A.2, M.6.RP.1 or H.SD.A.1: finding codes
in a question or a heading, and matching them to chunks.

A code is 2 to 8 dot-separated segments of 1 to 12 letters or digits, holding at least one
digit, that is not a plain decimal number (3.50 is a price; 1.2.3 is a code). Case does not
matter (people type m.6.rp.1). A code stands alone: not glued to a longer dotted word
(`CCSS.Math.Content.7.RP.A.2a` is one token, not `7.RP.A.2`); a full stop after it ends a
sentence. Questions, feedback, the chat and the practice index of the knowledge folder all
read codes through this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.types import Chunk

SEGMENT = r"[A-Za-z0-9]{1,12}"
DOTTED = rf"{SEGMENT}(?:\.{SEGMENT}){{1,7}}"
# Dotted tokens that stand alone; codes_in keeps those with a digit that are not numbers.
CODE_TOKEN = re.compile(rf"(?<![\w.])({DOTTED})(?![\w.]*\w)")
# Two codes joined by "to" or a dash: `M.7.RP.2 to M.7.RP.5` names the four codes between.
CODE_RANGE = re.compile(rf"(?<![\w.])({DOTTED})\s+(?:to|-|–)\s+({DOTTED})(?![\w.]*\w)")
NUMBER = re.compile(r"\d+(\.\d+)?")
MAX_RANGE = 50


def is_code(token: str) -> bool:
    """Whether a whole token is a competency code by the grammar above."""
    return (
        re.fullmatch(DOTTED, token) is not None
        and any(ch.isdigit() for ch in token)
        and NUMBER.fullmatch(token) is None
    )


def codes_in(query: str) -> list[str]:
    """The codes a text names, in order (repeats kept)."""
    found = []
    for match in CODE_TOKEN.finditer(query):
        token = match.group(1).rstrip(".")
        if is_code(token):
            found.append(token)
    return found


def codes_with_ranges(text: str) -> list[str]:
    """The codes a heading names, once each, with ranges like `M.7.RP.2 to M.7.RP.5` expanded
    (first the ranges' codes, then the others in order)."""
    found: list[str] = []
    for match in CODE_RANGE.finditer(text):
        first, last = match.group(1), match.group(2)
        if is_code(first) and is_code(last):
            found.extend(_expand(first, last))
    found.extend(codes_in(text))
    return list(dict.fromkeys(found))


def _expand(first: str, last: str) -> list[str]:
    head, _, start = first.rpartition(".")
    tail_head, _, end = last.rpartition(".")
    if head != tail_head or not (start.isdigit() and end.isdigit()) or int(end) < int(start):
        return [first, last]
    if int(end) - int(start) > MAX_RANGE:
        return [first, last]
    return [f"{head}.{n}" for n in range(int(start), int(end) + 1)]


def code_matches(code: str, token: str) -> int:
    """2 for an exact match, 1 when the code ends with the token at a dot, 0 otherwise."""
    code_cf, token_cf = code.casefold(), token.casefold()
    if code_cf == token_cf:
        return 2
    if code_cf.endswith("." + token_cf):
        return 1
    return 0


def rank_code_matches(tokens: Iterable[str], chunks: Iterable[Chunk]) -> list[Chunk]:
    """Chunks whose code matches a token: exact first, core competency before its levels."""
    tokens = list(tokens)
    if not tokens:
        return []
    scored = []
    for position, chunk in enumerate(chunks):
        code = str(chunk.metadata.get("code") or "")
        if not code:
            continue
        best = max(code_matches(code, token) for token in tokens)
        if best:
            core = chunk.metadata.get("section") == "Competency"
            scored.append((-best, 0 if core else 1, position, chunk))
    scored.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in scored]


def linked_to_codes(tokens: Iterable[str], chunks: Iterable[Chunk]) -> list[Chunk]:
    """Guide and resource chunks whose front matter lists a competency the tokens name."""
    tokens = list(tokens)
    if not tokens:
        return []
    found = []
    for chunk in chunks:
        listed = str(chunk.metadata.get("competencies") or "")
        if listed and any(
            code_matches(code.strip(), token) == 2 for code in listed.split(",") for token in tokens
        ):
            found.append(chunk)
    return found
