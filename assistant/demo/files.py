"""Writing the demo school's CSV files (formats: knowledge/demo/README.md)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from assistant.csv_safety import write_csv
from assistant.demo.school import (
    ADMIN,
    CLASSES,
    DEMO_DIR,
    LEADER,
    SEED,
    TEACHERS,
    DemoLearner,
    build_evidence,
    build_learners,
    demo_attributes,
)
from assistant.demo.sim import EvidenceRow
from assistant.demo.teams import COURSES, INTERVENTION_HEADER, REVIEW_TYPE, meeting_rows
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.settings import BUNDLED_KNOWLEDGE

SIBLINGS = {"L050": "L010", "L060": "L015", "L045": "L030", "L061": "L035"}
PARENT_FIRST = (  # noqa: SIM905
    "Ana Ben Carla David Eva Farid Grace Hassan Irene James Karin Luis Marta Nikhil Olga "
    "Pedro Qin Rania Stefan Tamar Umar Vera Wei Ximena Yosef Zainab"
).split()
IDENTIFIER_SHARE = 0.08
OVERRIDES = (
    (
        "L002",
        "M.6.RP.3",
        3,
        "t.okafor",
        "Caught up after the absence: explained equivalent ratios on a double number line "
        "in a conference.",
        "2026-11-16T15:30:00",
    ),
    (
        "L024",
        "M.6.EE.3",
        3,
        "t.mensah",
        "Conference: named every part of 3(x + 4) - 2 and said what each part means.",
        "2026-11-18T10:15:00",
    ),
)


def write_demo(folder: Path = DEMO_DIR, knowledge_dir: Path = BUNDLED_KNOWLEDGE) -> list[Path]:
    """Write classes.csv, roster.csv, evidence.csv, overrides.csv and interventions.csv;
    returns the paths."""
    catalog = FrameworkCatalog.load(knowledge_dir)
    learners = build_learners(random.Random(SEED))
    evidence = build_evidence(catalog, learners)
    return write_files(folder, catalog, learners, evidence, random.Random(SEED + 2))


def write_files(
    folder: Path,
    catalog: FrameworkCatalog,
    learners: Sequence[DemoLearner],
    evidence: Sequence[EvidenceRow],
    rng: random.Random,
) -> list[Path]:
    attributes = demo_attributes(learners)
    folder.mkdir(parents=True, exist_ok=True)
    classes = folder / "classes.csv"
    _write(
        classes,
        ("class_id", "name", "framework", "focus", "course"),
        [[*row, COURSES.get(row[0], "")] for row in CLASSES],
    )
    roster = folder / "roster.csv"
    people: list[list[str]] = [[ADMIN[0], "admin", ADMIN[1], "", "", "", "", "", ""]]
    people.append([LEADER[0], "leader", LEADER[1], "", "", "", "", "", ""])
    people += [[uid, "teacher", name, "", "", taught, "", "", ""] for uid, name, taught in TEACHERS]
    for learner in learners:
        people.append(
            [
                learner.user_id or "",
                "student",
                learner.name,
                learner.learner_id,
                learner.grade,
                ";".join(learner.classes),
                "",
                *attributes[learner.learner_id],
            ]
        )
    people += [[*row, "", ""] for row in _parents(learners, rng)]
    _write(
        roster,
        (
            "user_id",
            "role",
            "name",
            "learner_id",
            "grade",
            "classes",
            "children",
            "english_learner",
            "iep",
        ),
        people,
    )
    evidence_file = folder / "evidence.csv"
    _write(
        evidence_file,
        (
            "learner_id",
            "competency",
            "score",
            "observed_at",
            "max_score",
            "evidence_type",
            "source",
            "note",
        ),
        [_evidence(row, catalog, rng) for row in evidence],
    )
    overrides = folder / "overrides.csv"
    _write(
        overrides,
        ("learner_id", "competency", "level", "decided_by", "reason", "decided_at"),
        [[str(cell) for cell in row] for row in OVERRIDES],
    )
    met = folder / "interventions.csv"
    members = {c[0]: [lr.learner_id for lr in learners if c[0] in lr.classes] for c in CLASSES}
    _write(met, INTERVENTION_HEADER, meeting_rows(evidence, members))
    return [classes, roster, evidence_file, overrides, met]


def _parents(learners: Sequence[DemoLearner], rng: random.Random) -> list[list[str]]:
    rows: list[list[str]] = []
    children: dict[str, list[str]] = {}
    for learner in learners:
        family = SIBLINGS.get(learner.learner_id, learner.learner_id)
        children.setdefault(family, []).append(learner.learner_id)
    by_id = {learner.learner_id: learner for learner in learners}
    for family, kids in children.items():
        surname = by_id[family].name.split()[-1]
        number = family[1:]
        rows.append(
            [
                f"par.{number}",
                "parent",
                f"{rng.choice(PARENT_FIRST)} {surname}",
                "",
                "",
                "",
                ";".join(kids),
            ]
        )
        if int(number) % 6 == 0:
            rows.append(
                [
                    f"par.{number}b",
                    "parent",
                    f"{rng.choice(PARENT_FIRST)} {surname}",
                    "",
                    "",
                    "",
                    ";".join(kids),
                ]
            )
    return rows


def _evidence(row: EvidenceRow, catalog: FrameworkCatalog, rng: random.Random) -> list[str]:
    competency = row.code
    own_draw = row.evidence_type not in ("end-of-year record", REVIEW_TYPE)  # review: no draw
    if own_draw and rng.random() < IDENTIFIER_SHARE:
        entry = catalog.lookup(row.code)
        competency = entry.identifier if entry else row.code
    return [
        row.learner_id,
        competency,
        f"{row.score:g}",
        row.observed_at.isoformat(),
        "" if row.max_score is None else str(row.max_score),
        row.evidence_type,
        row.source,
        row.note,
    ]


def _write(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    write_csv(rows, header, path)
