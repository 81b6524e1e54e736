"""Answer feedback: stored once per answer and user, listed, and exported as gold drafts."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from assistant.cli import main
from assistant.container import Assistant
from assistant.feedback.service import FeedbackService
from assistant.learners.db import Feedback, Learner
from evals.gold_set import load_gold
from tests.support_learners import small_school
from tests.support_privacy import build_demo_home, demo_copy

CITED = [
    {"source": "guides/parents/proficiency-levels.en.md", "title": "Levels", "code": None},
    {"source": "Waypoint Middle-School Mathematics", "title": "M.6.RP.2", "code": "M.6.RP.2"},
    {"source": "guides/parents/proficiency-levels.en.md", "title": "Levels", "code": None},
]


@pytest.fixture
def school(tmp_path: Path) -> Iterator[Assistant]:
    built = small_school(tmp_path)
    yield built
    built.records.close()


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_home(tmp_path_factory.mktemp("feedback-demo"))


def rate(service: FeedbackService, **changes: object) -> int:
    values: dict[str, object] = {
        "user_id": "p1",
        "role": "parent",
        "question": "what does a 2 on M.6.RP.2 mean?",
        "answer": "A 2 means developing.",
        "intent": "explain_level",
        "citations": CITED,
        "rating": 0,
        "conversation_id": "conv-1",
    }
    values.update(changes)
    return service.record(**values)  # type: ignore[arg-type]


def rows(school: Assistant) -> int:
    with school.learner_db.session() as session:
        return int(session.scalar(select(func.count(Feedback.id))) or 0)


def test_rating_the_same_answer_again_updates_the_row(school: Assistant) -> None:
    first = rate(school.feedback, rating=1)
    again = rate(school.feedback, rating=0, comment="  it did not say what 3 means  ")
    assert again == first and rows(school) == 1
    (entry,) = school.feedback.recent()
    assert (entry.rating, entry.comment) == (0, "it did not say what 3 means")
    rate(school.feedback, rating=1)  # no comment given: the stored one stays
    assert school.feedback.recent()[0].comment == "it did not say what 3 means"
    rate(school.feedback, rating=1, comment="   ")  # an empty comment clears it
    assert school.feedback.recent()[0].comment is None and rows(school) == 1


def test_other_users_conversations_and_anonymous_ratings_are_new_rows(school: Assistant) -> None:
    first = rate(school.feedback)
    assert rate(school.feedback, user_id="s1", role="student") != first
    assert rate(school.feedback, conversation_id="conv-2") != first
    assert rate(school.feedback, answer="A different answer.") != first
    anonymous = rate(school.feedback, user_id=None, conversation_id="")
    assert rate(school.feedback, user_id=None, conversation_id="") != anonymous
    assert rows(school) == 6


def test_ratings_are_checked_and_comments_capped(school: Assistant) -> None:
    for bad in (2, -1, True):
        with pytest.raises(ValueError, match="rating must be 1"):
            rate(school.feedback, rating=bad)
    with pytest.raises(ValueError, match="unknown role"):
        rate(school.feedback, role="guest")
    assert rows(school) == 0
    rate(school.feedback, comment="x" * 2500, role="Teacher")
    (entry,) = school.feedback.recent()
    assert entry.comment == "x" * 2000 and entry.role == "teacher"


def test_recent_lists_newest_first_as_frozen_entries(school: Assistant) -> None:
    ids = [rate(school.feedback, question=f"question {n}") for n in range(3)]
    entries = school.feedback.recent(limit=2)
    assert [e.id for e in entries] == [ids[2], ids[1]]
    entry = entries[0]
    assert entry.created_at.tzinfo == UTC
    assert abs(entry.created_at - datetime.now(UTC)) < timedelta(minutes=5)
    assert list(entry.citations) == CITED and entry.conversation_id == "conv-1"
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.rating = 1  # type: ignore[misc]
    assert json.loads(json.dumps(entry.as_json()))["question"] == "question 2"


def test_gold_cases_are_thumbs_down_drafts_in_the_gold_format(
    school: Assistant, tmp_path: Path
) -> None:
    down = rate(school.feedback, comment="too vague")
    rate(school.feedback, question="is a 3 good?", rating=1)
    rate(
        school.feedback,
        user_id="t1",
        role="teacher",
        question="¿qué significa un 2 en M.6.RP.2?",
        conversation_id="conv-9",
    )
    cases = school.feedback.gold_cases()
    first, second = cases
    assert first["feedback_id"] == down
    assert first["status"] == "needs_review" and first["audience"] == "parents"
    assert first["relevant_sources"] == ["guides/parents/proficiency-levels.en.md"]
    assert first["relevant_codes"] == ["M.6.RP.2"]
    assert (first["kind"], first["language"], first["comment"]) == ("code", "en", "too vague")
    assert second["audience"] == "teachers" and second["kind"] == "spanish"
    assert "learner_id" not in first and "answer" not in first
    gold = tmp_path / "drafts.jsonl"
    gold.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    loaded = load_gold(gold)  # the evals loader reads the drafts as gold questions
    assert [q.question for q in loaded] == [first["question"], second["question"]]


def test_gold_cases_since_a_day(school: Assistant) -> None:
    old = rate(school.feedback, question="old question")
    rate(school.feedback, question="new question")
    with school.learner_db.session() as session:
        session.execute(
            update(Feedback).where(Feedback.id == old).values(created_at=datetime(2026, 1, 5))
        )
    since = datetime(2026, 3, 1, tzinfo=UTC)
    assert [c["question"] for c in school.feedback.gold_cases(since)] == ["new question"]
    assert len(school.feedback.gold_cases()) == 2


def test_gold_cases_hold_no_learner_names_or_ids(demo_template: Path, tmp_path: Path) -> None:
    school = demo_copy(demo_template, tmp_path)
    with school.learner_db.session() as session:
        learners = [(lr.id, lr.name, lr.user_id) for lr in session.scalars(select(Learner))]
    questions = [
        ("teacher", "t.okafor", "L001", "what should Maya Lindgren work on next?"),
        ("teacher", "t.okafor", None, "why is liam sato stuck on M.6.RP.4? and Maya?"),
        ("parent", "par.001", "L001", "is Maya's 2 on L001 bad? ask stu.L001"),
        ("student", "stu.L002", "L002", "what next for me (Liam)"),
    ]
    for n, (role, user, learner, question) in enumerate(questions):
        school.feedback.record(
            user_id=user,
            role=role,
            question=question,
            answer=f"An answer about {learner or 'a class'}: Maya Lindgren should practise.",
            intent="next_steps",
            citations=[{"source": "guides/teachers/flexible-grouping.en.md", "code": None}],
            rating=0,
            comment="Maya Lindgren's steps were wrong",
            learner_id=learner,
            conversation_id=f"c{n}",
        )
    cases = school.feedback.gold_cases()
    text = json.dumps(cases, ensure_ascii=False).casefold()
    for learner_id, name, user_id in learners:
        for part in [learner_id, user_id or learner_id, name, *name.split()]:
            assert f'"{part.casefold()}' not in text and f" {part.casefold()}" not in text
    assert [c["question"] for c in cases] == [
        "what should the learner work on next?",
        "why is the learner stuck on M.6.RP.4? and the learner?",
        "is the learner's 2 on the learner bad? ask the learner",
        "what next for me (the learner)",
    ]
    assert {c["comment"] for c in cases} == {"the learner's steps were wrong"}
    assert [c["audience"] for c in cases] == ["teachers", "teachers", "parents", "students"]


def run(school: Assistant, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv), make_assistant=lambda: school)
    return code, capsys.readouterr().out


def test_feedback_cli_lists_and_exports(
    school: Assistant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rate(school.feedback, comment="missing the levels")
    rate(school.feedback, question="is a 3 good?", rating=1)
    code, out = run(school, capsys, "feedback", "list", "--json")
    assert code == 0 and [e["rating"] for e in json.loads(out)] == [1, 0]
    code, out = run(school, capsys, "feedback", "list")
    assert code == 0 and "down parent p1 [explain_level]" in out and "missing the levels" in out
    code, out = run(school, capsys, "feedback", "export")
    assert code == 0 and [json.loads(line)["status"] for line in out.splitlines()] == [
        "needs_review"
    ]
    target = tmp_path / "out" / "drafts.jsonl"
    code, _ = run(
        school, capsys, "feedback", "export", "--out", str(target), "--since", "2999-01-01"
    )
    assert code == 0 and target.read_text(encoding="utf-8") == ""
    with pytest.raises(SystemExit):
        main(["feedback", "export", "--since", "yesterday"], make_assistant=lambda: school)
