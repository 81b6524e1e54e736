"""Learner attributes for equity figures: imported from the roster's optional columns or a
OneRoster set's demographics extension columns, never inferred, read only for leaders and
admins, audited, forgotten with the learner and deleted by retention."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from assistant.container import Assistant
from assistant.errors import AccessDeniedError, RosterImportError
from assistant.learners.access import LOCAL_ADMIN, Viewer
from assistant.learners.attributes import school_attributes
from assistant.learners.audit import utc_now
from assistant.learners.db import AuditRow, LeaderSnapshot, Learner, LearnerAttribute
from assistant.oneroster.errors import OneRosterImportError
from tests.support_leaders import CLASSES, PEOPLE, leader_school
from tests.support_learners import write_csv
from tests.unit.test_oneroster import COURSE_MAP, HAND_WRITTEN, importer, school

LEADER = Viewer("lead", "leader")


def attributes(built: Assistant) -> list[tuple[str, str, str]]:
    with built.learner_db.session() as session:
        return sorted(
            (a.learner_id, a.name, a.value) for a in session.scalars(select(LearnerAttribute))
        )


def with_columns(columns: list[str], cells: dict[str, list[str]]) -> list[list[str]]:
    """The leader school's people file with more columns (cells per user id; "" for others)."""
    rows = [PEOPLE[0] + columns]
    for row in PEOPLE[1:]:
        rows.append(row + cells.get(row[0], [""] * len(columns)))
    return rows


def import_people(built: Assistant, folder: Path, rows: list[list[str]]) -> None:
    built.roster_importer.import_files(
        [write_csv(folder / "classes.csv", CLASSES), write_csv(folder / "people.csv", rows)],
        LOCAL_ADMIN,
    )


@pytest.fixture
def built(tmp_path: Path) -> Assistant:
    return leader_school(tmp_path)


def test_roster_columns_are_stored_as_the_school_wrote_them(
    built: Assistant, tmp_path: Path
) -> None:
    rows = with_columns(
        ["iep", "504", "english_learner", "group_house"],
        {
            "sA": ["Y", "", "yes", "Zephyr"],
            "sB": ["no", "true", "0", "Boreas"],
            "sC": ["", "", "SÍ", ""],  # empty: not recorded
        },
    )
    import_people(built, tmp_path, rows)
    assert attributes(built) == [
        ("A", "english_learner", "yes"),
        ("A", "group_house", "Zephyr"),
        ("A", "iep", "yes"),
        ("B", "english_learner", "no"),
        ("B", "group_house", "Boreas"),
        ("B", "iep", "no"),
        ("B", "section_504", "yes"),
        ("C", "english_learner", "yes"),
    ]
    with built.learner_db.session() as session:
        changed = set(
            session.scalars(
                select(AuditRow.learner_id).where(
                    AuditRow.action == "change", AuditRow.what.like("roster import%")
                )
            )
        )
    assert {"A", "B", "C"} <= changed
    # an empty cell clears what an earlier import said; a file without the column keeps it
    rows = with_columns(["group_house"], {"sA": [""]})
    import_people(built, tmp_path, rows)
    assert ("A", "group_house", "Zephyr") not in attributes(built)
    assert ("B", "group_house", "Boreas") not in attributes(built)  # B's cell is empty too
    assert ("A", "iep", "yes") in attributes(built)


@pytest.mark.parametrize(
    ("columns", "cells", "message"),
    [
        (["iep"], {"sB": ["maybe"]}, "line 6: people.csv: iep 'maybe' is not yes or no"),
        (
            ["english_learner"],
            {"t1": ["yes"]},
            "line 4: people.csv: learner attributes (iep, section_504, english_learner, group_*) "
            "are only for students",
        ),
        (["group_House!"], {}, "line 1: column 'group_house!': a group column is group_"),
        (["ell", "english_learner"], {}, "columns 'ell' and 'english_learner' both record"),
        (["group_house"], {"sA": ["x" * 101]}, "group_house is longer than 100 characters"),
    ],
)
def test_a_bad_attribute_cell_or_column_is_named_and_nothing_is_written(
    tmp_path: Path, columns: list[str], cells: dict[str, list[str]], message: str
) -> None:
    built = leader_school(tmp_path)
    before = attributes(built)
    rows = with_columns(columns, {**cells, "sA": cells.get("sA", ["yes"] * len(columns))})
    with pytest.raises(RosterImportError) as refused:
        import_people(built, tmp_path, rows)
    assert message in str(refused.value)
    assert attributes(built) == before == []


