"""Who is being forgotten: the words that name one learner, as patterns for rows and raw bytes.

Strong terms name the learner wherever they appear, and are searched everywhere (every row of
the learner database, the index records and the vector store file, and the raw bytes of those
files): the learner id, their own student account id, and the name in the forms people write it:
"Maya Lindgren" with any spacing, underscores, hyphens or dots between the words or none
("maya_lindgren.csv", "MayaLindgren"), "Lindgren, Maya" / "Lindgren Maya", and for a name of
three words or more the first and last word alone ("Ana Lopez" for "Ana Maria Lopez").

The weak term is the first name alone ("Maya", "Maya's", "Maya L."), used only when no other
learner or user in the database has that word in their name. It is redacted in, and checked in,
the free text of the learner database that describes people (evidence notes and sources,
override reasons, import file names, audit descriptions) but never searched in the knowledge
index or in raw bytes, where a lone first name is too often an ordinary word or an example in a
guide ("Maya is an imaginary sixth grader").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from assistant.learners.db import AuditRow, Evidence, EvidenceImport, Learner, MasteryOverride, User

REMOVED = "[removed]"
# Free text of other records that may mention a learner by name, in the words of whoever wrote
# it: redacted (not deleted) when the learner is forgotten, and the only place the first name
# alone is looked for.
FREE_TEXT: tuple[tuple[Any, str], ...] = (
    (Evidence, "note"),
    (Evidence, "source"),
    (EvidenceImport, "file_name"),
    (MasteryOverride, "reason"),
    (AuditRow, "what"),
)
FREE_TEXT_COLUMNS = frozenset(f"{model.__tablename__}.{name}" for model, name in FREE_TEXT)
_SEPARATORS = r"[\s_.\-]*"  # between the words of a name as people and file names write it
_SURNAME_FIRST = r"(?:\s*,\s*|[\s_.\-]*)"  # "Lindgren, Maya", "Lindgren Maya", "lindgren_maya"
_BYTE_SEPARATORS = rb"[\s_.\-]*"
_BYTE_SURNAME_FIRST = rb"(?:\s*,\s*|[\s_.\-]*)"
_BEFORE, _AFTER = r"(?<![^\W_])", r"(?![^\W_])"  # not inside a longer word or id


def phrase_pattern(phrase: str, *, ignore_case: bool = True) -> re.Pattern[str]:
    """The phrase as a whole (any spacing between words), not as part of a longer word or id:
    "L001" matches in "stu.L001" but not in "L0012"."""
    body = r"\s+".join(re.escape(word) for word in phrase.split())
    return re.compile(rf"{_BEFORE}{body}{_AFTER}", re.IGNORECASE if ignore_case else 0)


def name_forms(name: str) -> list[list[str]]:
    """The word sequences of a name's strong forms with how they are joined: each item is
    [joiner, word, word, ...] (see the module docstring)."""
    words = name.split()
    if len(words) < 2:
        return [["", *words]] if words else []
    first, last = words[0], words[-1]
    forms = [[_SEPARATORS, *words], [_SURNAME_FIRST, last, first]]
    if len(words) > 2:
        forms.append([_SEPARATORS, first, last])
    return forms


def _byte_word(word: str) -> bytes:
    """A word as UTF-8 bytes; a word with letters beyond ASCII in each of its usual cases
    (bytes patterns fold the case of ASCII letters only)."""
    if word.isascii():
        return re.escape(word.encode())
    cases = dict.fromkeys(v.encode() for v in (word, word.lower(), word.upper(), word.title()))
    return b"(?:" + b"|".join(re.escape(c) for c in cases) + b")"


@dataclass(frozen=True)
class Subject:
    """The learner to forget or prove forgotten, and the patterns that find them."""

    learner_id: str
    name: str
    account: str | None  # their own student account
    first_name: str | None = None  # the weak term, when it is unique in the database

    @cached_property
    def ids(self) -> list[str]:
        return list(dict.fromkeys(t for t in (self.learner_id, self.account or "") if t))

    @cached_property
    def bodies(self) -> list[str]:
        """Unanchored regex bodies of every strong term."""
        bodies = [re.escape(term) for term in self.ids]
        for joiner, *words in name_forms(self.name):
            bodies.append(joiner.join(re.escape(word) for word in words))
        return list(dict.fromkeys(bodies))

    @cached_property
    def strong(self) -> re.Pattern[str]:
        return re.compile(
            "|".join(f"{_BEFORE}(?:{body}){_AFTER}" for body in self.bodies), re.IGNORECASE
        )

    @cached_property
    def unanchored(self) -> re.Pattern[str]:
        """The strong terms even inside a longer word ("L001" in "L0012")."""
        return re.compile("|".join(f"(?:{body})" for body in self.bodies), re.IGNORECASE)

    @cached_property
    def weak(self) -> re.Pattern[str] | None:
        return phrase_pattern(self.first_name) if self.first_name else None

    @cached_property
    def raw(self) -> re.Pattern[bytes]:
        """The strong terms in raw UTF-8 bytes, with no word boundary: in a database page the
        columns of a record follow each other with nothing between them."""
        bodies = [re.escape(term.encode()) for term in self.ids]
        for joiner, *words in name_forms(self.name):
            glue = _BYTE_SURNAME_FIRST if joiner == _SURNAME_FIRST else _BYTE_SEPARATORS
            bodies.append((glue if joiner else b"").join(_byte_word(w) for w in words))
        return re.compile(b"|".join(b"(?:" + b + b")" for b in dict.fromkeys(bodies)), re.I)

    def named_in(self, *texts: object, weak: bool = False) -> bool:
        patterns = [self.strong] + ([self.weak] if weak and self.weak else [])
        return any(isinstance(t, str) and p.search(t) for t in texts for p in patterns)

    def redact(self, text: str, *, weak: bool = False) -> str:
        text = self.strong.sub(REMOVED, text)
        if weak and self.weak:
            text = self.weak.sub(REMOVED, text)
        return text

    def needles(self, *, weak: bool = False) -> list[str]:
        """What SQL prefilters rows by: the ids, and the longer of the first and last word of
        the name (every form of the name has both)."""
        words = self.name.split()
        terms = [*self.ids] + ([max(words[0], words[-1], key=len)] if words else [])
        if weak and self.first_name:
            terms.append(self.first_name)
        return list(dict.fromkeys(n for term in terms for n in _needles(term)))

    def like(self, column: Any, *, weak: bool = False) -> ColumnElement[bool]:
        """A cheap SQL prefilter: the column contains one of the terms' needles (the regular
        expressions above confirm)."""
        lowered = func.lower(column)
        return or_(*(lowered.like(f"%{_escape(n)}%", escape="\\") for n in self.needles(weak=weak)))


def _needles(term: str) -> list[str]:
    """What a term is prefiltered by in SQL: its longest run of ASCII letters and digits,
    lower-cased (SQL lower() and LIKE fold the case of ASCII letters only); a term with none in
    each of its usual cases."""
    runs = re.findall(r"[A-Za-z0-9]+", term)
    if runs:
        return [max(runs, key=len).lower()]
    word = max(term.split(), key=len)
    return list(dict.fromkeys((word, word.lower(), word.upper(), word.title())))


def _escape(needle: str) -> str:
    return needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def load_subject(session: Session, learner_id: str, name: str, account: str | None) -> Subject:
    """The subject, with their first name as weak term when no other learner or user (anyone
    but the learner and their own account) has that word in their name."""
    words = name.split()
    first = words[0] if len(words) >= 2 and len(words[0]) >= 2 else None
    if first is not None and _shared(session, first, learner_id, account):
        first = None
    return Subject(learner_id, name.strip(), account, first)


def _shared(session: Session, word: str, learner_id: str, account: str | None) -> bool:
    pattern = phrase_pattern(word)
    needle = f"%{_escape(_needles(word)[0].lower())}%"
    learners = select(Learner.name).where(
        func.lower(Learner.name).like(needle, escape="\\"), Learner.id != learner_id
    )
    users = select(User.name).where(
        func.lower(User.name).like(needle, escape="\\"), User.id != (account or "")
    )
    names = [*session.scalars(learners), *session.scalars(users)]
    return any(pattern.search(other) for other in names)
