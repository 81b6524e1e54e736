"""OneRoster 1.2 CSV in and out: a hand-written set, broken sets (named by file and line,
nothing written), dry run, delta mode, the demo school's set and the round trip out -> in."""

from __future__ import annotations

import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant.cli import main
from assistant.container import Assistant, build_assistant
from assistant.errors import AccessDeniedError
from assistant.learners.access import LOCAL_ADMIN, Viewer
from assistant.learners.db import (
    AuditRow,
    ClassTeacher,
    Enrolment,
    Evidence,
    Guardianship,
    Learner,
    SchoolClass,
    User,
)
from assistant.oneroster.demo_set import OUT, demo_files
from assistant.oneroster.errors import OneRosterImportError
from assistant.oneroster.export import OneRosterExporter
from assistant.oneroster.importer import OneRosterImporter
from assistant.settings import Settings
from tests.support_demo import copy_demo_home
from tests.support_learners import MATH

DATA = Path(__file__).resolve().parents[1] / "data"
HAND_WRITTEN = DATA / "oneroster"
COURSE_MAP = DATA / "oneroster-course-map.csv"
TODAY = date(2026, 12, 6)
AS_OF = date(2026, 11, 20)
RP1, RP2, RP3 = (
    "a29970b0-b9a7-51e6-9571-48959da809af",
    "27b2459f-6b8c-564b-81dc-7d0a65adfa0e",
    "7e4247ba-f764-5b6e-ad16-045699fd6075",
)


def school(home: Path) -> Assistant:
    return build_assistant(Settings(profile="test", home=home))


def importer(built: Assistant) -> OneRosterImporter:
    return OneRosterImporter(built.learner_db, built.catalog, built.access, today=lambda: TODAY)


def state(built: Assistant) -> dict[str, list[tuple[object, ...]]]:
    """Everything an import may change, as sorted rows."""
    with built.learner_db.session() as session:
        return {
            "users": sorted((u.id, u.role, u.name) for u in session.scalars(select(User))),
            "learners": sorted(
                (lr.id, lr.name, lr.grade, str(lr.user_id))
                for lr in session.scalars(select(Learner))
            ),
            "classes": sorted(
                (c.id, c.name, str(c.framework_id)) for c in session.scalars(select(SchoolClass))
            ),
            "enrolments": sorted(
                (r[0], r[1])
                for r in session.execute(select(Enrolment.class_id, Enrolment.learner_id))
            ),
            "teaching": sorted(
                (r[0], r[1])
                for r in session.execute(select(ClassTeacher.class_id, ClassTeacher.user_id))
            ),
            "guardians": sorted(
                (r[0], r[1])
                for r in session.execute(select(Guardianship.parent_id, Guardianship.learner_id))
            ),
            "evidence": sorted(
                (
                    e.learner_id,
                    e.competency_id,
                    e.score,
                    e.max_score or 0.0,
                    e.level,
                    e.observed_at.isoformat(),
                    e.evidence_type,
                    e.source,
                    e.note,
                )
                for e in session.scalars(select(Evidence))
            ),
            "audit": [(a.id,) for a in session.scalars(select(AuditRow))],
        }


@pytest.fixture
def hand_written(tmp_path: Path) -> Path:
    return Path(shutil.copytree(HAND_WRITTEN, tmp_path / "set"))


