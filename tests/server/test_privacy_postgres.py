"""Forgetting and exporting a learner on PostgreSQL: the proof says what it could not read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.container import Assistant, build_assistant
from assistant.demo.load import load_demo
from assistant.learners.access import LOCAL_ADMIN
from assistant.settings import Settings
from tests.servers import ServerUnavailable, create_database, start_postgres, unavailable


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    try:
        postgres = start_postgres()
    except ServerUnavailable as exc:
        unavailable(str(exc))
        raise
    try:
        url = create_database(postgres.url(), "privacy")
        home = tmp_path_factory.mktemp("privacy-pg") / "home"
        built = build_assistant(Settings(profile="test", home=home, database_url=url))
        load_demo(built.roster_importer, built.evidence_importer, built.overrides, LOCAL_ADMIN)
        yield built
        built.records.close()
        built.learner_db.dispose()
    finally:
        postgres.stop()


def run(school: Assistant, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv), make_assistant=lambda: school)
    return code, capsys.readouterr().out


def test_forgetting_on_postgresql_never_claims_the_server_files_are_clean(
    school: Assistant, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out = run(school, capsys, "export-learner", "L002", "--out", str(tmp_path / "x"))
    assert code == 0 and json.loads((tmp_path / "x" / "learner.json").read_text())["tables"]
    code, out = run(school, capsys, "forget-learner", "L001", "--yes")
    assert code == 0
    assert "nothing left" not in out
    assert "the database server's own files were not read" in out
    assert "PostgreSQL, rows checked through SQL only" in out
    code, out = run(school, capsys, "forget-learner", "L002", "--yes", "--json")
    proof = json.loads(out)["proof"]
    assert proof["clean"] and proof["remaining"] == 0
    assert proof["database_files_checked"] is False
    assert {f["database"] for f in proof["files"]} == {"index records"}
