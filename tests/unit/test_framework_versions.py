"""Framework versions: the change a new version makes, worked out by hand, and what happens to
evidence when it is applied (real SQLite)."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from assistant.cli import main
from assistant.container import Assistant
from assistant.errors import FrameworkImportError
from assistant.frameworks.case_import import import_package, load_framework
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.frameworks.model import Framework
from assistant.frameworks.versions import compare
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.audit import AuditLog
from assistant.learners.competency_moves import Move, move_competencies
from assistant.learners.db import ClassFocus, Evidence, MasteryOverride
from tests.support_learners import small_school

DOC = "0f6f5a52-0000-4000-8000-000000000000"


def uid(name: str) -> str:
    """A readable UUID per test item: C1 -> 0f6f5a52-0000-4000-8000-0000000000c1."""
    return f"0f6f5a52-0000-4000-8000-{name.lower().rjust(12, '0')}"


def link(name: str) -> dict[str, str]:
    identifier = DOC if name == "doc" else uid(name)
    return {"title": name, "identifier": identifier, "uri": f"urn:uuid:{identifier}"}


def package(
    items: dict[str, str],
    parents: dict[str, str],
    prerequisites: list[tuple[str, str]],
    *,
    changed: str,
    extra: tuple[tuple[str, str, str], ...] = (),
    levels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A CASE package: items by name -> statement, parent by name, (before, after) prerequisite
    pairs, extra (type, origin, destination) associations, level-3 descriptors by name."""
    when = f"{changed}T00:00:00+00:00"
    associations = [("isChildOf", child, parent) for child, parent in parents.items()]
    associations += [("precedes", a, b) for a, b in prerequisites] + list(extra)
    rubric = [
        {
            "identifier": uid(f"c{n}"),
            "uri": f"urn:uuid:{uid(f'c{n}')}",
            "lastChangeDateTime": when,
            "CFItemURI": link(name),
            "CFRubricCriterionLevels": [
                {
                    "identifier": uid(f"l{n}{s}"),
                    "uri": f"urn:uuid:{uid(f'l{n}{s}')}",
                    "lastChangeDateTime": when,
                    "score": s,
                    "quality": label,
                    "description": text if s == 3 else "",
                }
                for s, label in ((1, "Beginning"), (2, "Developing"), (3, "Proficient"))
            ],
        }
        for n, (name, text) in enumerate((levels or {}).items())
    ]
    return {
        "CFDocument": {
            "identifier": DOC,
            "uri": f"urn:uuid:{DOC}",
            "creator": "Test",
            "title": "Versioned framework",
            "version": changed[:4],
            "lastChangeDateTime": when,
        },
        "CFItems": [
            {
                "identifier": uid(name),
                "uri": f"urn:uuid:{uid(name)}",
                "humanCodingScheme": f"V.{name}",
                "fullStatement": statement,
                "lastChangeDateTime": when,
            }
            for name, statement in items.items()
        ],
        "CFAssociations": [
            {
                "identifier": uid(f"a{n}"),
                "uri": f"urn:uuid:{uid(f'a{n}')}",
                "associationType": kind,
                "originNodeURI": link(origin),
                "destinationNodeURI": link(destination),
                "lastChangeDateTime": when,
            }
            for n, (kind, origin, destination) in enumerate(associations)
        ],
        "CFRubrics": [
            {
                "identifier": uid("r"),
                "uri": "urn:x:r",
                "lastChangeDateTime": when,
                "CFRubricCriteria": rubric,
            }
        ]
        if rubric
        else [],
    }