def test_only_a_leaders_or_admins_school_grant_reads_attributes(
    built: Assistant, tmp_path: Path
) -> None:
    import_people(built, tmp_path, with_columns(["iep"], {"sA": ["yes"]}))
    grant = built.access.school_grant(LEADER, purpose="equity figures")
    assert school_attributes(built.learner_db, grant) == {"iep": {"A": "yes"}}
    teacher = built.access.grant(Viewer("t1", "teacher"), ["A", "B", "C"])
    with pytest.raises(AccessDeniedError, match="leaders and admins"):
        school_attributes(built.learner_db, teacher)


def test_the_equity_view_is_audited_as_its_own_purpose(built: Assistant) -> None:
    built.leaders.equity(LEADER, built.leaders.default_period())
    with built.learner_db.session() as session:
        rows = list(
            session.execute(
                select(AuditRow.scope, AuditRow.what).where(
                    AuditRow.user_id == "lead", AuditRow.action == "view"
                )
            )
        )
    assert ("school", "equity figures (learner attributes by group)") in rows
    with pytest.raises(AccessDeniedError):
        built.leaders.equity(Viewer("t1", "teacher"), built.leaders.default_period())


def test_forgetting_a_learner_deletes_their_attributes_and_the_precomputed_figures(
    built: Assistant, tmp_path: Path
) -> None:
    import_people(built, tmp_path, with_columns(["group_house"], {"sA": ["Zephyr"]}))
    built.leaders.recompute()
    report = built.privacy.forget("A")
    assert report.deleted["learner_attributes"] == 1
    assert report.deleted["leader_snapshots"] == 2  # the figures and the replayed records
    assert attributes(built) == []
    left = {scan.table: scan.rows for scan in report.proof.tables}
    assert left["learner_attributes"] == left["leader_snapshots"] == 0


def test_retention_deletes_attributes_no_import_confirmed_for_too_long(
    built: Assistant, tmp_path: Path
) -> None:
    import_people(built, tmp_path, with_columns(["iep"], {"sA": ["yes"], "sB": ["no"]}))
    old = utc_now() - timedelta(days=401)
    with built.learner_db.session() as session:
        session.execute(
            update(LearnerAttribute)
            .where(LearnerAttribute.learner_id == "A")
            .values(recorded_at=old)
        )
    dry = built.privacy.retention()
    assert dry.attribute_rows == 1 and attributes(built) == [
        ("A", "iep", "yes"),
        ("B", "iep", "no"),
    ]
    applied = built.privacy.retention(apply=True)
    assert applied.attribute_rows == 1 and attributes(built) == [("B", "iep", "no")]
    assert applied.as_json()["attribute_rows"] == 1


# OneRoster ------------------------------------------------------------------------------------
DEMOGRAPHICS = (
    "sourcedId,status,dateLastModified,birthDate,sex,hispanicOrLatinoEthnicity,"
    "metadata.english_learner,metadata.group_house\n"
    "u-s1,,,2014-03-02,female,true,yes,Zephyr\n"
    "u-s2,,,,,,false,\n"
)


def test_a_oneroster_sets_demographics_extension_columns_are_imported(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(HAND_WRITTEN, tmp_path / "set"))
    (folder / "demographics.csv").write_text(DEMOGRAPHICS, encoding="utf-8")
    built = school(tmp_path / "home")
    report = importer(built).import_set(folder, LOCAL_ADMIN, course_map=COURSE_MAP)
    assert attributes(built) == [
        ("u-s1", "english_learner", "yes"),
        ("u-s1", "group_house", "Zephyr"),
        ("u-s2", "english_learner", "no"),
    ]  # the binding's own fields (birth date, sex, ethnicity) are imported nowhere
    assert "demographics.csv" not in report.ignored


def test_oneroster_demographics_of_a_non_student_or_a_bad_cell_are_refused(
    tmp_path: Path,
) -> None:
    folder = Path(shutil.copytree(HAND_WRITTEN, tmp_path / "set"))
    (folder / "demographics.csv").write_text(
        DEMOGRAPHICS + "u-t1,,,,,,yes,\nu-s3,,,,,,perhaps,\n", encoding="utf-8"
    )
    built = school(tmp_path / "home")
    with pytest.raises(OneRosterImportError) as refused:
        importer(built).import_set(folder, LOCAL_ADMIN, course_map=COURSE_MAP)
    text = str(refused.value)
    assert "demographics.csv line 4: user 'u-t1' is not a student of the set or school" in text
    assert "demographics.csv line 5: metadata.english_learner 'perhaps' is not yes or no" in text
    with built.learner_db.session() as session:
        assert session.scalars(select(Learner)).first() is None  # nothing written
        assert session.scalars(select(LeaderSnapshot)).first() is None
