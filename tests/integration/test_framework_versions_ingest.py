"""A new version of a framework through `waypoint ingest`, with the real model, Chroma and SQLite:
the change is printed and applied, evidence follows replacements, a broken file changes nothing.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant.cli import main
from assistant.container import Assistant
from assistant.learners.db import Evidence, Learner
from tests.unit.test_framework_versions import DOC, V1, V2, uid


def add_evidence(assistant: Assistant, name: str) -> None:
    with assistant.learner_db.session() as session:
        if session.get(Learner, "A") is None:
            session.add(Learner(id="A", name="Anna"))
    with assistant.learner_db.session() as session:
        session.add(
            Evidence(
                learner_id="A",
                competency_id=uid(name),
                competency_code=f"V.{name}",
                score=3.0,
                max_score=None,
                level=3.0,
                observed_at=datetime(2025, 3, 1),
                evidence_type="quiz",
                source="test",
                note="",
            )
        )


def competencies(assistant: Assistant) -> list[str]:
    with assistant.learner_db.session() as session:
        return sorted(session.scalars(select(Evidence.competency_id)))


def test_ingest_applies_a_new_version_and_refuses_a_broken_one(
    assistant: Assistant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv), make_assistant=lambda: assistant)
        out, err = capsys.readouterr()
        return code, out, err

    (tmp_path / "v1.json").write_text(json.dumps(V1), encoding="utf-8")
    (tmp_path / "v2.json").write_text(json.dumps(V2), encoding="utf-8")
    broken = copy.deepcopy(V2)
    broken["CFDocument"]["lastChangeDateTime"] = "2027-01-01T00:00:00+00:00"
    broken["CFAssociations"][0]["originNodeURI"] = {"title": "x"}
    (tmp_path / "v3.json").write_text(json.dumps(broken), encoding="utf-8")

    assert run("ingest", str(tmp_path / "v1.json"))[0] == 0
    add_evidence(assistant, "C6")
    add_evidence(assistant, "C4")

    code, out, _ = run("ingest", str(tmp_path / "v2.json"))
    assert code == 0
    assert "V.C6 Skill six -> V.C7 Skill seven (replacedBy)" in out
    assert "evidence moved to replacing items: 1 rows (1 learners)" in out
    assert "evidence kept on retired item V.C4: 1 rows, 1 learners" in out
    assert competencies(assistant) == sorted([uid("C7"), uid("C4")])
    assistant.refresh_catalog()
    in_use = assistant.catalog.framework(DOC)
    assert in_use is not None and in_use.version == "2026"  # the later of the two files

    code, _, err = run("ingest", str(tmp_path / "v3.json"))
    assert code == 3 and "CFAssociations[0]" in err and "originNodeURI.identifier" in err
    assert competencies(assistant) == sorted([uid("C7"), uid("C4")])
    assistant.refresh_catalog()
    in_use = assistant.catalog.framework(DOC)
    assert in_use is not None and in_use.version == "2026"
    assert [e["version"] for e in assistant.framework_versions.log.entries(DOC)] == [
        "2025",
        "2026",
    ]

    code, out, _ = run("frameworks", "--changes", "Versioned framework")
    assert code == 0 and "2 version(s) applied" in out and "retired: V.C4" in out
