"""The leaders' figures precomputed after each import and read back by the pages (the four
scripted learners of tests/support_leaders.py, plus an attribute for the equity figures)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from assistant.container import Assistant
from assistant.leaders.figures import LeaderFigures, compute
from assistant.leaders.period import Period
from assistant.leaders.snapshot import dump, load
from assistant.learners.access import LOCAL_ADMIN, Viewer
from assistant.learners.db import LeaderSnapshot
from tests.support_leaders import END, START, leader_school
from tests.support_learners import EVIDENCE_HEADER, write_csv

LEADER = Viewer("lead", "leader")
DECIDED = datetime(2026, 11, 1, 12)


def with_mode(built: Assistant, mode: str) -> Assistant:
    built.settings = built.settings.updated(leader_precompute=mode)
    built.leaders.cache.mode = mode
    return built


def add_evidence(built: Assistant, folder: Path, name: str, day: str) -> None:
    row = ["B", "M.6.RP.3", "3", day, "", "classwork", "K", ""]
    built.evidence_importer.import_file(
        write_csv(folder / name, [EVIDENCE_HEADER, row]), LOCAL_ADMIN, allow_future=True
    )


@pytest.fixture
def built(tmp_path: Path) -> Assistant:
    return leader_school(tmp_path)


def test_stored_figures_read_back_as_the_same_objects(built: Assistant) -> None:
    grant = built.access.school_grant(LEADER)
    found = compute(
        built.learner_db, Period(START, END), grant, built.leaders._replayer(), minimum=5
    )
    assert found.school.classes and found.school.competencies
    assert load(LeaderFigures, dump(found)) == found


def test_an_import_stores_the_figures_and_the_page_reads_them(
    built: Assistant, tmp_path: Path
) -> None:
    with_mode(built, "inline")
    add_evidence(built, tmp_path, "one.csv", "2026-10-29")
    stored = built.leaders.cache.stored()
    assert stored is not None
    period = built.leaders.default_period()
    assert (
        stored.figures.school.period == period == Period.ending(date(2026, 11, 5), 30)
    )  # Anna's last
    shown = built.leaders.school(LEADER, period)
    freshness = built.leaders.freshness()
    assert freshness.precomputed and not freshness.stale
    assert shown == stored.figures.school
    # the same as computed on demand, with nothing stored
    with_mode(built, "off")
    built.leaders.cache.forget()
    assert built.leaders.school(LEADER, period) == shown
    assert not built.leaders.freshness().precomputed


def test_a_roster_import_stores_them_too(built: Assistant, tmp_path: Path) -> None:
    with_mode(built, "inline")
    assert built.leaders.cache.stored() is None
    people = write_csv(
        tmp_path / "p.csv",
        [
            ["user_id", "role", "name", "learner_id", "grade", "iep"],
            ["sA", "student", "A", "A", "6", "yes"],
        ],
    )
    built.roster_importer.import_files([people], LOCAL_ADMIN)
    stored = built.leaders.cache.stored()
    assert stored is not None and [a.attribute for a in stored.figures.equity.attributes] == ["iep"]


def test_changed_data_is_shown_as_stale_while_fresh_figures_are_computed(
    built: Assistant, tmp_path: Path
) -> None:
    with_mode(built, "inline")
    add_evidence(built, tmp_path, "one.csv", "2026-10-29")
    period = built.leaders.default_period()
    before = built.leaders.school(LEADER, period)
    with_mode(built, "background")
    rp4 = built.catalog.lookup("M.6.RP.4")
    assert rp4 is not None
    built.learner_store.add_override(  # a teacher's decision, no import: Ben is not stuck
        "B", rp4.identifier, 3.0, decided_by="t1", reason="check", decided_at=DECIDED
    )
    assert built.leaders.school(LEADER, period) == before
    assert built.leaders.freshness().stale
    built.leaders.cache.wait(60)
    after = built.leaders.school(LEADER, period)  # recomputed in the background
    assert (len(before.school.stuck.learners), len(after.school.stuck.learners)) == (1, 0)
    assert not built.leaders.freshness().stale


def test_a_snapshot_written_by_another_version_is_recomputed(
    built: Assistant, tmp_path: Path
) -> None:
    with_mode(built, "inline")
    add_evidence(built, tmp_path, "one.csv", "2026-10-29")
    with built.learner_db.session() as session:
        session.execute(update(LeaderSnapshot).values(data='{"school": {}}'))
    assert built.leaders.cache.stored() is None
    period = built.leaders.default_period()
    assert built.leaders.school(LEADER, period).school.learners == 4
    with built.learner_db.session() as session:
        keys = session.scalars(select(LeaderSnapshot.key).order_by(LeaderSnapshot.key)).all()
        assert keys == ["default period", "learner records"]
