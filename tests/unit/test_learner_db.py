"""The learner database: migrations, settings, the estimate cache, overrides and BKT."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select

from assistant.cli import main
from assistant.container import build_assistant
from assistant.errors import StoreUnavailableError
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.db import Base, LearnerDatabase, MasteryEstimateRow
from assistant.settings import Settings
from tests.support_learners import evidence_file, small_school


def test_default_url_is_a_sqlite_file_under_home(tmp_path: Path) -> None:
    settings = Settings(profile="test", home=tmp_path)
    assert settings.db_url == f"sqlite:///{tmp_path / 'waypoint.sqlite3'}"
    other = Settings(profile="test", home=tmp_path, database_url="postgresql+psycopg://db/w")
    assert other.db_url == "postgresql+psycopg://db/w"


@pytest.mark.migrations
def test_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    db = LearnerDatabase(f"sqlite:///{tmp_path / 'nested' / 'w.sqlite3'}")
    tables = set(inspect(db.engine).get_table_names())
    assert {
        "users",
        "learners",
        "classes",
        "enrolments",
        "guardianships",
        "evidence",
        "mastery_estimates",
        "mastery_overrides",
        "alembic_version",
    } <= tables
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    LearnerDatabase(db.url).engine  # noqa: B018 - a second open finds the schema current


def test_an_unreachable_database_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    db = LearnerDatabase(f"sqlite:///{blocker / 'w.sqlite3'}")
    with pytest.raises(StoreUnavailableError, match="learner database cannot be opened"):
        db.engine  # noqa: B018


def test_a_configured_sqlite_file_that_is_missing_is_refused_unless_asked_to_create(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "school" / "waypoint.sqlite3"  # a mistyped path, say
    url = f"sqlite:///{missing}"
    refused = build_assistant(Settings(profile="test", home=tmp_path / "home", database_url=url))
    code = main(["demo"], make_assistant=lambda: refused)
    _, err = capsys.readouterr()
    assert code == 1 and err.count("\n") == 1, err
    assert err.startswith(f"waypoint: error: the learner database {missing} does not exist")
    assert "WAYPOINT_DATABASE_CREATE=true" in err
    assert not missing.parent.exists()  # nothing created, not even the folder
    asked = Settings(profile="test", home=tmp_path / "home", database_url=url, database_create=True)
    LearnerDatabase(asked.db_url, create=asked.db_may_create).engine  # noqa: B018
    assert missing.is_file()
    again = LearnerDatabase(url, create=False)  # now that it exists, it opens as it is
    assert "users" in inspect(again.engine).get_table_names()
    # The default database under WAYPOINT_HOME is created on first use, as always.
    default = build_assistant(Settings(profile="test", home=tmp_path / "fresh"))
    assert "users" in inspect(default.learner_db.engine).get_table_names()
    assert (tmp_path / "fresh" / "waypoint.sqlite3").is_file()


def test_estimates_are_cached_until_evidence_changes(tmp_path: Path) -> None:
    school = small_school(tmp_path)
    school.evidence_importer.import_file(
        evidence_file(tmp_path, [["A", "M.6.RP.1", "2", "2026-10-01", "", "", "", ""]]),
        LOCAL_ADMIN,
    )
    grant = school.access.grant(LOCAL_ADMIN, ["A"])
    first = school.mastery.estimates(grant)["A"]
    assert [e.level for e in first.values()] == [2.0]
    with school.learner_db.session() as session:
        assert session.scalar(select(func.count()).select_from(MasteryEstimateRow)) == 1
    assert school.mastery.estimates(grant)["A"] == first
    school.evidence_importer.import_file(
        evidence_file(tmp_path, [["A", "M.6.RP.1", "4", "2026-10-08", "", "", "", ""]], "b.csv"),
        LOCAL_ADMIN,
    )
    # 2 then 4: (1 + 4) / 1.5 = 3.33 -> 3 proficient.
    assert [e.level for e in school.mastery.estimates(grant)["A"].values()] == [3.0]
    # As of a day before the second piece, only the first counts.
    past = school.mastery.estimates(grant, date(2026, 10, 2))["A"]
    assert [e.level for e in past.values()] == [2.0]


def test_override_wins_until_withdrawn_and_records_who_and_why(tmp_path: Path) -> None:
    school = small_school(tmp_path)
    teacher = school.access.viewer("t1")
    grant = school.access.grant(LOCAL_ADMIN, ["A"])
    school.overrides.record(
        teacher, "A", "M.6.RP.1", 3, "explained it in a conference", when=datetime(2026, 10, 9)
    )
    (estimate,) = school.mastery.estimates(grant)["A"].values()
    assert estimate.proficient and estimate.override is not None
    assert (estimate.override.decided_by, estimate.override.reason) == (
        "t1",
        "explained it in a conference",
    )
    school.overrides.record(teacher, "A", "M.6.RP.1", None, "new evidence is coming")
    assert school.mastery.estimates(grant).get("A", {}) == {}
    with pytest.raises(Exception, match="not on the scale"):
        school.overrides.record(teacher, "A", "M.6.RP.1", 2.5, "halfway")
    with pytest.raises(Exception, match="needs a reason"):
        school.overrides.record(teacher, "A", "M.6.RP.1", 2, "  ")


def test_bkt_model_fits_from_the_school_and_caches_parameters(tmp_path: Path) -> None:
    school = small_school(tmp_path, mastery_model="bkt", bkt_min_learners=2)
    rows = [
        [learner, "M.6.RP.1", score, f"2026-10-{day:02d}", "", "", "", ""]
        for learner in ("A", "B", "C")
        for day, score in ((1, 2), (8, 3), (15, 3), (22, 4))
    ]
    school.evidence_importer.import_file(evidence_file(tmp_path, rows), LOCAL_ADMIN)
    grant = school.access.grant(LOCAL_ADMIN, ["A", "B", "C"])
    estimates = school.mastery.estimates(grant)
    (estimate,) = estimates["A"].values()
    assert estimate.model == "bkt" and estimate.probability is not None
    assert estimate.proficient and estimate.probability >= 0.95
    saved = school.learner_store.bkt_params(school.learner_store.generation())
    assert len(saved) == 1
