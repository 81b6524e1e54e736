"""The leaders' figures recomputed incrementally after an import (only the learners it touched
are replayed; every figure aggregated again from the stored records) give exactly the figures a
recomputation from scratch gives, on the demo school; what worked is part of the stored figures,
so reading it replays no one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from assistant.container import Assistant, build_assistant
from assistant.leaders import precompute, school, teams
from assistant.leaders.service import LeaderService
from assistant.learners.access import LOCAL_ADMIN, Viewer
from assistant.settings import Settings
from tests.support_demo import copy_demo_home
from tests.support_learners import EVIDENCE_HEADER, write_csv

LEADER = Viewer("lead", "leader")
NEW_EVIDENCE = [  # one learner after the last day (the period moves), one inside the period
    ["L028", "M.6.RP.3", "2", "2026-11-21", "", "classwork", "scripted", ""],
    ["L052", "M.6.RP.2", "4", "2026-11-18", "", "quiz", "scripted", ""],
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    home = copy_demo_home(tmp_path_factory.mktemp("incremental") / "home")
    built = build_assistant(Settings(profile="test", home=home))
    yield built
    built.learner_db.dispose()


def fresh(built: Assistant) -> LeaderService:
    """A new service (as in a new process): the stored records are read from the database."""
    return LeaderService(
        built.access, built.mastery, built.catalog, built.class_rules, precompute="off"
    )


def learners(built: Assistant) -> int:
    return len(built.access.school_grant(LOCAL_ADMIN).learner_ids)


def test_an_import_replays_only_its_learners_and_gives_the_full_figures(
    demo: Assistant, tmp_path: Path
) -> None:
    first = fresh(demo).recompute()
    assert first.replayed == learners(demo)  # nothing stored yet: everyone
    demo.evidence_importer.import_file(
        write_csv(tmp_path / "new.csv", [EVIDENCE_HEADER, *NEW_EVIDENCE]),
        LOCAL_ADMIN,
        allow_future=True,
    )
    entry = demo.catalog.lookup("M.6.RP.4")
    assert entry is not None
    demo.learner_store.add_override(  # a teacher's decision for a third learner
        "L062",
        entry.identifier,
        3.0,
        decided_by="t1",
        reason="check",
        decided_at=datetime(2026, 11, 19, 9),
    )
    incremental = fresh(demo).recompute()
    assert incremental.replayed == 3  # L028, L052, L062
    assert incremental.figures.school.period != first.figures.school.period  # moved a day
    assert incremental.figures != first.figures
    service = fresh(demo)
    service.cache.forget()  # the figures and the records: everyone replayed
    full = service.recompute()
    assert full.replayed == learners(demo)
    assert incremental.figures == full.figures


def test_an_import_that_touches_no_learner_changes_nothing(demo: Assistant, tmp_path: Path) -> None:
    before = fresh(demo).recompute()
    report = demo.evidence_importer.import_file(  # the same rows again: nothing added
        write_csv(tmp_path / "again.csv", [EVIDENCE_HEADER, *NEW_EVIDENCE]),
        LOCAL_ADMIN,
        allow_future=True,
    )
    assert report.added == 0
    after = fresh(demo).recompute()
    assert after.replayed == 0
    assert after.figures == before.figures and after.stamp == before.stamp


def test_what_worked_is_read_from_the_stored_figures(
    demo: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = fresh(demo)
    service.cache.mode = "inline"
    service.recompute()
    period = service.default_period()
    expected = demo.teams.school(LEADER, period)
    assert expected.points  # the demo's recorded group meetings

    def no_replay(*_args: object) -> object:
        raise AssertionError("a render replayed learners")

    for module in (precompute, school, teams):
        monkeypatch.setattr(module, "replay", no_replay)
    assert service.teams(LEADER, period) == expected
    assert service.school(LEADER, period).period == period