# Version 1: D1 {C1 C2 C3 C8}, D2 {C4 C6}; C1 precedes C2, C2 precedes C3; levels on C1.
V1 = package(
    {
        "D1": "Domain one",
        "D2": "Domain two",
        "C1": "Skill one",
        "C2": "Skill two",
        "C3": "Skill three",
        "C4": "Skill four",
        "C6": "Skill six",
        "C8": "Skill eight",
    },
    {
        "D1": "doc",
        "D2": "doc",
        "C1": "D1",
        "C2": "D1",
        "C3": "D1",
        "C8": "D1",
        "C4": "D2",
        "C6": "D2",
    },
    [("C1", "C2"), ("C2", "C3")],
    changed="2025-01-01",
    levels={"C1": "Does it alone"},
)
# Version 2, by hand: C2 reworded; C3 moved to D2 and now needs C1 instead of C2; C4 removed;
# C6 replaced by the new C7 (C6 replacedBy C7, C6 no longer in the package); C8 replaced by the
# new C9 (C9 exactMatchOf C8); C1's level-3 descriptor reworded.
V2 = package(
    {
        "D1": "Domain one",
        "D2": "Domain two",
        "C1": "Skill one",
        "C2": "Skill two, with rates",
        "C3": "Skill three",
        "C7": "Skill seven",
        "C9": "Skill nine",
    },
    {"D1": "doc", "D2": "doc", "C1": "D1", "C2": "D1", "C9": "D1", "C3": "D2", "C7": "D2"},
    [("C1", "C2"), ("C1", "C3")],
    changed="2026-01-01",
    extra=(("replacedBy", "C6", "C7"), ("exactMatchOf", "C9", "C8")),
    levels={"C1": "Does it alone, every time"},
)


def framework(data: dict[str, Any]) -> Framework:
    return import_package(copy.deepcopy(data), source="test")


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_the_change_worked_out_by_hand() -> None:
    changes = compare(framework(V1), framework(V2))
    assert [r.label for r in changes.added] == ["V.C7", "V.C9"]
    assert [r.label for r in changes.removed] == ["V.C4"]
    assert [(r.old.label, r.new.label, r.via) for r in changes.replaced] == [
        ("V.C6", "V.C7", "replacedBy"),
        ("V.C8", "V.C9", "exactMatchOf"),
    ]
    assert [(c.item.label, c.before, c.after) for c in changes.reworded] == [
        ("V.C2", "Skill two", "Skill two, with rates")
    ]
    assert [(c.item.label, c.before, c.after) for c in changes.moved] == [("V.C3", "V.D1", "V.D2")]
    assert [(c.item.label, c.before, c.after) for c in changes.prerequisites] == [
        ("V.C3", "V.C2", "V.C1")
    ]
    assert [r.label for r in changes.levels] == ["V.C1"]
    assert changes.recoded == []
    assert (changes.old_version, changes.new_version) == ("2025", "2026")


def test_the_same_version_again_changes_nothing() -> None:
    assert compare(framework(V1), framework(V1)).is_empty


# --- applying a version -----------------------------------------------------------------------


@pytest.fixture
def school(tmp_path: Path) -> Assistant:
    return small_school(tmp_path)


def add_evidence(school: Assistant, name: str, day: str, learner: str = "A", **kw: Any) -> None:
    with school.learner_db.session() as session:
        session.add(
            Evidence(
                learner_id=learner,
                competency_id=uid(name),
                competency_code=f"V.{name}",
                score=kw.get("level", 3.0),
                max_score=None,
                level=kw.get("level", 3.0),
                observed_at=datetime.fromisoformat(day),
                evidence_type=kw.get("kind", "quiz"),
                source=kw.get("source", "test"),
                note="",
            )
        )


def evidence_codes(school: Assistant) -> list[tuple[str, str, str]]:
    with school.learner_db.session() as session:
        rows = session.execute(
            select(Evidence.competency_id, Evidence.competency_code, Evidence.observed_at).order_by(
                Evidence.observed_at
            )
        ).all()
    return [(i, c, at.date().isoformat()) for i, c, at in rows]


