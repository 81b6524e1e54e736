"""The CSV importers never crash, hang or write part of a file.

Every evidence, roster or overrides file, however hostile (formula cells, NaN and huge scores,
0000-00-00 and out-of-calendar dates, other encodings, NUL bytes, broken quoting, duplicate
columns, random bytes, a 100 MB upload), ends in a correct import or in the importer's
CsvImportError naming the file and the lines, with every learner-data table exactly as before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from sqlalchemy import select

from assistant.container import Assistant
from assistant.errors import (
    CsvImportError,
    EvidenceImportError,
    OverrideImportError,
    RosterImportError,
    WaypointError,
)
from assistant.imports.evidence import ImportReport
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.db import Learner, User
from tests.fuzz.support import (
    FORMULAS,
    csv_line,
    dump,
    encodings,
    fuzz,
    hostile_text,
    newlines,
    peak_memory,
    sparse_file,
    write_text_file,
)
from tests.support_learners import CLASSES, EVIDENCE_HEADER, PEOPLE, small_school

Importer = Callable[[Path], object]


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    return small_school(tmp_path_factory.mktemp("school"), max_upload_bytes=1024 * 1024)


def importers(school: Assistant) -> dict[str, tuple[Importer, type[CsvImportError]]]:
    return {
        "evidence": (
            lambda path: school.evidence_importer.import_file(path, LOCAL_ADMIN),
            EvidenceImportError,
        ),
        "roster": (
            lambda path: school.roster_importer.import_files([path], LOCAL_ADMIN),
            RosterImportError,
        ),
        "overrides": (lambda path: school.overrides.import_file(path), OverrideImportError),
    }


def import_or_refuse(
    school: Assistant, kind: str, path: Path
) -> tuple[object | None, CsvImportError | None]:
    """The property: a correct import, or the right error by name with nothing written."""
    run, error = importers(school)[kind]
    before = dump(school)
    started = time.perf_counter()
    try:
        report = run(path)
    except WaypointError as exc:
        assert isinstance(exc, error), f"{type(exc).__name__}: {exc}"
        assert str(exc).startswith(f"{path.name}: ") and "\n" not in str(exc), str(exc)
        assert exc.problems and all(p.line >= 1 for p in exc.problems)
        assert dump(school) == before, "a refused file changed the database"
        _event(f"{kind}: refused")
        return None, exc
    finally:
        assert time.perf_counter() - started < 30
    _event(f"{kind}: imported")
    return report, None


def _event(name: str) -> None:
    if currently_in_test_context():  # counted in --hypothesis-show-statistics
        event(name)


# Evidence ---------------------------------------------------------------------------------
LEARNERS = st.sampled_from(["A", "B", "C", "Z9", "", "a", " A "]) | hostile_text
COMPETENCIES = (
    st.sampled_from(
        [
            "M.6.RP.1",
            "M.6.RP.2",
            "M.6.RP.3",
            "a29970b0-b9a7-51e6-9571-48959da809af",
            "M.6.RP",
            "M.9.ZZ.1",
            "",
        ]
    )
    | hostile_text
)
NUMBERS = (
    st.sampled_from(
        [
            *("1", "2", "3", "4", "0", "5", "-3", "2.5", "nan", "NaN", "inf", "-inf", "1e400"),
            *("1e-400", "1_0", "\uff13", "", "three", "0x3", "1e308", "-0", "5e-324", "10"),
        ]
    )
    | st.floats(allow_nan=True, allow_infinity=True).map(repr)
    | st.integers().map(str)
    | hostile_text
)
DATES = (
    st.sampled_from(
        [
            *("2026-10-01", "2026-10-01T09:30:00", "2026-10-02T23:59:59+05:00", "0000-00-00"),
            *("2026-02-30", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00+01:00", "1899-12-31"),
            *("12/10/2026", "2999-01-01", "", "2026-W40-1", "20261001", "2026-10-01T25:00"),
        ]
    )
    | st.dates().map(lambda d: d.isoformat())
    | st.datetimes().map(lambda d: d.isoformat())
    | hostile_text
)
TEXTS = st.sampled_from(["", "quiz", "M1 gradebook", *FORMULAS, "x" * 2001]) | hostile_text
evidence_rows = st.lists(
    st.tuples(LEARNERS, COMPETENCIES, NUMBERS, DATES, NUMBERS | st.just(""), TEXTS, TEXTS, TEXTS),
    max_size=6,
)
good_rows = st.lists(
    st.tuples(
        st.sampled_from(["A", "B"]),
        st.sampled_from(["M.6.RP.1", "M.6.RP.2", "a29970b0-b9a7-51e6-9571-48959da809af"]),
        st.sampled_from(["1", "2", "3", "4", "2.5"]),
        st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 1, 1)).map(date.isoformat),
        st.just(""),
        st.sampled_from(["quiz", *FORMULAS]),
        st.sampled_from(["", "gradebook", "@source"]),
        hostile_text,
    ),
    min_size=1,
    max_size=4,
)


@fuzz(2)
@given(
    good_rows | evidence_rows,
    st.permutations(list(range(len(EVIDENCE_HEADER)))),
    encodings,
    newlines,
)
def test_evidence_files_import_whole_or_not_at_all(
    school: Assistant,
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[tuple[str, ...]],
    order: list[int],
    encoding: str,
    newline: str,
) -> None:
    header = [EVIDENCE_HEADER[i] for i in order]
    lines = [csv_line(header)] + [csv_line([row[i] for i in order]) for row in rows]
    path = write_text_file(tmp_path_factory.mktemp("ev") / "evidence.csv", lines, encoding, newline)
    before = dump(school)["evidence"]
    report, _ = import_or_refuse(school, "evidence", path)
    if report is not None:
        assert isinstance(report, ImportReport)
        after = dump(school)["evidence"]
        assert len(after) == len(before) + report.added
        assert report.rows == len([r for r in rows if any(c.strip() for c in r)])
        assert report.added + report.unchanged == report.rows
        stored_notes = {row[-2] for row in after}  # notes are stored verbatim, formulas too
        assert all(r[7].strip() in stored_notes for r in rows)


@fuzz()
@given(st.binary(max_size=300), st.sampled_from(["evidence", "roster", "overrides"]))
def test_random_bytes_after_a_good_header_are_refused_or_imported(
    school: Assistant, tmp_path_factory: pytest.TempPathFactory, noise: bytes, kind: str
) -> None:
    headers = {
        "evidence": ",".join(EVIDENCE_HEADER),
        "roster": ",".join(PEOPLE[0]),
        "overrides": "learner_id,competency,level,decided_by,reason,decided_at",
    }
    path = tmp_path_factory.mktemp("noise") / f"{kind}.csv"
    path.write_bytes(headers[kind].encode() + b"\n" + noise)
    import_or_refuse(school, kind, path)


@fuzz()
@given(
    st.sampled_from(["evidence", "roster", "overrides"]),
    st.lists(st.sampled_from(["\x00", '"', "\r", "\n", ",", "\ufeff", "\u2028", "\x1a"])),
    st.integers(0, 200),
)
def test_broken_quoting_and_control_characters_are_refused_by_line(
    school: Assistant,
    tmp_path_factory: pytest.TempPathFactory,
    kind: str,
    inserts: list[str],
    at: int,
) -> None:
    good = {
        "evidence": [",".join(EVIDENCE_HEADER), "A,M.6.RP.1,3,2026-10-01,,quiz,,"],
        "roster": [",".join(PEOPLE[0]), "t1,teacher,Tess One,,,M1,"],
        "overrides": [
            "learner_id,competency,level,decided_by,reason,decided_at",
            "A,M.6.RP.2,3,t1,Conference showed it,2026-10-03T10:00:00",
        ],
    }[kind]
    text = "\n".join(good) + "\n"
    at = min(at, len(text))
    text = text[:at] + "".join(inserts) + text[at:]
    path = tmp_path_factory.mktemp("quote") / f"{kind}.csv"
    path.write_bytes(text.encode("utf-8"))
    _, error = import_or_refuse(school, kind, path)
    if "\x00" in inserts:
        assert error is not None and "NUL character" in str(error)


# Roster -----------------------------------------------------------------------------------
IDS = st.sampled_from(["adm", "t1", "t2", "s1", "p1", "new1", "new2", "@x", "-1", "+a", "=cmd"])
people_rows = st.lists(
    st.tuples(
        IDS | st.just("") | hostile_text,
        st.sampled_from(["student", "teacher", "parent", "admin", "Guardian", "", "=1+1"])
        | hostile_text,
        st.sampled_from(["Anna Able", "x" * 201, *FORMULAS]) | hostile_text,
        st.sampled_from(["A", "B", "N1", "N2", "", "=A1"]) | hostile_text,
        st.sampled_from(["6", "", "x" * 17]),
        st.sampled_from(["M1", "M2", "M1;M1", "M1 M2", "M9", ""]),
        st.sampled_from(["A", "A;A", "B", "N1", "", "A,N2"]),
    ),
    max_size=6,
)


def _person(number: int, role: str, name: str, klass: str) -> tuple[str, ...]:
    if role == "student":
        return (f"st{number}", role, name, f"L{number}", "7", klass, "")
    if role == "parent":
        return (f"pa{number}", role, name, "", "", "", "A;B")
    return (f"te{number}", role, name, "", "", klass, "")


valid_people = st.lists(
    st.builds(
        _person,
        st.integers(0, 30),
        st.sampled_from(["student", "parent", "teacher"]),
        st.sampled_from(FORMULAS) | st.text(min_size=1, max_size=20),
        st.sampled_from(["M1", "M2", "M1;M2", ""]),
    ),
    min_size=1,
    max_size=5,
    unique_by=lambda row: row[0],
)


@fuzz(2)
@given(valid_people | people_rows, encodings, newlines)
def test_people_files_import_whole_or_not_at_all(
    school: Assistant,
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[tuple[str, ...]],
    encoding: str,
    newline: str,
) -> None:
    lines = [csv_line(PEOPLE[0])] + [csv_line(list(row)) for row in rows]
    path = write_text_file(
        tmp_path_factory.mktemp("people") / "people.csv", lines, encoding, newline
    )
    report, _ = import_or_refuse(school, "roster", path)
    if report is not None:
        with school.learner_db.session() as session:
            names = {u.id: u.name for u in session.scalars(select(User))}
            learners = {lr.id: lr.name for lr in session.scalars(select(Learner))}
        for user_id, _, name, learner_id, *_ in rows:
            if user_id.strip():
                assert names[user_id.strip()] == name.strip()  # verbatim, formulas too
            if learner_id.strip():
                assert learners[learner_id.strip()] == name.strip()


classes_rows = st.lists(
    st.tuples(
        st.sampled_from(["M1", "M3", "", "=cmd", "M 4"]) | hostile_text,
        st.sampled_from(["Maths", "x" * 201, *FORMULAS]),
        st.sampled_from(["", "no such framework", *FORMULAS]),
        st.sampled_from(["", "M.6.RP.1;M.6.RP.1", "M.6.RP.1 a29970b0-b9a7-51e6-9571-48959da809af"])
        | st.sampled_from(["M.6.RP", "M.9.ZZ.1", *FORMULAS]),
    ),
    max_size=4,
)


@fuzz()
@given(classes_rows)
def test_classes_files_import_whole_or_not_at_all(
    school: Assistant, tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, ...]]
) -> None:
    lines = [csv_line(CLASSES[0])] + [csv_line(list(row)) for row in rows]
    path = write_text_file(tmp_path_factory.mktemp("classes") / "classes.csv", lines, "utf-8", "\n")
    import_or_refuse(school, "roster", path)


# Overrides --------------------------------------------------------------------------------
override_rows = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C", ""]) | hostile_text,
        st.sampled_from(["M.6.RP.2", "M.6.RP.3", "M.6.RP", ""]) | hostile_text,
        NUMBERS,
        st.sampled_from(["t1", "t2", "adm", "s1", "p1", "", "nobody"]),
        st.sampled_from(["Conference showed it", "", "x" * 2001, *FORMULAS]) | hostile_text,
        DATES,
    ),
    max_size=5,
)


valid_overrides = st.lists(
    st.tuples(
        st.sampled_from(["A", "B"]),
        st.sampled_from(["M.6.RP.2", "M.6.RP.3", "a29970b0-b9a7-51e6-9571-48959da809af"]),
        st.sampled_from(["1", "2", "3", "4", "3.0"]),
        st.sampled_from(["t1", "adm"]),
        st.sampled_from(FORMULAS) | st.text(min_size=1, max_size=30),
        st.datetimes(datetime(2024, 1, 1), datetime(2026, 6, 1)).map(datetime.isoformat),
    ),
    min_size=1,
    max_size=4,
)


@fuzz(1.5)
@given(valid_overrides | override_rows, encodings)
def test_override_files_import_whole_or_not_at_all(
    school: Assistant,
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[tuple[str, ...]],
    encoding: str,
) -> None:
    header = "learner_id,competency,level,decided_by,reason,decided_at"
    lines = [header] + [csv_line(list(row)) for row in rows]
    path = write_text_file(tmp_path_factory.mktemp("ov") / "overrides.csv", lines, encoding, "\n")
    before = len(dump(school)["mastery_overrides"])
    added, _ = import_or_refuse(school, "overrides", path)
    if added is not None:
        assert len(dump(school)["mastery_overrides"]) == before + int(str(added))


# Files as a whole -------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["evidence", "roster", "overrides"])
def test_a_100_mb_upload_is_refused_by_the_setting_without_being_read(
    school: Assistant, tmp_path: Path, kind: str
) -> None:
    path = sparse_file(tmp_path / f"{kind}.csv", 100 * 1024 * 1024)
    run, error_type = importers(school)[kind]
    before = dump(school)
    with peak_memory() as peak, pytest.raises(error_type) as caught:
        run(path)
    assert peak[0] < 1024 * 1024, peak[0]
    assert [(p.line, p.reason) for p in caught.value.problems] == [
        (1, "the file is 104,857,600 bytes, over the upload limit of 1,048,576 bytes")
    ]
    assert dump(school) == before


def test_the_upload_limit_is_the_setting(tmp_path: Path) -> None:
    small = small_school(tmp_path, max_upload_bytes=2048)
    path = tmp_path / "ev.csv"
    rows = [",".join(EVIDENCE_HEADER)]
    rows += [f"A,M.6.RP.1,3,2026-10-01,,quiz,source {n},note" for n in range(60)]
    path.write_text("\n".join(rows) + "\n")
    assert path.stat().st_size > 2048
    with pytest.raises(EvidenceImportError, match="over the upload limit of 2,048 bytes"):
        small.evidence_importer.import_file(path, LOCAL_ADMIN)
    path.write_text("\n".join(rows[:20]) + "\n")
    assert small.evidence_importer.import_file(path, LOCAL_ADMIN).added == 19


def test_encodings_utf16_imports_latin1_and_nul_are_refused_by_line(
    school: Assistant, tmp_path: Path
) -> None:
    lines = [",".join(EVIDENCE_HEADER), "A,M.6.RP.1,2,2025-03-01,,quiz,enc,é"]
    for encoding in ("utf-16", "utf-32", "utf-8-sig"):
        path = write_text_file(tmp_path / f"{encoding}.csv", lines, encoding, "\r\n")
        report, _ = import_or_refuse(school, "evidence", path)
        assert report is not None
    other = "B,M.6.RP.1,2,2025-03-02,,,,x"
    latin = write_text_file(tmp_path / "latin.csv", [lines[0], other, lines[1]], "latin-1", "\n")
    _, error = import_or_refuse(school, "evidence", latin)
    assert error is not None and [(p.line, p.reason) for p in error.problems] == [
        (3, "the file is not UTF-8 text (byte 0xe9 on this line); save it as CSV UTF-8")
    ]
    no_mark = write_text_file(tmp_path / "u16.csv", lines, "utf-16-le", "\n")
    _, error = import_or_refuse(school, "evidence", no_mark)
    assert error is not None and "NUL character" in str(error) and error.problems[0].line == 1
    nul = tmp_path / "nul.csv"
    nul.write_bytes(f"{lines[0]}\n{other}\nA,M.6.RP.1,2,2025-03-01,,,\x00,\n".encode())
    _, error = import_or_refuse(school, "evidence", nul)
    assert error is not None and error.problems[0].line == 3


def test_dates_out_of_the_calendar_name_the_row_and_field(
    school: Assistant, tmp_path: Path
) -> None:
    lines = [",".join(EVIDENCE_HEADER)]
    lines += [
        f"A,M.6.RP.1,3,{when},,,fuzz-{n},"
        for n, when in enumerate(
            ["0000-00-00", "0001-01-01T00:00+01:00", "9999-12-31T23:59-01:00", "1899-12-31"]
        )
    ]
    path = write_text_file(tmp_path / "dates.csv", lines, "utf-8", "\n")
    _, error = import_or_refuse(school, "evidence", path)
    assert error is not None
    reasons = {p.line: p.reason for p in error.problems}
    assert reasons[2] == "observed_at '0000-00-00' is not a date (use YYYY-MM-DD)"
    assert reasons[3].startswith("observed_at '0001-01-01T00:00+01:00' is not a plausible date")
    assert reasons[4].startswith("observed_at '9999-12-31T23:59-01:00' is not a plausible date")
    assert reasons[5] == (
        "observed_at '1899-12-31' is not a plausible date (year 1899 is outside 1900 to 9998)"
    )
    overrides = tmp_path / "ov.csv"
    overrides.write_text(
        "learner_id,competency,level,decided_by,reason,decided_at\n"
        "A,M.6.RP.2,3,t1,Conference,0001-01-01T00:00+01:00\n"
        "A,M.6.RP.2,3,t1,Conference,\n"
    )
    _, error = import_or_refuse(school, "overrides", overrides)
    assert error is not None
    assert [p.line for p in error.problems] == [2, 3]
    assert error.problems[1].reason == "decided_at is empty"


def test_duplicate_columns_and_long_cells_are_refused_clearly(
    school: Assistant, tmp_path: Path
) -> None:
    path = tmp_path / "dup.csv"
    path.write_text(",".join([*EVIDENCE_HEADER, "Score"]) + "\nA,M.6.RP.1,3,2026-10-01,,,,,4\n")
    _, error = import_or_refuse(school, "evidence", path)
    assert error is not None
    assert error.problems[0].reason == "more than one column named 'score'"
    long = tmp_path / "long.csv"
    long.write_text(",".join(EVIDENCE_HEADER) + "\n" + "Z" * 100_000 + ",M.6.RP.1,3,2026-10-01\n")
    _, error = import_or_refuse(school, "evidence", long)
    assert error is not None and len(str(error)) < 300
    assert error.problems[0].reason.endswith("... (100,000 characters)")
    huge_field = tmp_path / "field.csv"
    note = '"' + "n" * 200_000 + '"'
    huge_field.write_text(",".join(EVIDENCE_HEADER) + f"\nA,M.6.RP.1,3,2026-10-01,,,,{note}\n")
    _, error = import_or_refuse(school, "evidence", huge_field)
    assert error is not None and "field larger than field limit" in str(error)


def test_a_missing_file_or_a_folder_is_refused_by_name(school: Assistant, tmp_path: Path) -> None:
    for path in (tmp_path / "gone.csv", tmp_path):
        for kind in ("evidence", "roster", "overrides"):
            _, error = import_or_refuse(school, kind, path)
            assert error is not None and "the file cannot be read" in str(error)


def test_repeated_ids_in_a_roster_cell_are_written_once(school: Assistant, tmp_path: Path) -> None:
    classes = tmp_path / "classes.csv"
    classes.write_text(
        "class_id,name,framework,focus\n"
        "R1,Repeat,,M.6.RP.1;M.6.RP.1 a29970b0-b9a7-51e6-9571-48959da809af\n"
    )
    people = tmp_path / "people.csv"
    people.write_text(
        ",".join(PEOPLE[0]) + "\n"
        "rep.s,student,Rita Repeat,REP1,6,R1;R1 R1,\n"
        "rep.t,teacher,Tom Repeat,,,R1;R1,\n"
        "rep.p,parent,Pia Repeat,,,,REP1;REP1\n"
    )
    report = school.roster_importer.import_files([classes, people], LOCAL_ADMIN)
    assert (report.classes, report.people) == (1, 3)
    tables = dump(school)
    assert [r for r in tables["enrolments"] if r[1] == "REP1"] == [("R1", "REP1")]
    assert [r for r in tables["class_teachers"] if r[1] == "rep.t"] == [("R1", "rep.t")]
    assert [r for r in tables["guardianships"] if r[0] == "rep.p"] == [("rep.p", "REP1")]
    assert len([r for r in tables["class_focus"] if r[0] == "R1"]) == 1


def test_a_large_roster_is_checked_in_linear_time(school: Assistant, tmp_path: Path) -> None:
    # 40,000 students and one bad row: every row is checked, nothing is written. Checking
    # "does this user already have a learner" by scanning all learners took over a minute.
    rows = [f"big.s{n},student,Student {n},BIG{n},6,," for n in range(40_000)]
    path = tmp_path / "big.csv"
    path.write_text(",".join(PEOPLE[0]) + "\n" + "\n".join(rows) + "\nbad row,nobody,,,,,\n")
    (tmp_path / "big").mkdir()
    big = small_school(tmp_path / "big")
    started = time.perf_counter()
    with pytest.raises(RosterImportError) as caught:
        big.roster_importer.import_files([path], LOCAL_ADMIN)
    assert time.perf_counter() - started < 20
    assert {p.line for p in caught.value.problems} == {40_002}
