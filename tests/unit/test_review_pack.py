"""The quality review pack on the scripted team (tests/support_teams.py): its rows, the CSV with
an empty notes column, the PDF with room for notes, Spanish, and equity only when given."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from assistant.app.texts import load_ui_texts
from assistant.container import Assistant
from assistant.leaders.equity import AttributeEquity, EquityFigures, EquityGroup, Gap, GroupFigure
from assistant.leaders.intervals import Interval
from assistant.leaders.period import Period
from assistant.leaders.review_pack import (
    ReviewPack,
    Words,
    build_pack,
    equity_rows,
    pack_csv,
    pack_pdf,
    result_text,
)
from assistant.leaders.what_worked import Result
from tests.conftest import REPO
from tests.support_teams import END, PEOPLE, START, team_school

PERIOD = Period(START, END)
NAMES = [row[2] for row in PEOPLE[1:] if row[1] == "student"]


def words_in(language: str) -> Words:
    texts = load_ui_texts(REPO / "prompts")

    def words(key: str, **values: object) -> str:
        return texts.t(key, language, **values)

    return words


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    return team_school(tmp_path_factory.mktemp("pack"))


def pack_of(school: Assistant, language: str = "en") -> tuple[Words, ReviewPack]:
    lead = school.access.viewer("lead")
    words = words_in(language)
    found = school.leaders.school(lead, PERIOD)
    return words, build_pack(words, found, school.teams.school(lead, PERIOD))


def test_the_pack_gathers_responsiveness_and_what_worked_with_explanations(
    school: Assistant,
) -> None:
    _, pack = pack_of(school)
    rows = {(r.section, r.item): r for r in pack.rows}
    worked = rows[("What worked", "M.6.RP.4 · Double number line (K2)")]
    assert worked.value == "1 of 1 reached Proficient, median 10 days"
    assert "review date" in worked.explanation
    tape = rows[("What worked", "M.6.RP.4 · Tape diagrams (K1)")]
    assert tape.value == "1 of 2 reached Proficient, median 7 days"
    # the school-wide comparison: everyone with the gap and no intervention (Eli, Fay, Gus)
    compared = rows[("What worked", "M.6.RP.4 · Same gap, no recorded intervention")]
    assert compared.value == "2 of 3 reached Proficient, median 11 days"  # 20 and 2 days
    school_rows = [r for r in pack.rows if r.item.startswith("Whole school")]
    assert school_rows[0].item == "Whole school · Not ready for"
    assert pack.sections == ("Responsiveness", "What worked")


def test_the_csv_has_a_row_per_indicator_and_an_empty_notes_column_and_no_names(
    school: Assistant,
) -> None:
    words, pack = pack_of(school)
    text = pack_csv(pack, words)
    lines = text.splitlines()
    assert lines[0] == "Section,Indicator,Value,What it means,Reviewers' notes"
    assert all(line.endswith(",") for line in lines[1:])  # the notes are left blank
    assert not any(name in text for name in NAMES)


def test_the_pdf_has_each_section_its_explanations_and_room_for_notes(school: Assistant) -> None:
    words, pack = pack_of(school)
    data = pack_pdf(pack, words)
    assert data.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(data)).pages
    text = " ".join(" ".join(page.extract_text().split()) for page in pages)
    for expected in ("School quality review pack", "Responsiveness", "What worked"):
        assert expected in text
    assert text.count("Reviewers' notes") == 2  # after each section
    assert "Double number line" in text and "1 of 1 reached Proficient" in text
    assert not any(name in text for name in NAMES)


def test_the_pack_speaks_spanish(school: Assistant) -> None:
    words, pack = pack_of(school, "es")
    text = pack_csv(pack, words)
    assert "Lo que funcionó" in text and "1 de 1 llegaron a Competente, mediana 10 días" in text


def test_equity_rows_show_the_gap_interval_and_say_hidden_groups_are_hidden() -> None:
    words = words_in("en")
    figures = EquityFigures(
        PERIOD,
        10,
        1000,
        7,
        40,
        (
            AttributeEquity(
                "ell",
                (
                    EquityGroup(
                        "yes",
                        12,
                        "",
                        (GroupFigure("quiet", 0.25, 0.1, Gap(Interval(0.15, 0.02, 0.3), True)),),
                    ),
                    EquityGroup("", None, "small", ()),
                ),
            ),
        ),
    )
    rows = equity_rows(words, figures)
    assert [(r.item, r.value) for r in rows] == [
        ("ell = yes · No evidence for 14+ days", "0.25 / 0.1; 90%: 0.02 – 0.3 (flagged)"),
        ("ell = not recorded", "hidden"),
    ]
    assert {r.section for r in rows} == {"Equity (learner groups the school chose to record)"}


def test_a_pack_without_equity_figures_has_no_equity_section(school: Assistant) -> None:
    _, pack = pack_of(school)
    assert not any("Equity" in section for section in pack.sections)


def test_a_result_nobody_reached_has_no_median() -> None:
    words = words_in("en")
    assert result_text(words, Result(2, 0, None)) == "0 of 2 reached Proficient"
    assert result_text(words, Result(3, 1, 4)) == "1 of 3 reached Proficient, median 4 days"
