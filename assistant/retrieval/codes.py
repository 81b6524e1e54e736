"""Find competency codes such as 7.RP.A.2 or M.6.RP.1 in a query and match them to chunks."""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.types import Chunk

# Dotted tokens with at least one digit: 7.RP.A.2, M.6.3, CCSS.Math.Content.6.RP.A.1, H.SD.A.1
CODE_TOKEN = re.compile(r"(?<![\w.])([A-Za-z0-9]{1,12}(?:\.[A-Za-z0-9]{1,12}){1,7})(?![\w.]*\w)")


def codes_in(query: str) -> list[str]:
    found = []
    for match in CODE_TOKEN.finditer(query):
        token = match.group(1).rstrip(".")
        if any(ch.isdigit() for ch in token) and not _is_number(token):
            found.append(token)
    return found


def _is_number(token: str) -> bool:
    return re.fullmatch(r"\d+(\.\d+)*", token) is not None and token.count(".") < 2


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
