"""Forgetting a learner (all of it, in one transaction, proven) and retention of old rows."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from assistant.cli import main
from assistant.container import Assistant
from assistant.errors import AccessDeniedError, UnknownRecordError, WaypointError
from assistant.index.records import DOCUMENT_VECTORS_FLAG, FileRecord
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.db import (
    AuditRow,
    Enrolment,
    Evidence,
    Feedback,
    Guardianship,
    Learner,
    MasteryEstimateRow,
    MasteryOverride,
    User,
)
from assistant.learners.db_connect import ApiToken, LtiPlatform, LtiUserLink
from assistant.retrieval.embeddings import content_key
from assistant.types import Chunk
from tests.support_learners import evidence_file
from tests.support_privacy import build_demo_home, demo_copy, evidence_counts

NAME = "Maya Lindgren"  # L001 in the demo school, student account stu.L001, parent par.001


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_home(tmp_path_factory.mktemp("privacy-demo"))


@pytest.fixture
def school(template: Path, tmp_path: Path) -> Iterator[Assistant]:
    built = demo_copy(template, tmp_path)
    yield built
    built.records.close()


def feedback(school: Assistant, question: str, **values: object) -> int:
    fields: dict[str, object] = {
        "user_id": "t.okafor",
        "role": "teacher",
        "question": question,
        "answer": "An answer.",
        "intent": "next_steps",
        "citations": [],
        "rating": 0,
        "conversation_id": question,
    }
    fields.update(values)
    return school.feedback.record(**fields)  # type: ignore[arg-type]


def table_counts(school: Assistant, learner_id: str) -> dict[str, int]:
    models = {
        "evidence": Evidence.learner_id,
        "enrolments": Enrolment.learner_id,
        "guardianships": Guardianship.learner_id,
        "overrides": MasteryOverride.learner_id,
        "estimates": MasteryEstimateRow.learner_id,
        "audit": AuditRow.learner_id,
        "feedback": Feedback.learner_id,
        "learners": Learner.id,
    }
    with school.learner_db.session() as session:
        return {
            name: int(session.scalar(select(func.count()).where(column == learner_id)) or 0)
            for name, column in models.items()
        }


def populate(school: Assistant, tmp_path: Path) -> None:
    """Views, estimates, overrides, feedback and mentions of L001 in other learners' records."""
    teacher = school.access.viewer("t.okafor")
    school.recommender.for_learner(teacher, "L001")  # caches estimates, audits a view
    school.recommender.for_learner(teacher, "L002")
    school.recommender.for_learner(school.access.viewer("stu.L001"), "L001")
    school.overrides.record(teacher, "L001", "M.6.RP.1", 3, "Conference with Maya Lindgren")
    school.evidence_importer.import_file(
        evidence_file(
            tmp_path,
            [
                [
                    "L002",
                    "M.6.RP.1",
                    "3",
                    "2026-11-02",
                    "",
                    "peer",
                    "pairs",
                    "worked with Maya Lindgren",
                ]
            ],
            name="maya lindgren pairs.csv",
        ),
        LOCAL_ADMIN,
        allow_future=True,
    )
    feedback(school, "next steps?", learner_id="L001")
    feedback(school, "what do i do next", user_id="stu.L001", role="student")
    feedback(school, "how is maya   lindgren doing")  # named, no learner id
    feedback(school, "how is Liam Sato doing", learner_id="L002")
    feedback(school, "what is a unit rate")