def test_the_hand_written_set_imports_people_classes_and_scaled_evidence(tmp_path: Path) -> None:
    built = school(tmp_path / "home")
    report = importer(built).import_set(HAND_WRITTEN, LOCAL_ADMIN, course_map=COURSE_MAP)
    found = state(built)
    assert found["users"] == [
        ("amorales", "student", "Ana Morales"),
        ("bkhan", "student", "Bilal Khan"),
        ("u-g1", "parent", "Pablo Morales"),  # a guardian is a parent in Waypoint
        ("u-g2", "parent", "Rukhsana Khan"),
        ("u-p1", "leader", "Mark Owens"),  # principal (primary) wins over counselor
        ("u-t1", "teacher", "Julia Rivera"),
    ]  # the aide has no place in Waypoint: skipped
    assert found["learners"] == [
        ("u-s1", "Ana Morales", "6", "amorales"),
        ("u-s2", "Bilal Khan", "6", "bkhan"),
        ("u-s3", "Celia Nowak", "6", "None"),  # enabledUser false: no login
    ]
    math_id = built.catalog.framework(MATH)
    assert math_id is not None
    assert found["classes"] == [
        ("k-hr-6", "Homeroom 6", "None"),
        ("k-math6-1", "Math 6 Period 1", math_id.identifier),  # from the course map
    ]
    assert found["enrolments"] == [
        ("k-hr-6", "u-s3"),
        ("k-math6-1", "u-s1"),
        ("k-math6-1", "u-s2"),
    ]
    assert found["teaching"] == [("k-hr-6", "u-t1"), ("k-math6-1", "u-t1")]
    assert found["guardians"] == [("u-g1", "u-s1"), ("u-g2", "u-s2")]
    day18, day21 = "2026-09-18T00:00:00", "2026-09-21T00:00:00"
    quiz, ticket = ("Quizzes", "Quiz 1: ratios"), ("Exit tickets", "Exit ticket: tape diagrams")
    assert found["evidence"] == [
        # 80 out of 0..100 on a 1-4 scale: 1 + 0.8 * 3; the comment is the note
        ("u-s1", RP2, 80.0, 100.0, 3.4, day18, *quiz, "Strong on unit rates"),
        ("u-s1", RP3, 5.0, 5.0, 4.0, day21, *ticket, ""),  # the score scale's 0..5
        ("u-s1", RP1, 80.0, 100.0, 3.4, day18, *quiz, "Strong on unit rates"),
        # scores per learning objective (resultLearningObjectiveIds) win over the result's
        ("u-s2", RP2, 60.0, 100.0, 2.8, day18, *quiz, ""),
        ("u-s2", RP1, 40.0, 100.0, 2.2, day18, *quiz, ""),
    ]
    assert report.ignored == {"demographics.csv": 1}
    assert report.skipped["results not fully graded with a score"] == 1
    assert report.skipped["results on line items with no learning objective"] == 1
    assert report.counts["evidence"]["added"] == 5


def test_a_dry_run_writes_nothing_and_says_what_would_change(tmp_path: Path) -> None:
    built = school(tmp_path / "home")
    before = state(built)
    report = importer(built).import_set(
        HAND_WRITTEN, LOCAL_ADMIN, course_map=COURSE_MAP, dry_run=True
    )
    assert state(built) == before
    assert report.counts["people"]["added"] == 7  # 3 students, a teacher, 2 parents, an admin
    text = "\n".join(report.lines())
    assert "would change (dry run, nothing written)" in text
    assert "evidence: 5 added, 0 updated, 0 removed, 0 unchanged" in text
    assert "ignored: demographics.csv (1 rows read and checked, imported nowhere yet)" in text


