"""Forgetting a learner removes their bytes from the SQLite files, not only their rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import select, text

from assistant.cli import main
from assistant.container import Assistant
from assistant.index.records import FileRecord
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.db import Evidence, EvidenceImport, Learner
from assistant.learners.text_scan import sqlite_file
from assistant.privacy import proof, sqlite_files
from assistant.privacy.subject import Subject
from assistant.types import Chunk
from tests.support_learners import evidence_file
from tests.support_privacy import (
    build_demo_home,
    demo_copy,
    insecure_sqlite_default,
    mentions,
    sqlite_bytes,
)

NAME = "Maya Lindgren"  # L001 in the demo school, student account stu.L001
TRACES = ("L001", NAME, "Lindgren, Maya", "maya_lindgren")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_home(tmp_path_factory.mktemp("physical-demo"))


@pytest.fixture
def school(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Assistant]:
    insecure_sqlite_default(monkeypatch)
    built = demo_copy(template, tmp_path)
    yield built
    built.records.close()
    built.learner_db.dispose()


def database(school: Assistant) -> Path:
    return school.settings.home / "waypoint.sqlite3"


def touch_learner(school: Assistant) -> None:
    """What the app does: views (audited, estimates cached), so L001 is in the log too."""
    school.recommender.for_learner(school.access.viewer("t.okafor"), "L001")


def run(school: Assistant, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), make_assistant=lambda: school)
    out, err = capsys.readouterr()
    return code, out, err


def test_while_the_app_reads_the_report_says_removal_completes_on_restart(
    school: Assistant, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The reader holds its snapshot through every attempt, however long each waits for it.
    monkeypatch.setattr(sqlite_files, "CHECKPOINT_WAIT", 0.01)
    touch_learner(school)
    reader = sqlite3.connect(database(school))  # the app, in the middle of a read
    reader.execute("BEGIN")
    assert reader.execute("SELECT name FROM learners WHERE id = 'L001'").fetchone() == (NAME,)
    try:
        code, out, err = run(school, capsys, "forget-learner", "L001", "--yes")
        report = school.privacy.prove("L001", NAME, account="stu.L001")
    finally:
        reader.rollback()
        reader.close()
    assert "nothing left" not in out + err
    assert "Physical removal completes when the app restarts" in err
    assert code == 3
    assert "learner database  waypoint.sqlite3" in out and "FOUND" in out
    assert report.remaining == 0  # the rows are gone for everyone
    assert not report.clean and report.leftover > 0  # but their bytes are not, yet
    with school.learner_db.session() as session:
        assert session.get(Learner, "L001") is None
    school.learner_db.dispose()  # the app and this command end: the last one out checkpoints
    school.records.close()
    for name, data in sqlite_bytes(database(school)).items():
        assert mentions(data, *TRACES, "stu.L001") == [], name


def test_without_readers_no_byte_of_the_learner_is_left(
    school: Assistant, capsys: pytest.CaptureFixture[str]
) -> None:
    touch_learner(school)
    before = b"".join(sqlite_bytes(database(school)).values())
    assert mentions(before, "L001", NAME) == ["L001", NAME]
    code, out, _ = run(school, capsys, "forget-learner", "L001", "--yes")
    assert code == 0 and "proof: nothing left" in out
    for name, data in sqlite_bytes(database(school)).items():
        assert mentions(data, *TRACES, "stu.L001") == [], name
    with school.learner_db.session() as session:  # everyone else is still there
        assert session.get(Learner, "L002") is not None


def test_every_connection_overwrites_what_it_deletes(school: Assistant) -> None:
    """With the platform's default off, rows deleted through Waypoint's own connections leave
    no bytes once the log is checkpointed."""
    with school.learner_db.session() as session:
        session.add(
            EvidenceImport(
                file_name="zebra-quagga.csv",
                sha256="0" * 64,
                rows=0,
                added=0,
                imported_by="local-admin",
                imported_at=session.scalar(select(Evidence.observed_at)),
            )
        )
    with school.learner_db.session() as session:
        session.execute(text("DELETE FROM evidence_imports WHERE file_name = 'zebra-quagga.csv'"))
    chunk = Chunk(id="c1", source="notes/okapi.md", text="okapi-narwhal notes", metadata={})
    school.records.commit_file(FileRecord("knowledge", "notes/okapi.md", "f", "guide"), [chunk], [])
    school.records.forget_file("knowledge", "notes/okapi.md")
    for path, word in ((database(school), "zebra-quagga"), (school.records.db_path, "okapi")):
        with closing(sqlite3.connect(path)) as conn:
            assert conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
        for name, data in sqlite_bytes(path).items():
            assert mentions(data, word) == [], name


def test_bytes_left_by_old_deletions_are_found_and_the_file_rebuilt(school: Assistant) -> None:
    """Rows deleted before secure_delete was on left the name in free space: the proof finds
    it there, and forgetting rebuilds the file."""
    with closing(sqlite3.connect(database(school))) as conn, conn:
        conn.execute("PRAGMA secure_delete=OFF")
        conn.execute(
            "INSERT INTO evidence_imports (file_name, sha256, rows, added, imported_by, "
            "imported_at) VALUES ('Maya Lindgren old.csv', '', 0, 0, 'x', '2026-01-01')"
        )
    with closing(sqlite3.connect(database(school))) as conn, conn:
        conn.execute("PRAGMA secure_delete=OFF")
        conn.execute("DELETE FROM evidence_imports WHERE file_name = 'Maya Lindgren old.csv'")
    report = school.privacy.forget("L001")
    assert report.proof.clean, report.proof.as_json()
    assert any("rebuilt" in note for note in report.proof.notes)
    for name, data in sqlite_bytes(database(school)).items():
        assert mentions(data, *TRACES) == [], name


def test_name_forms_are_redacted_in_other_learners_records(
    school: Assistant, tmp_path: Path
) -> None:
    rows = [
        ["L002", "M.6.RP.1", "3", "2026-11-02", "", "peer", "Lindgren, Maya", "with maya_lindgren"],
        ["L002", "M.6.RP.1", "3", "2026-11-02", "", "peer", "Maya Lindgren", "Maya's idea"],
        ["L002", "M.6.RP.2", "2", "2026-11-03", "", "peer", "MayaLindgren", "asked Liam Sato"],
    ]
    importer = school.evidence_importer
    importer.import_file(
        evidence_file(tmp_path, rows, name="MayaLindgren.csv"), LOCAL_ADMIN, allow_future=True
    )
    report = school.privacy.forget("L001")
    assert report.proof.clean, report.proof.as_json()
    with school.learner_db.session() as session:
        peer = session.execute(
            select(Evidence.source, Evidence.note).where(Evidence.evidence_type == "peer")
        ).all()
        files = set(session.scalars(select(EvidenceImport.file_name)))
    sources = sorted(source for source, _ in peer)
    assert sources[:2] == ["[removed]", "[removed]"] and sources[2].startswith("[removed] (row ")
    assert sorted(note for _, note in peer) == [
        "[removed]'s idea",
        "asked Liam Sato",
        "with [removed]",
    ]
    assert "[removed].csv" in files


def test_a_shared_first_name_is_not_redacted(school: Assistant, tmp_path: Path) -> None:
    with school.learner_db.session() as session:
        other = session.get(Learner, "L002")
        assert other is not None
        other.name = "Maya Sato"
    rows = [["L002", "M.6.RP.1", "3", "2026-11-02", "", "peer", "p", "Maya's idea, Maya Lindgren"]]
    school.evidence_importer.import_file(evidence_file(tmp_path, rows), LOCAL_ADMIN)
    school.privacy.forget("L001")
    with school.learner_db.session() as session:
        note = session.scalars(select(Evidence.note).where(Evidence.source == "p")).one()
    assert note == "Maya's idea, [removed]"


def test_raw_bytes_are_counted_inside_records_but_not_inside_longer_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject = Subject("L001", NAME, "stu.L001")
    words = proof._LongerWords(subject.unanchored)
    words.learn(["L0012", "stu.L0012 and more"])
    packed = b"\x00\x17L001Maya Lindgren6stu.L001\x00L0012Liam\x00lindgren,maya"
    path = tmp_path / "f.sqlite3"
    path.write_bytes(packed)
    assert proof.count_places(path, subject.raw, words) == 4
    monkeypatch.setattr(proof, "BLOCK", 7)  # every match straddles a block boundary once
    monkeypatch.setattr(proof, "OVERLAP", 3 * len(packed))
    assert proof.count_places(path, subject.raw, words) == 4
    monkeypatch.setattr(proof, "OVERLAP", 20)
    assert proof.count_places(path, subject.raw, words) == 4


def test_only_a_sqlite_file_url_has_files_to_read() -> None:
    assert sqlite_file("sqlite:////srv/w/waypoint.sqlite3") == Path("/srv/w/waypoint.sqlite3")
    assert sqlite_file("sqlite:///rel/w.sqlite3") == Path("rel/w.sqlite3")
    assert sqlite_file("sqlite:///file:w.sqlite3?mode=ro&uri=true") == Path("w.sqlite3")
    assert sqlite_file("sqlite://") is None and sqlite_file("sqlite:///:memory:") is None
    assert sqlite_file("postgresql+psycopg://u@127.0.0.1:5432/w") is None