def test_forget_deletes_everything_about_the_learner_and_proves_it(
    school: Assistant, tmp_path: Path
) -> None:
    populate(school, tmp_path)
    before = evidence_counts(school)
    others_audit = table_counts(school, "L002")["audit"]
    assert table_counts(school, "L001")["estimates"] > 0
    report = school.privacy.forget("L001")
    assert report.proof.clean and report.proof.remaining == 0
    assert all(scan.rows == 0 for scan in report.proof.tables)
    scanned = {(s.database, s.table) for s in report.proof.tables}
    assert {("learner database", "feedback"), ("learner database", "audit_log")} <= scanned
    assert ("index records", "chunks") in scanned and (
        "index records",
        "embedding_cache",
    ) in scanned
    assert "learner data is never indexed" in report.proof.notes[0]
    files = {(f.database, f.file): f.places for f in report.proof.files}
    assert files[("learner database", "waypoint.sqlite3")] == 0
    assert files[("index records", "index.sqlite3")] == 0
    assert set(table_counts(school, "L001").values()) == {0}
    after = evidence_counts(school)
    assert "L001" not in after
    assert after == {k: v for k, v in before.items() if k != "L001"}
    assert table_counts(school, "L002")["audit"] == others_audit
    assert report.deleted["feedback"] == 3 and report.deleted["users"] == 1
    assert (
        report.redacted["evidence.note"] == 1 and report.redacted["evidence_imports.file_name"] == 1
    )
    assert report.parents_without_children == ("par.001",)
    with school.learner_db.session() as session:
        assert session.get(User, "stu.L001") is None
        assert session.get(User, "par.001") is not None  # the parent's own account stays
        notes = set(session.scalars(select(Evidence.note).where(Evidence.learner_id == "L002")))
        assert "worked with [removed]" in notes
        questions = set(session.scalars(select(Feedback.question)))
        assert questions == {"how is Liam Sato doing", "what is a unit rate"}
        (deletion,) = session.scalars(select(AuditRow).where(AuditRow.action == "delete"))
    assert deletion.learner_id == report.audit_key == school.privacy.deletion_key("L001")
    assert "L001" not in deletion.learner_id and deletion.user_id == "local-admin"
    assert school.privacy.prove("L001", NAME, account="stu.L001").clean
    teacher = school.access.viewer("t.okafor")
    assert school.recommender.for_learner(teacher, "L002").steps  # others still work


def test_a_failure_midway_rolls_everything_back(school: Assistant, tmp_path: Path) -> None:
    populate(school, tmp_path)
    before = table_counts(school, "L001")
    evidence = evidence_counts(school)
    with school.learner_db.session() as session:
        feedback_rows = session.scalar(select(func.count(Feedback.id)))
        # The learner row is deleted after evidence, feedback and audit rows: block it.
        session.execute(
            text(
                "CREATE TRIGGER keep_learners BEFORE DELETE ON learners "
                "BEGIN SELECT RAISE(ABORT, 'learners are kept'); END"
            )
        )
    with pytest.raises(WaypointError, match="nothing was deleted: .*learners are kept"):
        school.privacy.forget("L001")
    assert table_counts(school, "L001") == before
    assert evidence_counts(school) == evidence
    with school.learner_db.session() as session:
        assert session.scalar(select(func.count(Feedback.id))) == feedback_rows
        assert session.get(User, "stu.L001") is not None
        assert session.scalar(select(func.count()).where(AuditRow.action == "delete")) == 0
        note = session.scalars(select(Evidence.note).where(Evidence.source == "pairs")).one()
        assert note == "worked with Maya Lindgren"
    assert not school.privacy.prove("L001", NAME).clean


def test_the_proof_finds_what_is_left_in_the_index(school: Assistant) -> None:
    chunk = Chunk(id="c1", source="notes/maya.md", text=f"Notes on {NAME}.", metadata={})
    school.records.commit_file(FileRecord("knowledge", "notes/maya.md", "f", "guide"), [chunk], [])
    report = school.privacy.forget("L001")
    assert not report.proof.clean
    found = {(s.database, s.table): s.rows for s in report.proof.tables if s.rows}
    assert found == {("index records", "chunks"): 1}


def test_question_vectors_an_earlier_version_cached_are_dropped_once(school: Assistant) -> None:
    assert school.records.holds_only_document_vectors()  # a new cache never holds any
    chunk = Chunk(id="c1", source="guides/x.md", text="A unit rate compares.", metadata={})
    school.records.commit_file(FileRecord("knowledge", "guides/x.md", "f", "guide"), [chunk], [])
    model = school.embedder.name
    knowledge = content_key(model, chunk.text)
    question = content_key(model, f"what should {NAME} do next?")
    school.records.put_many({knowledge: [0.1, 0.2], question: [0.3, 0.4]})
    school.records.set_flag(DOCUMENT_VECTORS_FLAG, False)  # as written by an earlier version
    report = school.privacy.forget("L001")
    assert report.legacy_query_vectors_dropped == 1
    assert set(school.records.get_many([knowledge, question])) == {knowledge}
    assert school.records.holds_only_document_vectors()
    assert school.privacy.forget("L002").legacy_query_vectors_dropped == 0
    assert set(school.records.get_many([knowledge])) == {knowledge}


def test_only_an_admin_may_forget_and_unknown_learners_are_refused(school: Assistant) -> None:
    with pytest.raises(AccessDeniedError):
        school.privacy.forget("L001", school.access.viewer("t.okafor"))
    with pytest.raises(UnknownRecordError):
        school.privacy.forget("L999")
    assert table_counts(school, "L001")["learners"] == 1


