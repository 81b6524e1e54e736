"""Guards: bounded input, and retrieved text treated as data, never as instructions."""

from __future__ import annotations

import re
import unicodedata

from assistant.errors import WaypointError

INJECTION = re.compile(
    r"(ignore|disregard|forget|override)\s+(all\s+|any\s+|the\s+|your\s+)?"
    r"(previous|prior|above|earlier|preceding|system)?\s*(instructions|rules|directions|prompts?)"
    r"|ignora\w*\s+(todas\s+)?(las\s+)?(instrucciones|reglas)"
    r"|olvida\w*\s+(todas\s+)?(las\s+)?(instrucciones|reglas)"
    r"|nuevas\s+instrucciones|new\s+instructions"
    r"|system\s*(prompt|notice|message|override)|prompt\s+del\s+sistema"
    r"|\byou\s+are\s+now\b|\bahora\s+eres\b|\bact\s+as\b|\bpretend\s+(to\s+be|you\s+are)\b"
    r"|\bjailbreak|\bDAN\b|developer\s+mode|modo\s+desarrollador"
    r"|(reveal|print|show|repeat|leak)\s+(me\s+)?(your|the)\s+(system|hidden|secret|initial)"
    r"|</?\s*(system|assistant|user|passage|instructions?)\s*>"
    r"|^\s*(system|assistant|user)\s*:"
    r"|\brole\s*=\s*admin\b|\bPWNED\b"
    r"|<!--|-->"
    r"|\b[A-Za-z0-9+/]{40,}={0,2}"
    r"|https?://|www\.|\b[\w-]+\.(com|net|org|io|ru|xyz|example|info|biz|co|app|site|link)\b"
    r"|\b[a-z][\w-]*(\.[a-z][\w-]*)+/[a-z]\S*"
    r"|\b(password|passcode|contraseña|credit card|tarjeta de crédito|social security)\b"
    r"|\b(call|text|llame|llama)\b[^.]{0,40}\d{3}[^.]{0,5}\d{3,4}"
    r"|\b(pay|wire|send|pague|envíe)\b[^.]{0,30}(\$|€|usd|dollars|dólares)",
    re.IGNORECASE | re.MULTILINE,
)
CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u202a-\u202e]")


class MessageRejectedError(WaypointError):
    """A user message that cannot be processed (too long, empty)."""


def clean_message(text: str, max_chars: int) -> str:
    """Normalise and bound a user message; refuse one that is empty or too long."""
    text = CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()
    if not text:
        raise MessageRejectedError("the message is empty")
    if len(text) > max_chars:
        raise MessageRejectedError(
            f"the message is {len(text):,} characters; the limit is {max_chars:,}"
        )
    return text


def looks_like_injection(text: str) -> bool:
    """True for text that tries to instruct the assistant or send the reader elsewhere."""
    return INJECTION.search(text) is not None


def spotlight(passages: list[tuple[str, str]]) -> str:
    """Delimit retrieved passages so a model reads them as data: <passage id=..>…</passage>.

    Angle brackets inside the text are neutralised, so a passage cannot close its own tag.
    """
    blocks = []
    for passage_id, text in passages:
        safe = text.replace("<", "‹").replace(">", "›")
        blocks.append(f'<passage id="{passage_id}">\n{safe}\n</passage>')
    return "\n".join(blocks)
