"""Guards: bounded input, and retrieved text treated as data, never as instructions."""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Mapping

from assistant.errors import WaypointError

INJECTION = re.compile(
    r"(ignore|disregard|forget|override)\s+(all\s+|any\s+|the\s+|your\s+)?"
    r"(previous|prior|above|earlier|preceding|system)?\s*(instructions|rules|directions|prompts?)"
    r"|ignora\w*\s+(todas\s+)?(las\s+)?(instrucciones|reglas)"
    r"|olvida\w*\s+(todas\s+)?(las\s+)?(instrucciones|reglas)"
    r"|\bignore\s+(the|this|my|your)\s+(question|request|task)\b"
    r"|nuevas\s+instrucciones|new\s+instructions"
    r"|system\s*(prompt|notice|message|override)|prompt\s+del\s+sistema"
    r"|\byou\s+are\s+now\b|\bahora\s+eres\b|\bact\s+as\b|\bpretend\s+(to\s+be|you\s+are)\b"
    r"|\bjailbreak|(?-i:\bDAN\b)|developer\s+mode|modo\s+desarrollador"
    r"|(reveal|print|show|repeat|leak)\s+(me\s+)?(your|the)\s+(system|hidden|secret|initial)"
    r"|</?\s*(system|assistant|user|passage|instructions?)\s*>"
    r"|^\s*(system|assistant|user)\s*:"
    r"|\brole\s*=\s*admin\b|\bPWNED\b"
    r"|<!--|-->"
    r"|\b[A-Za-z0-9+/]{40,}={0,2}"
    r"|\b(password|passcode|contraseña|credit card|tarjeta de crédito|social security)\b"
    r"|\b(call|text|llame|llama)\b[^.]{0,40}\d{3}[^.]{0,5}\d{3,4}"
    r"|\b(pay|wire|send|pague|envíe)\b[^.]{0,30}(\$|€|usd|dollars|dólares)",
    re.IGNORECASE | re.MULTILINE,
)
# Somewhere else to go: an address, a host name, a short link or an IP address.
ELSEWHERE = re.compile(
    r"https?:|hxxps?:|\bwww\.|//[\w-]+\.[\w-]"
    r"|\b[\w-]+\.(com|net|org|io|ru|xyz|example|info|biz|co|app|site|link|edu|gov|us|uk|ca|au"
    r"|mx|ly|gl|gd|cc|tv|ws|pw|tk|ml|ga|cf|gq|su|ai|dev|tech|online|click|school|academy"
    r"|portal|email|support|help|zip|mov|top|live|page|me|to|in|at|be|id|gg)\b(?!\.\d)"
    r"|\b[a-z][\w-]*(\.[a-z][\w-]*)+/\w\S*"
    r"|\b(bit\.ly|t\.co|tinyurl\.com|goo\.gl|ow\.ly|is\.gd|buff\.ly|rebrand\.ly|cutt\.ly"
    r"|shorturl\.at|rb\.gy|t\.ly|tiny\.cc|s\.id|lnkd\.in|qrco\.de|v\.gd)\b"
    r"|(?<![\w.])(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(?![\w.]*\d)"
    r"|\b[0-9a-f]{1,4}(:[0-9a-f]{1,4}){7}\b|\b[0-9a-f]{1,4}(:[0-9a-f]{1,4})*::[0-9a-f]{1,4}\b"
    r"|\[\s*(\.|dot)\s*\]|\(\s*(\.|dot)\s*\)|\s+dot\s+(com|net|org)\b",
    re.IGNORECASE,
)
# Asking the reader for what opens an account: "enter your login and PIN at ...".
CREDENTIALS = re.compile(
    r"\b(enter|type|give|confirm|verify|submit|provide|share|send|update|re-?enter|input"
    r"|ingres\w*|escrib\w*|introduzc\w*|introduc\w*|confirm\w*|compart\w*|enví\w*|verifiqu\w*"
    r"|proporcion\w*|actualic\w*)\s+(your|tu|tus|su|sus)\b[^.!?]{0,40}"
    r"\b(log\s*-?\s*in|login|sign\s*-?\s*in|user\s*-?\s*name|(?-i:PIN)|passwords?|passcodes?"
    r"|credentials?|account\s+(number|details)|security\s+code|verification\s+code"
    r"|one[\s-]?time\s+(code|password)|(?-i:OTP|NIP)|nombre\s+de\s+usuario|clave\s+de\s+acceso"
    r"|datos\s+de\s+acceso|código\s+de\s+(seguridad|verificación))(?!\w)"
    r"|\b(log\s*-?\s*in|login|sign\s*-?\s*in|(?-i:PIN|NIP)|password|passcode|usuario|contraseña)"
    r"\b[^.!?]{0,40}\b(at|on|en)\s+[a-z][\w-]*(\.[a-z][\w-]*)+",
    re.IGNORECASE,
)
# A telephone number near a word that asks to use it, or one written with a country code,
# an area code in brackets, or in groups ("555 0142", "020 7946 0958", "+1 555 014 2222").
PHONE_WORD = re.compile(
    r"\b(call|text|phone|telephone|tel|ring|dial|sms|whats\s*app|contact|llam\w*|teléfono"
    r"|telefono|marque|número|numero|contacte|escriba)\b",
    re.IGNORECASE,
)
DIGITS = re.compile(r"(?<![\w.-])\+?\(?\d[\d \t().\-]{4,}\d(?![\w]|-\w)")
DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")
# A country code ("+44 ...") or an area code in brackets ("(555) ..."), not "(1) 125. (2) 10".
AREA_CODE = re.compile(r"\+\s?\d|\(\d{2,5}\)")
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]")


