"""CSV exports cannot start a formula: every writer escapes cells as OWASP recommends."""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.csv_safety import FORMULA_PREFIXES, csv_text, safe_cell, write_csv
from assistant.demo.files import write_files
from assistant.demo.sim import EvidenceRow
from assistant.learners.access import LOCAL_ADMIN
from assistant.recommend.render import class_report_table, write_class_report_csv
from tests.fuzz.support import FORMULAS, fuzz
from tests.support_learners import bundled_catalog, evidence_file, small_school

cells = st.one_of(
    st.sampled_from([*FORMULAS, "-3", "-0.5", "-1e-05", "-.5", "-", "--3", "-3-1", "- 3"]),
    st.text(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-3", "-3"),
        ("-0.5", "-0.5"),
        (-3, "-3"),
        (-0.5, "-0.5"),
        ("-1e-05", "-1e-05"),
        ("-", "'-"),
        ("-inf", "'-inf"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (None, ""),
        ("", ""),
    ],
)
def test_safe_cell_escapes_formula_leading_cells_but_not_negative_numbers(
    value: object, expected: str
) -> None:
    assert safe_cell(value) == expected


@fuzz(2)
@given(cells)
def test_a_safe_cell_never_starts_a_formula_and_only_adds_an_apostrophe(value: object) -> None:
    text = "" if value is None else str(value)
    cell = safe_cell(value)
    assert cell in (text, "'" + text)
    if cell.startswith(FORMULA_PREFIXES):
        float(cell)  # only a plain negative number may start with "-"
        assert cell.startswith("-")


@fuzz()
@given(st.lists(st.lists(cells, min_size=1, max_size=5), max_size=6))
def test_written_csv_reads_back_as_the_safe_cells(rows: list[list[object]]) -> None:
    header = ["name", "=note", "score"]
    buffer = io.StringIO(newline="")
    assert write_csv(rows, header, buffer) == len(rows)
    text = buffer.getvalue()
    assert text == csv_text(rows, header)
    back = list(csv.reader(io.StringIO(text, newline="")))
    assert back[0] == ["name", "'=note", "score"]
    assert back[1:] == [[safe_cell(cell) for cell in row] for row in rows]


def test_write_csv_to_a_path_with_and_without_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv([["=1+1", "-2"]], ["a", "b"], path)
    assert path.read_bytes() == b"a,b\n'=1+1,-2\n"
    write_csv([["é"]], ["a"], path, bom=True)
    assert path.read_bytes() == "\ufeffa\né\n".encode()


def test_the_demo_school_files_escape_hostile_cells(tmp_path: Path) -> None:
    catalog = bundled_catalog()
    evidence = [
        EvidenceRow(
            learner_id="L001",
            code="M.6.RP.1",
            score=-3.0,
            max_score=None,
            observed_at=date(2026, 10, 1),
            evidence_type="=cmd|' /C calc'!A0",
            source="@SUM(A1)",
            note="+1+1",
        )
    ]
    paths = write_files(tmp_path, catalog, [], evidence, random.Random(1))
    rows = list(csv.reader((tmp_path / "evidence.csv").open(encoding="utf-8", newline="")))
    assert rows[1] == [
        "L001",
        "M.6.RP.1",
        "-3",
        "2026-10-01",
        "",
        "'=cmd|' /C calc'!A0",
        "'@SUM(A1)",
        "'+1+1",
    ]
    assert [p.name for p in paths] == [
        "classes.csv",
        "roster.csv",
        "evidence.csv",
        "overrides.csv",
        "interventions.csv",
    ]


def test_the_class_report_csv_escapes_imported_names(tmp_path: Path) -> None:
    school = small_school(tmp_path)
    people = tmp_path / "hostile.csv"
    people.write_text(
        "user_id,role,name,learner_id,grade,classes,children\n"
        's1,student,"=HYPERLINK(""http://example.invalid"",""x"")",A,6,M1,\n'
    )
    school.roster_importer.import_files([people], LOCAL_ADMIN)
    school.evidence_importer.import_file(
        evidence_file(tmp_path, [["A", "M.6.RP.1", "3", "2026-10-01", "", "", "", ""]]),
        LOCAL_ADMIN,
    )
    report = school.class_reports.for_class(LOCAL_ADMIN, "M1", as_of=date(2026, 11, 1))
    header, rows = class_report_table(report)
    assert header[:2] == ["learner_id", "name"] and header[-2:] == ["proficient", "tier"]
    by_id = {row[0]: row for row in rows}
    assert by_id["A"][1] == '=HYPERLINK("http://example.invalid","x")'  # stored verbatim
    out = tmp_path / "report.csv"
    assert write_class_report_csv(report, out) == len(rows)
    written = {r[0]: r for r in csv.reader(out.open(encoding="utf-8", newline=""))}
    assert written["A"][1] == "'" + by_id["A"][1]
    assert written["A"][header.index("M.6.RP.1")] == "3"