def test_reimporting_changes_nothing(tmp_path: Path) -> None:
    built = school(tmp_path / "home")
    importer(built).import_set(HAND_WRITTEN, LOCAL_ADMIN, course_map=COURSE_MAP)
    before = state(built)
    again = importer(built).import_set(HAND_WRITTEN, LOCAL_ADMIN, course_map=COURSE_MAP)
    after = state(built)
    assert {k: v for k, v in after.items() if k != "audit"} == {
        k: v for k, v in before.items() if k != "audit"
    }
    assert all(c["added"] == c["updated"] == c["removed"] == 0 for c in again.counts.values())


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BROKEN = [
    # (file, text to replace, replacement, file named, line, words of the reason)
    ("enrollments.csv", "e-3,,,k-math6-1", "e-3,,,k-nope", "enrollments.csv", 4, "unknown class"),
    ("results.csv", "res-2,,,li-q1", "res-2,,,li-gone", "results.csv", 3, "unknown lineItem"),
    (
        "roles.csv",
        "r-t1b,,,u-t1,secondary,teacher",
        "r-t1b,,,u-t1,primary,parent",
        "roles.csv",
        3,
        "one role",
    ),
    ("users.csv", "givenName,familyName", "givenName,lastName", "users.csv", 1, "familyname"),
    ("classes.csv", "scheduled", "lecture", "classes.csv", 2, "classType"),
    ("lineItems.csv", "2026-09-14", "14/09/2026", "lineItems.csv", 2, "YYYY-MM-DD"),
    ("users.csv", "u-t1,,,true", "u-t1,tobedeleted,,true", "users.csv", 2, "delta"),
    ("results.csv", "fully graded,80,", "fully graded,180,", "results.csv", 2, "outside 0 to 100"),
    (
        "lineItemLearningObjectiveIds.csv",
        "a29970b0-b9a7-51e6-9571-48959da809af",
        "not-a-case-item",
        "lineItemLearningObjectiveIds.csv",
        2,
        "not a CASE item",
    ),
    ("manifest.csv", "oneroster.version,1.2", "oneroster.version,1.1", "manifest.csv", 3, "1.2"),
    ("users.csv", ",u-g1,06", ",u-t1,06", "users.csv", 3, "not a parent"),
]


@pytest.mark.parametrize(("name", "old", "new", "file", "line", "words"), BROKEN)
def test_a_broken_set_is_refused_by_file_and_line_and_nothing_is_written(
    tmp_path: Path,
    hand_written: Path,
    name: str,
    old: str,
    new: str,
    file: str,
    line: int,
    words: str,
) -> None:
    built = school(tmp_path / "home")
    before = state(built)
    _edit(hand_written, name, old, new)
    with pytest.raises(OneRosterImportError) as caught:
        importer(built).import_set(hand_written, LOCAL_ADMIN, course_map=COURSE_MAP)
    assert any(
        p.file == file and p.line == line and words in p.reason for p in caught.value.problems
    ), caught.value.problems
    assert f"{file} line {line}: " in str(caught.value)
    assert state(built) == before


def test_every_problem_of_the_set_is_listed_in_one_error(
    tmp_path: Path, hand_written: Path
) -> None:
    built = school(tmp_path / "home")
    _edit(hand_written, "enrollments.csv", "e-3,,,k-math6-1", "e-3,,,k-nope")
    _edit(hand_written, "results.csv", "res-2,,,li-q1", "res-2,,,li-gone")
    (hand_written / "orgs.csv").unlink()
    with pytest.raises(OneRosterImportError) as caught:
        importer(built).import_set(hand_written, LOCAL_ADMIN, course_map=COURSE_MAP)
    places = {(p.file, p.line) for p in caught.value.problems}
    assert {("enrollments.csv", 4), ("results.csv", 3), ("manifest.csv", 1)} <= places
    assert "\n" not in str(caught.value)