class MessageRejectedError(WaypointError):
    """A user message that cannot be processed: `reason` is "empty" or "too_long"."""

    def __init__(self, message: str, *, reason: str, limit: int = 0) -> None:
        super().__init__(message)
        self.reason = reason
        self.limit = limit


def clean_message(text: str, max_chars: int) -> str:
    """Normalise, then bound a user message; refuse one that is empty or too long.

    Control characters and every invisible format character (zero-width spaces and joiners,
    bidirectional marks, the byte-order mark: Unicode category Cf) are removed after NFC, so a
    message of only invisible characters is empty, and the length checked is the length kept."""
    normal = unicodedata.normalize("NFC", text)
    text = "".join(c for c in CONTROL.sub("", normal) if unicodedata.category(c) != "Cf").strip()
    if not text:
        raise MessageRejectedError("the message is empty", reason="empty")
    if len(text) > max_chars:
        raise MessageRejectedError(
            f"the message is {len(text):,} characters; the limit is {max_chars:,}",
            reason="too_long",
            limit=max_chars,
        )
    return text


# Text addressed to the assistant rather than to the reader of a guide.
ADDRESSED_TO_ASSISTANT = re.compile(
    r"\bnote to the (ai|model|assistant|bot|chatbot)\b|\b(ai|language) model reading\b"
    r"|\[/?INST\]|<<\s*/?SYS\s*>>|\bhidden instruction|\binstrucci[oó]n oculta"
    r"|\bfrom now on,? (reply|respond|answer|say|only)\b|\b(reply|respond|answer) only with\b"
    r"|\bdesde ahora,? (responde|contesta|di)\b|\bwhatever the (question|user) (is|says)\b"
    r"|\bignore (the|this|that|my|your) (question|message|request|user)\b"
    r"|\bignora (la|esta) pregunta\b|\bdisregard the\b|\bno hagas caso\b"
    r"|\binstead,? (write|say|reply|respond|tell|output)\b|\ben su lugar,? (escribe|di)\b"
    r"|\btell anyone who reads\b|\banyone who reads this\b|\bsign (off|it) as\b"
    r"|\boutput the (full|whole|complete|entire)\b|\bbefore you answer\b"
    r"|\b(write|produce) a persuasive\b"
    r"|^\s*(waypoint|assistant|asistente)\s*,\s*(from now|ignore|forget|reply|respond|say|tell"
    r"|you are|output|print|do not|don'?t|olvida|ignora|responde|di)\b"
    r"|\bai (assistants?|models?|systems?)\b"
    r"|\b(append|add) .{0,60}\bto (every|each|all|your) (answers?|repl(y|ies)|responses?)\b",
    re.IGNORECASE | re.MULTILINE,
)


# "di 'HACKEADO'": a shouted word to say, case-sensitive (a guide's `Di "porque"` is fine).
SAY_SHOUTED = re.compile(r"\b[Dd]i\s+['\"«‘“][A-ZÁÉÍÓÚÑ]{3,}['\"»’”]")


# Bump when the checks change other than in their patterns (`has_phone_number`'s rules, say):
# verdicts stored at ingest are keyed by this and by the patterns, so old ones are not read.
CHECKS_VERSION = "1"