def test_the_deletion_key_is_salted_stable_and_secret(school: Assistant) -> None:
    key = school.privacy.deletion_key("L001")
    assert key == school.privacy.deletion_key("L001") != school.privacy.deletion_key("L002")
    salt = school.settings.home / "privacy.salt"
    assert stat.S_IMODE(salt.stat().st_mode) == 0o600
    assert key.startswith("forgotten:") and "L001" not in key


def test_retention_is_a_dry_run_unless_applied(school: Assistant) -> None:
    old = datetime.now(UTC) - timedelta(days=800)
    school.audit.record(LOCAL_ADMIN, "view", ["L001", "L002"], "old view", at=old)
    ancient = feedback(school, "old question")
    feedback(school, "new question")
    with school.learner_db.session() as session:
        row = session.get(Feedback, ancient)
        assert row is not None
        row.created_at = (datetime.now(UTC) - timedelta(days=400)).replace(tzinfo=None)
        audit_total = session.scalar(select(func.count(AuditRow.id)))
    dry = school.privacy.retention()
    assert (dry.applied, dry.audit_rows, dry.feedback_rows) == (False, 2, 1)
    with school.learner_db.session() as session:
        assert session.scalar(select(func.count(AuditRow.id))) == audit_total
    done = school.privacy.retention(apply=True)
    assert (done.applied, done.audit_rows, done.feedback_rows) == (True, 2, 1)
    with school.learner_db.session() as session:
        assert session.scalar(select(func.count(AuditRow.id))) == (audit_total or 0) - 2
        assert list(session.scalars(select(Feedback.question))) == ["new question"]


def run(school: Assistant, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), make_assistant=lambda: school)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_forget_learner_and_retention(
    school: Assistant, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, _, err = run(school, capsys, "forget-learner", "L001")
    assert code == 1 and "add --yes" in err and table_counts(school, "L001")["learners"] == 1
    code, _, err = run(school, capsys, "forget-learner", "L001", "--yes", "--user", "t.okafor")
    assert code == 1 and "may not delete" in err
    code, out, _ = run(school, capsys, "forget-learner", "L001", "--yes", "--json")
    data = json.loads(out)
    assert code == 0 and data["proof"]["clean"] and data["deleted"]["evidence"] > 0
    code, out, _ = run(school, capsys, "forget-learner", "L002", "--yes")
    assert code == 0 and "proof: nothing left" in out and "learner database  evidence" in out
    code, _, err = run(school, capsys, "forget-learner", "L002", "--yes")
    assert code == 1 and "unknown learner 'L002'" in err
    code, out, _ = run(school, capsys, "retention")
    assert code == 0 and "would delete 0 entries" in out and "dry run" in out
    code, out, _ = run(school, capsys, "retention", "--apply", "--json")
    assert code == 0 and json.loads(out)["applied"] is True


def test_cli_exits_1_when_the_proof_finds_something(
    school: Assistant, capsys: pytest.CaptureFixture[str]
) -> None:
    chunk = Chunk(id="c1", source="notes/maya.md", text=f"{NAME} (L001)", metadata={})
    school.records.commit_file(FileRecord("knowledge", "notes/maya.md", "f", "guide"), [chunk], [])
    code, out, err = run(school, capsys, "forget-learner", "L001", "--yes")
    assert code == 1 and "FOUND" in out and "1 rows still name the learner" in err


def test_forgetting_a_student_removes_their_lms_links_and_api_tokens(school: Assistant) -> None:
    with school.learner_db.session() as session:
        session.add(
            LtiPlatform(
                id=1,
                issuer="https://lms.example",
                client_id="c",
                auth_url="https://lms.example/a",
                token_url="https://lms.example/t",
                jwks_url="https://lms.example/k",
                created_at=datetime(2026, 1, 1),
            )
        )
        session.flush()
        session.add(LtiUserLink(platform_id=1, sub="s-1", user_id="stu.L001"))
        session.add(LtiUserLink(platform_id=1, sub="s-2", user_id="stu.L002"))
        session.add(
            ApiToken(
                id="tok_1",
                secret_sha256="a" * 64,
                user_id="stu.L001",
                created_at=datetime(2026, 1, 1),
            )
        )
    report = school.privacy.forget("L001")
    assert report.deleted["lti_user_links"] == 1 and report.deleted["api_tokens"] == 1
    with school.learner_db.session() as session:
        assert [link.user_id for link in session.query(LtiUserLink)] == ["stu.L002"]
        assert session.query(ApiToken).count() == 0