def _delta(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir()
    manifest = ["propertyName,value", "manifest.version,1.0", "oneroster.version,1.2"]
    for name in ("classes", "enrollments", "users", "roles", "orgs"):
        mode = "delta" if f"{name}.csv" in files else "absent"
        manifest.append(f"file.{name},{mode}")
    (folder / "manifest.csv").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_delta_set_applies_only_its_changes(tmp_path: Path) -> None:
    built = school(tmp_path / "home")
    importer(built).import_set(HAND_WRITTEN, LOCAL_ADMIN, course_map=COURSE_MAP)
    before = state(built)
    when = "2026-10-01T08:00:00.000Z"
    delta = _delta(
        tmp_path / "delta",
        {
            "users.csv": "sourcedId,status,dateLastModified,enabledUser,username,givenName,"
            f"familyName\nu-s4,active,{when},true,dpark,Dae,Park\n"
            f"u-s2,active,{when},true,bkhan,Bilal,Khan-Ortiz\n",
            "roles.csv": "sourcedId,status,dateLastModified,userSourcedId,roleType,role,"
            f"orgSourcedId\nr-s4,active,{when},u-s4,primary,student,s-01\n",
            "enrollments.csv": "sourcedId,status,dateLastModified,classSourcedId,"
            "schoolSourcedId,userSourcedId,role\n"
            f"e-8,active,{when},k-math6-1,s-01,u-s4,student\n"
            f"e-2,tobedeleted,{when},k-math6-1,s-01,u-s1,student\n",
            "classes.csv": "sourcedId,status,dateLastModified,title,courseSourcedId,classType,"
            f"schoolSourcedId,termSourcedIds\nk-hr-6,tobedeleted,{when},Homeroom 6,c-hr,"
            "homeroom,s-01,t-2027-1\n",
        },
    )
    report = importer(built).import_set(delta, LOCAL_ADMIN)
    after = state(built)
    assert after["enrolments"] == [("k-math6-1", "u-s2"), ("k-math6-1", "u-s4")]
    assert after["teaching"] == [("k-math6-1", "u-t1")]  # the homeroom is gone
    assert [c[0] for c in after["classes"]] == ["k-math6-1"]
    assert ("u-s2", "Bilal Khan-Ortiz", "6", "bkhan") in after["learners"]
    assert ("u-s4", "Dae Park", "", "dpark") in after["learners"]
    # untouched: the other people, the guardians, the evidence
    assert after["guardians"] == before["guardians"]
    assert after["evidence"] == before["evidence"]
    assert ("u-s1", "Ana Morales", "6", "amorales") in after["learners"]
    assert report.counts["classes"]["removed"] == 1
    assert report.counts["enrolments"] == {"added": 1, "updated": 0, "removed": 2, "unchanged": 1}


def test_a_delta_row_needs_its_status_and_date(tmp_path: Path) -> None:
    built = school(tmp_path / "home")
    delta = _delta(
        tmp_path / "delta",
        {
            "orgs.csv": "sourcedId,status,dateLastModified,name,type\n"
            "s-01,,,Riverside Middle School,school\n"
            "s-02,active,2026-10-01 08:00,Hill School,school\n",
        },
    )
    with pytest.raises(OneRosterImportError) as caught:
        importer(built).import_set(delta, LOCAL_ADMIN)
    reasons = {(p.line, p.reason.split()[0]) for p in caught.value.problems}
    assert (2, "status") in reasons and (2, "dateLastModified") in reasons
    assert (3, "dateLastModified") in reasons


def test_the_committed_demo_set_is_what_the_generator_writes() -> None:
    files = demo_files()
    committed = {p.name: p.read_text(encoding="utf-8") for p in OUT.iterdir()}
    assert committed == files


def test_the_demo_school_imports_from_its_oneroster_set(tmp_path: Path) -> None:
    loaded = _demo(tmp_path / "loaded")  # the demo school as `load_demo` writes it
    built = school(tmp_path / "home")
    importer(built).import_set(OUT, LOCAL_ADMIN, course_map=OUT / "course-map.csv")
    expected, found = state(loaded), state(built)
    for kind in ("users", "learners", "classes", "enrolments", "teaching", "guardians"):
        assert found[kind] == expected[kind], kind
    assert found["evidence"] == expected["evidence"]


def _demo(home: Path) -> Assistant:
    """The demo school as `load_demo` writes it (without the teams' meetings), copied."""
    return school(copy_demo_home(home, interventions=False))


def test_a_class_goes_out_and_comes_back_exactly(tmp_path: Path) -> None:
    first = _demo(tmp_path / "first")
    with first.learner_db.session() as session:
        learner = session.get(Learner, "L001")
        assert learner is not None
        learner.name = "=HYPERLINK(evil) Lindgren"  # a name a spreadsheet would run
    exporter = OneRosterExporter(first.learner_db, first.catalog, first.class_reports)
    out = tmp_path / "6A.zip"
    exported = exporter.export_class(LOCAL_ADMIN, "6A", out, as_of=AS_OF)
    assert exported.learners == 22 and exported.line_items > 0
    with zipfile.ZipFile(out) as archive:
        users = archive.read("users.csv").decode()
        assert ",'=HYPERLINK(evil) Lindgren" in users  # formula-safe
        names = set(archive.namelist())
    assert {"manifest.csv", "lineItems.csv", "results.csv", "users.csv"} <= names
    assert {"lineItemLearningObjectiveIds.csv", "resultLearningObjectiveIds.csv"} <= names
    second = school(tmp_path / "second")
    importer(second).import_set(out, LOCAL_ADMIN)
    with second.learner_db.session() as session:
        back = session.get(Learner, "L001")
        assert back is not None and back.name == "=HYPERLINK(evil) Lindgren"
    again = OneRosterExporter(second.learner_db, second.catalog, second.class_reports)
    out_again = tmp_path / "again"
    again.export_class(LOCAL_ADMIN, "6A", out_again, as_of=AS_OF)
    with zipfile.ZipFile(out) as archive:
        for name in archive.namelist():
            assert (out_again / name).read_text(encoding="utf-8") == archive.read(name).decode()
    report = importer(second).import_set(out_again, LOCAL_ADMIN)
    assert report.counts["evidence"]["added"] == 0


def test_export_shows_only_what_the_asking_user_may_see(tmp_path: Path) -> None:
    built = _demo(tmp_path / "home")
    exporter = OneRosterExporter(built.learner_db, built.catalog, built.class_reports)
    other_teacher = Viewer("t.lindqvist", "teacher", "Erik Lindqvist")
    with pytest.raises(AccessDeniedError):
        exporter.export_class(other_teacher, "6A", tmp_path / "out", as_of=AS_OF)
    assert not (tmp_path / "out").exists()
    own = Viewer("t.okafor", "teacher", "Amara Okafor")
    assert exporter.export_class(own, "6A", tmp_path / "own", as_of=AS_OF).learners == 22


def test_the_cli_dry_run_prints_counts_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built = school(tmp_path / "home")
    before = state(built)
    code = main(
        [
            "import-oneroster",
            str(HAND_WRITTEN),
            "--course-map",
            str(COURSE_MAP),
            "--framework",
            MATH,
            "--dry-run",
        ],
        make_assistant=lambda: built,
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "classes: 2 added" in out and "evidence: 5 added" in out
    assert state(built) == before
    code = main(["import-oneroster", str(tmp_path / "missing")], make_assistant=lambda: built)
    assert code == 1


@pytest.mark.parametrize(
    "value", ["=1+2", "+44 20", "@SUM(A1)", "-x", "\tTab", "-3", "'quoted", "plain"]
)
def test_the_reader_takes_off_exactly_the_apostrophe_the_safe_writer_adds(value: str) -> None:
    from assistant.csv_safety import safe_cell, unescape_cell

    assert unescape_cell(safe_cell(value)) == value


def test_a_principal_already_an_admin_in_waypoint_stays_one(tmp_path: Path) -> None:
    """Before the leader role, a principal was imported as an admin: a later import keeps
    them an admin instead of refusing the set ("a user keeps one role")."""
    built = school(tmp_path / "home")
    people = tmp_path / "people.csv"
    people.write_text("user_id,role,name\nu-p1,admin,Mark Owens\n", encoding="utf-8")
    built.roster_importer.import_files([people], LOCAL_ADMIN)
    importer(built).import_set(HAND_WRITTEN, LOCAL_ADMIN, course_map=COURSE_MAP)
    assert ("u-p1", "admin", "Mark Owens") in state(built)["users"]
