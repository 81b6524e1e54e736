"""The demo school's teaching-team stretch (assistant/demo/teams.py): its courses, the
group meetings it records, 6B's review of mastered content as the leader page counts it, and
what worked across 6A and 6B (numbers from the deterministic generator)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from assistant.app.texts import load_ui_texts
from assistant.container import Assistant, build_assistant
from assistant.demo.load import load_demo
from assistant.demo.school import DEMO_DIR
from assistant.demo.teams import REVIEW_DAYS, REVIEW_TYPE
from assistant.leaders.period import Period
from assistant.leaders.review_pack import build_pack, pack_csv
from assistant.leaders.team_records import CourseInfo
from assistant.learners.access import LOCAL_ADMIN
from assistant.settings import Settings
from tests.conftest import REPO
from tests.support_demo import copy_demo_home, demo_load_report

TERM = Period(date(2026, 10, 1), date(2026, 11, 20))


def load(built: Assistant) -> int:
    report = load_demo(
        built.roster_importer,
        built.evidence_importer,
        built.overrides,
        LOCAL_ADMIN,
        interventions=lambda path: built.interventions.import_file(path, allow_future=True),
    )
    return report.interventions_added


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """A copy of the demo school as loaded into a new database (tests/support_demo)."""
    assert demo_load_report().interventions_added == 4
    home = copy_demo_home(tmp_path_factory.mktemp("teams") / "home")
    built = build_assistant(Settings(profile="test", home=home))
    yield built
    built.learner_db.dispose()


def test_6a_and_6b_are_sections_of_one_course_and_loading_again_adds_no_meeting(
    demo: Assistant,
) -> None:
    assert demo.interventions.courses_of(LOCAL_ADMIN) == [
        CourseInfo("MATH6", "MATH6", ("6A", "6B")),
        CourseInfo("MATH7", "MATH7", ("7A",)),
    ]
    assert load(demo) == 0


def test_6b_reviews_what_it_mastered_and_the_leader_page_counts_it(demo: Assistant) -> None:
    rows = (DEMO_DIR / "evidence.csv").read_text(encoding="utf-8").splitlines()
    review = [r for r in rows if f",{REVIEW_TYPE}," in r]
    assert len(review) == 72 and {r.split(",")[3] for r in review} == {
        d.isoformat() for d in REVIEW_DAYS
    }
    found = demo.leaders.school(demo.access.viewer("lead.ramos"), Period(REVIEW_DAYS[0], TERM.end))
    shares = {c.class_id: c.figures.shares for c in found.classes}
    assert (shares["6B"].total, shares["6B"].mastered) == (127, 78)
    assert max(shares, key=lambda c: shares[c].mastered_share or 0) == "6B"
    month = Period.ending(TERM.end, 30)  # the leader page's default period
    facts = demo.team_chat.least_responsive(demo.access.viewer("lead.ramos"), month)
    assert [c.class_id for c in facts.classes] == ["6B", "7A", "6A", "ADV6"]
    said = str(facts.as_json())
    assert "english_learner" not in said and "iep" not in said  # no attribute reaches chat


def test_a_teacher_of_6b_sees_what_worked_in_6a_and_6b(demo: Assistant) -> None:
    mensah = demo.access.viewer("t.mensah")  # teaches 6B only
    [team] = demo.teams.teams_of(mensah)
    found = demo.teams.results(mensah, team, TERM)
    classes = {p.code: {c for a in p.activities for c in a.classes} for p in found.points}
    assert classes == {"M.6.RP.4": {"6A"}, "M.6.EE.3": {"6B"}}
    point = found.point("M.6.EE.3")
    assert point is not None
    best = point.activities[0]
    assert (best.activity, best.result.learners, best.result.reached) == (
        "Tape diagrams for expressions",
        2,
        2,
    )


def test_the_6b_class_report_suggests_the_team_activity_for_its_group(demo: Assistant) -> None:
    report = demo.class_reports.for_class(
        demo.access.viewer("t.mensah"), "6B", as_of=date(2026, 11, 20)
    )
    picks = {g.focus: g.team_pick for g in report.groups if g.team_pick is not None}
    assert picks["M.6.EE.3"].activity == "Tape diagrams for expressions"  # type: ignore[union-attr]


def test_the_demo_files_name_the_course_and_the_meetings() -> None:
    assert (
        (DEMO_DIR / "classes.csv").read_text(encoding="utf-8").splitlines()[0].endswith(",course")
    )
    meetings = (DEMO_DIR / "interventions.csv").read_text(encoding="utf-8").splitlines()
    assert len(meetings) == 5 and meetings[0].startswith("class_id,competency,activity,met_on")


def test_the_leader_pack_holds_the_equity_figures_by_group(demo: Assistant) -> None:
    texts = load_ui_texts(REPO / "prompts")

    def words(key: str, **values: object) -> str:
        return texts.t(key, "en", **values)

    lead = demo.access.viewer("lead.ramos")
    month = Period.ending(TERM.end, 30)
    pack = build_pack(
        words,
        demo.leaders.school(lead, month),
        demo.teams.school(lead, month),
        demo.leaders.equity(lead, month),
    )
    equity = [r for r in pack.rows if r.section.startswith("Equity")]
    assert any(r.item.startswith("english_learner = yes") for r in equity)
    assert any(r.item.startswith("iep = ") and r.value == "hidden" for r in equity)
    assert "english_learner = yes" in pack_csv(pack, words)