class Verdicts:
    """The guard's verdicts on texts it has seen, in this process only, at most `limit`
    (the least recently used go first)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._known: OrderedDict[str, bool] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._known)

    def get(self, text: str) -> bool | None:
        with self._lock:
            verdict = self._known.get(text)
            if verdict is not None:
                self._known.move_to_end(text)
            return verdict

    def put(self, verdicts: Mapping[str, bool]) -> None:
        with self._lock:
            for text, verdict in verdicts.items():
                self._known[text] = verdict
                self._known.move_to_end(text)
            while len(self._known) > self.limit:
                self._known.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._known.clear()


# A section's lead is cut for every word budget from the same sentences, and the patterns cost
# about a quarter of a millisecond a sentence: each verdict is remembered (and those of the
# sections an answer reads are first looked up among the ones stored at ingest).
VERDICTS = Verdicts(limit=16384)


def looks_like_injection(text: str) -> bool:
    """True for text that tries to instruct the assistant or send the reader elsewhere.
    Remembered per text (`VERDICTS`)."""
    verdict = VERDICTS.get(text)
    if verdict is None:
        verdict = injection_check(text)
        VERDICTS.put({text: verdict})
    return verdict


def injection_check(text: str) -> bool:
    """`looks_like_injection` without the memory. The text is compared in its compatibility
    form, so full-width or styled letters don't hide it."""
    text = unicodedata.normalize("NFKC", text)
    return (
        ADDRESSED_TO_ASSISTANT.search(text) is not None
        or SAY_SHOUTED.search(text) is not None
        or INJECTION.search(text) is not None
        or ELSEWHERE.search(text) is not None
        or CREDENTIALS.search(text) is not None
        or has_phone_number(text)
    )


@functools.cache
def _checks_id() -> bytes:
    """What the verdicts depend on: the checks' version and every pattern with its flags."""
    patterns = (ADDRESSED_TO_ASSISTANT, SAY_SHOUTED, INJECTION, ELSEWHERE, CREDENTIALS)
    parts = [CHECKS_VERSION, *(f"{p.flags}:{p.pattern}" for p in patterns)]
    for pattern in (PHONE_WORD, DIGITS, DATE, AREA_CODE):
        parts.append(f"{pattern.flags}:{pattern.pattern}")
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=16).digest()


def verdict_key(text: str) -> str:
    """The key a verdict on `text` is stored under: the text's hash with the checks' own, so a
    verdict of other checks is never read (the text itself is not stored)."""
    digest = hashlib.blake2b(_checks_id(), digest_size=16)
    digest.update(text.encode("utf-8", "surrogatepass"))
    return "guard:" + digest.hexdigest()


def without_lures(text: str) -> str:
    """`text` without its sentences that look like instructions or lures, line by line: for
    guide text shown whole (a parent's "how to help at home") rather than sentence by sentence
    through the extractive composer, which leaves such sentences out itself."""
    kept_lines = []
    for line in text.split("\n"):
        sentences = SENTENCE_BREAK.split(line)
        kept_lines.append(" ".join(s for s in sentences if not looks_like_injection(s)))
    return "\n".join(kept_lines)


def has_phone_number(text: str) -> bool:
    """A run of 7 to 15 digits that reads as a telephone number.

    Near a word such as "call" or "text" any spacing counts ("5 5 5 0 1 4 2"); elsewhere the
    digits must be grouped as telephone numbers are, so that scores, codes, pages and dates in
    guides ("Score 3 of 4 on 6.RP.2", "pages 12-14", "2026-11-02") are not mistaken for one."""
    for found in DIGITS.finditer(text):
        run = found.group().strip(" \t.-")
        groups = re.findall(r"\d+", run)
        count = sum(len(group) for group in groups)
        if not 7 <= count <= 15 or DATE.fullmatch(run) or _is_decimals(run):
            continue
        before = text[max(0, found.start() - 40) : found.start()]
        if PHONE_WORD.search(before):
            return True
        if AREA_CODE.match(run) or (len(groups) > 1 and _grouped_like_a_phone(groups)):
            return True
    return False


def _grouped_like_a_phone(groups: list[str]) -> bool:
    """After the first, groups of two to four digits, the last of three or four: "555 0142",
    "1 800 555 0142", "020 7946 0958" (but not a list of scores such as "12 14 15 18")."""
    return (
        len(groups[0]) <= 5
        and all(2 <= len(group) <= 4 for group in groups[1:])
        and len(groups[-1]) >= 3
    )


def _is_decimals(run: str) -> bool:
    """Numbers such as "1.5 2.25 3.75": every dot sits inside a number, nothing else joins."""
    return bool(re.fullmatch(r"\d+\.\d+(\s+\d+\.\d+)*", run))


def spotlight(passages: list[tuple[str, str]]) -> str:
    """Delimit retrieved passages so a model reads them as data: <passage id=..>…</passage>.

    Angle brackets inside the text are neutralised, so a passage cannot close its own tag.
    """
    blocks = []
    for passage_id, text in passages:
        safe = text.replace("<", "‹").replace(">", "›")
        blocks.append(f'<passage id="{passage_id}">\n{safe}\n</passage>')
    return "\n".join(blocks)
