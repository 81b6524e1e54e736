"""Thumbs up / down on answers, stored in the learner database, and turned into gold drafts.

`FeedbackService.record` stores (or updates) one rating; `gold_cases` turns the thumbs-down
ones into draft retrieval gold cases (the format of evals/gold/retrieval.jsonl) with
`"status": "needs_review"` and every learner name and id taken out, for a person to review
(see evals/gold/README.md). Times are UTC.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from assistant.frameworks.codes import codes_in
from assistant.language import detect_language
from assistant.learners.audit import as_utc_naive, utc_now
from assistant.learners.db import Feedback, Learner, LearnerDatabase, User
from assistant.privacy import phrase_pattern

MAX_COMMENT = 2000
SHORT_ID = 3  # ids shorter than this are matched with their case only
FEEDBACK_ROLES = ("student", "parent", "teacher", "admin")
AUDIENCE_OF_ROLE = {
    "student": "students",
    "parent": "parents",
    "teacher": "teachers",
    "admin": "teachers",
}
# What a person's name becomes in an exported draft, by their role.
STAND_IN = {
    "student": "the learner",
    "parent": "the parent",
    "teacher": "the teacher",
    "admin": "the administrator",
}


@dataclass(frozen=True)
class FeedbackEntry:
    id: int
    created_at: datetime  # UTC, timezone-aware
    user_id: str | None
    role: str
    learner_id: str | None
    conversation_id: str
    question: str
    answer: str
    intent: str
    citations: tuple[dict[str, object], ...]
    rating: int
    comment: str | None

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(),
            "user_id": self.user_id,
            "role": self.role,
            "learner_id": self.learner_id,
            "conversation_id": self.conversation_id,
            "question": self.question,
            "answer": self.answer,
            "intent": self.intent,
            "citations": list(self.citations),
            "rating": self.rating,
            "comment": self.comment,
        }


class FeedbackService:
    def __init__(self, db: LearnerDatabase) -> None:
        self.db = db

    def record(
        self,
        *,
        user_id: str | None,
        role: str,
        question: str,
        answer: str,
        intent: str,
        citations: list[dict[str, object]],
        rating: int,
        comment: str | None = None,
        learner_id: str | None = None,
        conversation_id: str = "",
    ) -> int:
        """Store a rating (1 thumbs up, 0 thumbs down); returns the row id.

        Rating the same answer again (same conversation, question, answer and user) updates
        that row: a changed thumb or an added comment never duplicates. A comment of None
        keeps the stored comment; a string replaces it (trimmed, at most 2000 characters; an
        empty one clears it). Without a conversation id and a user nothing tells two people
        apart, so such ratings are always new rows."""
        if isinstance(rating, bool) or rating not in (0, 1):
            raise ValueError(f"rating must be 1 (thumbs up) or 0 (thumbs down), not {rating!r}")
        role = role.strip().lower()
        if role not in FEEDBACK_ROLES:
            raise ValueError(f"unknown role {role!r} ({', '.join(FEEDBACK_ROLES)})")
        note = _comment(comment)
        cited = json.dumps(list(citations), ensure_ascii=False, default=str)
        with self.db.session() as session:
            row = None
            if conversation_id or user_id is not None:
                same_user = (
                    Feedback.user_id.is_(None) if user_id is None else Feedback.user_id == user_id
                )
                row = session.scalars(
                    select(Feedback)
                    .where(
                        Feedback.conversation_id == conversation_id,
                        same_user,
                        Feedback.question == question,
                        Feedback.answer == answer,
                    )
                    .order_by(Feedback.id)
                    .limit(1)
                ).first()
            if row is None:
                row = Feedback(
                    created_at=utc_now(),
                    user_id=user_id,
                    conversation_id=conversation_id,
                    question=question,
                    answer=answer,
                    comment=note,
                )
                session.add(row)
            elif comment is not None:
                row.comment = note
            row.role = role
            row.learner_id = learner_id
            row.intent = intent
            row.citations = cited
            row.rating = rating
            session.flush()
            return row.id

    def recent(self, limit: int = 50) -> list[FeedbackEntry]:
        """The newest ratings first."""
        query = select(Feedback).order_by(Feedback.created_at.desc(), Feedback.id.desc())
        with self.db.session() as session:
            return [_entry(row) for row in session.scalars(query.limit(max(limit, 0)))]

    def gold_cases(self, since: datetime | None = None) -> list[dict[str, object]]:
        """Thumbs-down ratings as draft gold cases for review, oldest first.

        Each has the fields of evals/gold/retrieval.jsonl (`id`, `audience` from the role,
        `language`, `question`, `relevant_sources` and `relevant_codes` from the answer's
        citations as candidates, `kind`) plus `status: needs_review`, the user's `comment`, the
        `intent` and the `feedback_id`. No learner id leaves the database, and the name or id
        of anyone on the roster in the question or comment becomes "the learner" (or "the
        parent", "the teacher")."""
        query = select(Feedback).where(Feedback.rating == 0)
        if since is not None:
            query = query.where(Feedback.created_at >= as_utc_naive(since))
        with self.db.session() as session:
            rows = [_entry(row) for row in session.scalars(query.order_by(Feedback.id))]
            scrub = Scrubber.from_roster(
                session.execute(select(Learner.id, Learner.name, Learner.user_id)).tuples(),
                session.execute(select(User.id, User.name, User.role)).tuples(),
            )
        return [_gold_case(entry, scrub) for entry in rows]


class Scrubber:
    """Replaces the names and ids of the people on the roster with a stand-in."""

    def __init__(self, replacements: Sequence[tuple[str, str]], exact: Iterable[str] = ()) -> None:
        """`exact`: texts matched with their case only (very short ids such as "A", which
        would otherwise replace the word "a")."""
        exact = set(exact)
        self._patterns = [
            (phrase_pattern(text, ignore_case=text not in exact), stand_in)
            for text, stand_in in replacements
        ]

    @classmethod
    def from_roster(
        cls,
        learners: Iterable[tuple[str, str, str | None]],
        users: Iterable[tuple[str, str, str]],
    ) -> Scrubber:
        learners, users = list(learners), list(users)
        learner_users = {user_id for _, _, user_id in learners if user_id}
        learner = STAND_IN["student"]
        ids = [(lid, learner) for lid, _, _ in learners]
        ids += [(uid, STAND_IN.get(role, "someone")) for uid, _, role in users]
        full = [(name, learner) for _, name, _ in learners if name.strip()]
        full += [
            (name, STAND_IN.get(role, "someone"))
            for uid, name, role in users
            if name.strip() and uid not in learner_users
        ]
        words = [(w, learner) for _, name, _ in learners for w in name.split() if len(w) > 1]
        # Longest first, so "Maya Lindgren" goes before "Maya", and ids before names.
        ordered = sorted(ids, key=lambda p: -len(p[0])) + sorted(full, key=lambda p: -len(p[0]))
        ordered += sorted(set(words), key=lambda p: (-len(p[0]), p[0]))
        short_ids = {text for text, _ in ids if len(text) < SHORT_ID}
        return cls(_unique(ordered), short_ids)

    def __call__(self, text: str) -> str:
        for pattern, stand_in in self._patterns:
            text = pattern.sub(stand_in, text)
        return re.sub(r"\b(the learner)(\s+the learner)+\b", r"\1", text)


def _unique(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    kept = []
    for text, stand_in in pairs:
        if text.casefold() not in seen:
            seen.add(text.casefold())
            kept.append((text, stand_in))
    return kept


def _gold_case(entry: FeedbackEntry, scrub: Scrubber) -> dict[str, object]:
    audience = AUDIENCE_OF_ROLE.get(entry.role, "teachers")
    question = scrub(entry.question)
    language = detect_language(question)
    sources: list[str] = []
    codes: list[str] = []
    for citation in entry.citations:
        code, source = citation.get("code"), citation.get("source")
        if isinstance(code, str) and code:
            codes.append(code)
        elif isinstance(source, str) and source:
            sources.append(source)
    if language == "es":
        kind = "spanish"
    elif codes_in(question):
        kind = "code"
    else:
        kind = "plain"
    return {
        "id": f"draft-{audience[0]}{entry.id:04d}",
        "audience": audience,
        "language": language,
        "question": question,
        "relevant_sources": list(dict.fromkeys(sources)),
        "relevant_codes": list(dict.fromkeys(codes)),
        "kind": kind,
        "status": "needs_review",
        "comment": scrub(entry.comment) if entry.comment else "",
        "intent": entry.intent,
        "feedback_id": entry.id,
        "created": entry.created_at.date().isoformat(),
    }


def _comment(comment: str | None) -> str | None:
    if comment is None:
        return None
    trimmed = comment.strip()[:MAX_COMMENT].strip()
    return trimmed or None


def _entry(row: Feedback) -> FeedbackEntry:
    try:
        loaded = json.loads(row.citations)
    except ValueError:
        loaded = []
    citations = tuple(c for c in loaded if isinstance(c, dict)) if isinstance(loaded, list) else ()
    return FeedbackEntry(
        id=row.id,
        created_at=row.created_at.replace(tzinfo=UTC),
        user_id=row.user_id,
        role=row.role,
        learner_id=row.learner_id,
        conversation_id=row.conversation_id,
        question=row.question,
        answer=row.answer,
        intent=row.intent,
        citations=citations,
        rating=row.rating,
        comment=row.comment,
    )