def test_applying_a_version_moves_evidence_of_replaced_items_and_keeps_removed(
    school: Assistant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    versions = school.framework_versions
    assert versions.apply(framework(V1)) == []  # the first version is recorded quietly
    add_evidence(school, "C6", "2025-03-01")
    add_evidence(school, "C6", "2025-03-02", learner="B")
    add_evidence(school, "C8", "2025-03-03")
    add_evidence(school, "C4", "2025-03-04")
    add_evidence(school, "C1", "2025-03-05")
    with school.learner_db.session() as session:
        session.add(
            MasteryOverride(
                learner_id="A",
                competency_id=uid("C6"),
                level=3.0,
                reason="seen in class",
                decided_by="t1",
                decided_at=datetime(2025, 3, 6),
            )
        )
        session.add(ClassFocus(class_id="M1", competency_id=uid("C6"), priority=2.0))

    lines = versions.apply(framework(V2))

    text = "\n".join(lines)
    assert "replaced (evidence moves to the new item): 2" in text
    assert "evidence moved to replacing items: 3 rows (2 learners)" in text
    assert "evidence kept on retired item V.C4: 1 rows, 1 learners" in text
    assert evidence_codes(school) == [
        (uid("C7"), "V.C7", "2025-03-01"),
        (uid("C7"), "V.C7", "2025-03-02"),
        (uid("C9"), "V.C9", "2025-03-03"),
        (uid("C4"), "V.C4", "2025-03-04"),  # removed: kept where it was, shown as retired
        (uid("C1"), "V.C1", "2025-03-05"),
    ]
    with school.learner_db.session() as session:
        assert session.scalars(select(MasteryOverride.competency_id)).all() == [uid("C7")]
        focus = select(ClassFocus.competency_id, ClassFocus.priority).where(
            ClassFocus.competency_id.in_([uid("C6"), uid("C7")])
        )
        assert session.execute(focus).all() == [(uid("C7"), 2.0)]
    audit = AuditLog(school.learner_db).entries(limit=10)
    assert {e.learner_id for e in audit if "replaced items" in e.what} == {"A", "B"}

    # The log has both versions; the applied version is now V2; applying it again does nothing.
    entries = versions.log.entries(DOC)
    assert [e["version"] for e in entries] == ["2025", "2026"]
    assert entries[1]["retired"] == [
        {
            "identifier": uid("C4"),
            "label": "V.C4",
            "title": "Skill four",
            "evidence": 1,
            "learners": 1,
        }
    ]
    applied = versions.log.applied(DOC)
    assert applied is not None and uid("C7") in applied.items
    assert versions.apply(framework(V2)) == []
    assert len(versions.log.entries(DOC)) == 2

    code = main(["frameworks", "--changes", DOC], make_assistant=lambda: school)
    out = capsys.readouterr().out
    assert code == 0
    assert "2 version(s) applied" in out and "first version recorded" in out
    assert "retired: V.C4 Skill four (1 evidence rows kept, 1 learners)" in out
    assert "Evidence on retired items now: 1 rows on 1 items" in out


def test_evidence_already_on_the_new_item_is_left_not_merged(school: Assistant) -> None:
    school.framework_versions.apply(framework(V1))
    add_evidence(school, "C6", "2025-03-01")
    with school.learner_db.session() as session:  # the same judgement, already on C7
        session.add(
            Evidence(
                learner_id="A",
                competency_id=uid("C7"),
                competency_code="V.C7",
                score=3.0,
                max_score=None,
                level=3.0,
                observed_at=datetime(2025, 3, 1),
                evidence_type="quiz",
                source="test",
                note="",
            )
        )
    report = move_competencies(
        school.learner_db, [Move(uid("C6"), uid("C7"), "V.C7")], LOCAL_ADMIN, "test"
    )
    assert (report.evidence_moved, report.evidence_left) == (0, 1)
    assert sorted(i for i, _, _ in evidence_codes(school)) == [uid("C6"), uid("C7")]


def test_an_older_file_is_not_applied_over_a_newer_version(school: Assistant) -> None:
    versions = school.framework_versions
    versions.apply(framework(V2))
    add_evidence(school, "C7", "2025-03-01")
    lines = versions.apply(framework(V1))
    assert len(lines) == 1 and "older" in lines[0] and "not applied" in lines[0]
    assert evidence_codes(school) == [(uid("C7"), "V.C7", "2025-03-01")]
    assert [e["version"] for e in versions.log.entries(DOC)] == ["2026"]


def test_diff_shows_the_change_and_writes_nothing(
    school: Assistant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    school.framework_versions.apply(framework(V1))
    add_evidence(school, "C6", "2025-03-01")
    add_evidence(school, "C4", "2025-03-04")
    snapshot = school.framework_versions.log.snapshot_path(DOC).read_bytes()
    new = write(tmp_path / "v2.json", V2)

    code = main(["frameworks", "--diff", str(new)], make_assistant=lambda: school)
    out = capsys.readouterr().out
    assert code == 0
    assert "version 2025 (2025-01-01T00:00:00+00:00) -> 2026" in out
    assert "added: 2" in out and "removed (evidence kept, shown as retired): 1" in out
    assert "V.C6 Skill six -> V.C7 Skill seven (replacedBy)" in out
    assert "V.C3: under V.D1 -> under V.D2" in out
    assert "V.C3: [V.C2] -> [V.C1]" in out
    assert "evidence that moves: V.C6 -> V.C7: 1 rows, 1 learners" in out
    assert "evidence kept on retired item V.C4: 1 rows, 1 learners" in out
    assert "Nothing was changed" in out
    assert school.framework_versions.log.snapshot_path(DOC).read_bytes() == snapshot
    assert [i for i, _, _ in evidence_codes(school)] == [uid("C6"), uid("C4")]

    code = main(["frameworks", "--diff", str(new), "--json"], make_assistant=lambda: school)
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["evidence_to_move"] == {uid("C6"): [1, 1]}
    assert [r["label"] for r in data["changes"]["removed"]] == ["V.C4"]


def test_a_broken_new_version_names_the_field_and_changes_nothing(
    school: Assistant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    school.framework_versions.apply(framework(V1))
    snapshot = school.framework_versions.log.snapshot_path(DOC).read_bytes()
    broken = copy.deepcopy(V2)
    del broken["CFItems"][3]["fullStatement"]
    path = write(tmp_path / "broken.json", broken)
    with pytest.raises(FrameworkImportError) as caught:
        load_framework(path)
    assert caught.value.field == "fullStatement" and "V.C2" in str(caught.value.item)

    code = main(["frameworks", "--diff", str(path)], make_assistant=lambda: school)
    err = capsys.readouterr().err
    assert code == 1 and "V.C2" in err and "field fullStatement" in err
    assert school.framework_versions.log.snapshot_path(DOC).read_bytes() == snapshot
    assert len(school.framework_versions.log.entries(DOC)) == 1


def test_of_two_files_of_one_framework_the_catalog_uses_the_later(tmp_path: Path) -> None:
    old = write(tmp_path / "old.json", V1)
    new = write(tmp_path / "new.json", V2)
    for recorded in ([old, new], [new, old]):
        catalog = FrameworkCatalog.load(tmp_path / "no-knowledge", recorded)
        in_use = catalog.framework(DOC)
        assert in_use is not None and in_use.version == "2026"
        assert catalog.lookup("V.C7") is not None and catalog.lookup("V.C6") is None


def test_diff_of_a_new_framework_and_changes_of_an_unknown_one(
    school: Assistant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "v1.json", V1)
    code = main(["frameworks", "--diff", str(path)], make_assistant=lambda: school)
    out = capsys.readouterr().out
    assert code == 0 and "Versioned framework: not in use yet; applying it adds 8 items." in out
    assert not school.framework_versions.log.folder.exists()  # nothing written
    code = main(["frameworks", "--changes", "Nothing"], make_assistant=lambda: school)
    err = capsys.readouterr().err
    assert code == 1 and "no framework 'Nothing'" in err
    code = main(
        ["frameworks", "--changes", "Waypoint Habits of Success"], make_assistant=lambda: school
    )
    out = capsys.readouterr().out
    assert code == 0 and "no versions applied yet" in out
