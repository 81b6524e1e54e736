"""District-scale benchmark: 10,000 learners x 500 competencies against the demo school.

Run: python -m evals.bench_district  (writes evals/reports/district.md and district.json)

A synthetic CASE framework (500 competencies in 10 grades x 5 domains, with a prerequisite DAG)
and a synthetic district (10,000 learners in classes of 25-30, their teachers and parents, and a
term of evidence) are generated with a fixed seed into a temporary WAYPOINT_HOME, loaded through
the real importers, and the operations a teacher or a student runs are timed: next steps for one
learner, the class report for one class, and the mastery estimates computed for the first time
after a change and cached, with the default mastery model and with BKT; then the size of the
SQLite file. The same operations on the bundled demo school (64 learners x 41 competencies) are
the baseline, measured in the same run; the ratios are what to compare. Nothing is asserted.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from assistant.container import Assistant, build_assistant
from assistant.csv_rows import parse_when
from assistant.demo.load import load_demo
from assistant.demo.school import FIRST, LAST
from assistant.learners.access import LOCAL_ADMIN, AccessGrant, Viewer
from assistant.learners.db import Evidence, EvidenceImport, Learner, MasteryEstimateRow
from assistant.settings import Settings
from evals.harness import Timing, machine, table, write_report

REPORT = Path(__file__).parent / "reports" / "district.md"
SEED = 20261123
NAMESPACE = uuid.UUID("6f1f7c1e-2b1d-4c55-9d0e-5a0f1e7d2c11")
TITLE = "Waypoint Synthetic District Mathematics, Grades 1-10"
GRADES = 10
DOMAINS = ("NS", "OA", "GM", "DS", "AR")  # number, operations, geometry, data, algebraic reasoning
PER_CLUSTER = 10  # competencies per grade and domain: 10 x 5 x 10 = 500
LEARNERS = 10_000
CLASS_SIZES = (25, 30)
EVIDENCE_PER_LEARNER = (20, 60)
TERM_START = date(2026, 8, 31)
TERM_END = date(2026, 11, 20)
PRIOR_DAY = date(2026, 6, 5)
IMPORTED_CLASSES = 36  # class files through the real evidence importer; the rest in bulk
REPEATS = 15
WARMUP = 1
LEVELS = (
    (1.0, "Beginning"),
    (2.0, "Developing"),
    (3.0, "Proficient"),
    (4.0, "Advanced"),
)


# the framework ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Spec:
    """A competency of the synthetic framework."""

    code: str
    grade: int
    domain: str
    number: int

    @property
    def identifier(self) -> str:
        return str(uuid.uuid5(NAMESPACE, self.code))


@dataclass
class SyntheticFramework:
    path: Path
    competencies: list[Spec]
    prerequisites: dict[str, list[str]]  # code -> prerequisite codes
    items: int
    associations: int

    def grade(self, grade: int) -> list[Spec]:
        return [c for c in self.competencies if c.grade == grade]

    def pacing(self, grade: int) -> list[str]:
        """A class's order through its grade: the first of every domain, then the second..."""
        ordered = sorted(self.grade(grade), key=lambda c: (c.number, DOMAINS.index(c.domain)))
        return [c.code for c in ordered]

    def prior(self, grade: int) -> list[str]:
        """Last grade's competencies that this grade's competencies build on."""
        wanted = {p for c in self.grade(grade) for p in self.prerequisites.get(c.code, [])}
        return [c.code for c in self.grade(grade - 1) if c.code in wanted]


def _node(identifier: str, title: str) -> dict[str, str]:
    return {"identifier": identifier, "uri": f"urn:uuid:{identifier}", "title": title}


Package = tuple[dict[str, Any], list[Spec], dict[str, list[str]]]


def framework_package(rng: random.Random) -> Package:
    """A CASE 1.0 package: domains, grade clusters, 500 competencies, a prerequisite DAG and a
    four-level rubric criterion per competency."""
    doc_id = str(uuid.uuid5(NAMESPACE, TITLE))
    document = {
        "identifier": doc_id,
        "uri": f"urn:uuid:{doc_id}",
        "title": TITLE,
        "creator": "Waypoint benchmark",
        "description": "A synthetic framework for the district-scale benchmark.",
        "version": "1.0",
        "language": "en",
        "lastChangeDateTime": "2026-11-01T00:00:00+00:00",
    }
    items: list[dict[str, Any]] = []
    associations: list[dict[str, Any]] = []

    def item(code: str, kind: str, statement: str, title: str) -> str:
        identifier = str(uuid.uuid5(NAMESPACE, code))
        items.append(
            {
                "identifier": identifier,
                "uri": f"urn:uuid:{identifier}",
                "humanCodingScheme": code,
                "abbreviatedStatement": title,
                "fullStatement": statement,
                "CFItemType": kind,
                "language": "en",
            }
        )
        return identifier

    def link(kind: str, origin: tuple[str, str], destination: tuple[str, str], n: int) -> None:
        identifier = str(uuid.uuid5(NAMESPACE, f"{kind}:{origin[0]}:{destination[0]}"))
        associations.append(
            {
                "identifier": identifier,
                "uri": f"urn:uuid:{identifier}",
                "associationType": kind,
                "originNodeURI": _node(*origin),
                "destinationNodeURI": _node(*destination),
                "sequenceNumber": n,
            }
        )

    for n, domain in enumerate(DOMAINS, start=1):
        code = f"D.{domain}"
        ident = item(code, "Domain", f"Domain {domain} of the synthetic framework.", domain)
        link("isChildOf", (ident, code), (doc_id, TITLE), n)
    specs: list[Spec] = []
    for grade in range(1, GRADES + 1):
        for domain in DOMAINS:
            cluster = f"D.{grade}.{domain}"
            cluster_id = item(cluster, "Cluster", f"Grade {grade} {domain}.", cluster)
            link(
                "isChildOf",
                (cluster_id, cluster),
                (str(uuid.uuid5(NAMESPACE, f"D.{domain}")), f"D.{domain}"),
                grade,
            )
            for number in range(1, PER_CLUSTER + 1):
                spec = Spec(f"D.{grade}.{domain}.{number}", grade, domain, number)
                item(
                    spec.code,
                    "Competency",
                    f"Grade {grade} {domain} competency {number}: the learner can apply "
                    f"skill {number} of this strand to familiar and new problems.",
                    f"{domain} skill {number}, grade {grade}",
                )
                link("isChildOf", (spec.identifier, spec.code), (cluster_id, cluster), number)
                specs.append(spec)
    prerequisites = prerequisite_dag(specs, rng)
    by_code = {s.code: s for s in specs}
    for target, before in prerequisites.items():
        for n, code in enumerate(before, start=1):
            origin = by_code[code]
            link("precedes", (origin.identifier, code), (by_code[target].identifier, target), n)
    rubric_id = str(uuid.uuid5(NAMESPACE, "rubric"))
    criteria = []
    for position, spec in enumerate(specs, start=1):
        criterion_id = str(uuid.uuid5(NAMESPACE, f"criterion:{spec.code}"))
        criteria.append(
            {
                "identifier": criterion_id,
                "category": spec.code,
                "description": f"Proficiency on {spec.code}.",
                "CFItemURI": _node(spec.identifier, spec.code),
                "position": position,
                "rubricId": rubric_id,
                "CFRubricCriterionLevels": [
                    {
                        "identifier": str(uuid.uuid5(NAMESPACE, f"level:{spec.code}:{score}")),
                        "quality": label,
                        "score": score,
                        "position": int(score),
                        "description": f"{label} on {spec.code}.",
                        "feedback": f"Next time on {spec.code}, show each step.",
                        "rubricCriterionId": criterion_id,
                    }
                    for score, label in LEVELS
                ],
            }
        )
    package = {
        "CFDocument": document,
        "CFItems": items,
        "CFAssociations": associations,
        "CFRubrics": [{"identifier": rubric_id, "title": "Scale", "CFRubricCriteria": criteria}],
    }
    return package, specs, prerequisites


def prerequisite_dag(specs: Sequence[Spec], rng: random.Random) -> dict[str, list[str]]:
    """Each competency builds on the previous one of its strand (or last grade's end of it), on
    another strand's work of the same or last grade now and then: all links point backwards in
    (grade, number), so the graph is acyclic."""
    by_key = {(s.grade, s.domain, s.number): s.code for s in specs}
    found: dict[str, list[str]] = {}
    for spec in specs:
        before: list[str] = []
        if spec.number > 1 and rng.random() < 0.85:
            before.append(by_key[(spec.grade, spec.domain, spec.number - 1)])
        elif spec.number == 1 and spec.grade > 1:
            before.append(by_key[(spec.grade - 1, spec.domain, PER_CLUSTER)])
        if spec.number > 2 and rng.random() < 0.3:
            other = rng.choice([d for d in DOMAINS if d != spec.domain])
            before.append(by_key[(spec.grade, other, rng.randint(1, spec.number - 1))])
        if spec.grade > 1 and spec.number > 1 and rng.random() < 0.12:
            other = rng.choice(DOMAINS)
            before.append(by_key[(spec.grade - 1, other, rng.randint(6, PER_CLUSTER))])
        if before:
            found[spec.code] = list(dict.fromkeys(before))
    return found


def write_framework(folder: Path, rng: random.Random) -> SyntheticFramework:
    package, specs, prerequisites = framework_package(rng)
    path = folder / "frameworks" / "district.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(package), encoding="utf-8")
    return SyntheticFramework(
        path,
        specs,
        prerequisites,
        len(package["CFItems"]),
        len(package["CFAssociations"]),
    )


# the district -------------------------------------------------------------------------------
@dataclass
class District:
    classes: list[tuple[str, int, str]] = field(default_factory=list)  # id, grade, focus code
    teachers: dict[str, list[str]] = field(default_factory=dict)  # user id -> classes
    learners: list[tuple[str, str, int, str, str | None]] = field(default_factory=list)
    parents: dict[str, list[str]] = field(default_factory=dict)  # user id -> children
    evidence: dict[str, list[list[str]]] = field(default_factory=dict)  # class id -> CSV rows

    @property
    def evidence_rows(self) -> int:
        return sum(len(rows) for rows in self.evidence.values())

    def members(self, class_id: str) -> list[str]:
        return [lr[0] for lr in self.learners if lr[3] == class_id]


def build_district(framework: SyntheticFramework, rng: random.Random) -> District:
    district = District()
    per_grade = LEARNERS // GRADES
    number = 0
    for grade in range(1, GRADES + 1):
        pacing = framework.pacing(grade)
        sizes: list[int] = []
        while sum(sizes) < per_grade:
            sizes.append(rng.randint(*CLASS_SIZES))
        sizes[-1] -= sum(sizes) - per_grade
        if sizes[-1] < CLASS_SIZES[0]:
            extra = sizes.pop()
            for i in range(extra):
                sizes[i % len(sizes)] += 1
        for section, size in enumerate(sizes, start=1):
            class_id = f"G{grade:02d}-{section:02d}"
            district.classes.append((class_id, grade, rng.choice(pacing[10:25])))
            for _ in range(size):
                number += 1
                learner_id = f"D{number:05d}"
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                user = None if rng.random() < 0.03 else f"stu.{learner_id}"
                district.learners.append((learner_id, name, grade, class_id, user))
    grade_classes: dict[int, list[str]] = {}
    for class_id, grade, _ in district.classes:
        grade_classes.setdefault(grade, []).append(class_id)
    teacher = 0
    for grade in sorted(grade_classes):
        sections = grade_classes[grade]
        for start in range(0, len(sections), 2):
            teacher += 1
            district.teachers[f"t.{teacher:04d}"] = sections[start : start + 2]
    coteachers = rng.sample([c for c, _, _ in district.classes], len(district.classes) // 10)
    for n, class_id in enumerate(sorted(coteachers), start=1):
        district.teachers[f"t.co{n:03d}"] = [class_id]
    family = 0
    previous: list[str] = []
    for learner_id, *_ in district.learners:
        if previous and rng.random() < 0.08:  # a sibling in another grade: same parents
            for parent in previous:
                district.parents[parent].append(learner_id)
            continue
        family += 1
        previous = [f"par.{family:05d}a"] + ([f"par.{family:05d}b"] if rng.random() < 0.4 else [])
        for parent in previous:
            district.parents[parent] = [learner_id]
    district.evidence = simulate_evidence(framework, district, rng)
    return district


def term_days() -> list[date]:
    days = []
    day = TERM_START
    while day <= TERM_END:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def simulate_evidence(
    framework: SyntheticFramework, district: District, rng: random.Random
) -> dict[str, list[list[str]]]:
    """Per class, CSV rows: last year's record of what the grade builds on, then a term of
    exit tickets, quizzes (marked out of 10) and tasks on the class's pacing."""
    days = term_days()
    rows: dict[str, list[list[str]]] = {c: [] for c, _, _ in district.classes}
    pacing = {g: framework.pacing(g) for g in range(1, GRADES + 1)}
    prior = {g: framework.prior(g) if g > 1 else [] for g in range(1, GRADES + 1)}
    for learner_id, _, grade, class_id, _ in district.learners:
        out = rows[class_id]
        record = f"Grade {grade - 1} record 2025-26"
        for code in prior[grade]:
            mark = rng.choices(("3", "4", "2"), (0.7, 0.15, 0.15))[0]
            out.append([learner_id, code, mark, PRIOR_DAY.isoformat(), "", "record", record, ""])
        total = rng.randint(*EVIDENCE_PER_LEARNER)
        count = max(8, total - len(prior[grade]))
        rate = rng.choice((0.15, 0.3, 0.3, 0.45))
        stuck = rng.randrange(len(pacing[grade]) // 3) if rng.random() < 0.06 else -1
        position, attempts, streak = 0, 0, 0
        done: list[str] = []
        for piece in range(count):
            day = days[min(len(days) - 1, piece * len(days) // count + rng.randint(0, 1))]
            moment = datetime.combine(day, datetime.min.time()) + timedelta(minutes=480 + piece)
            if done and rng.random() < 0.12:
                code = rng.choice(done)
                level = rng.choice((3.0, 3.0, 4.0, 2.0))
            else:
                code = pacing[grade][min(position, len(pacing[grade]) - 1)]
                chance = 0.1 if position == stuck else min(0.95, 0.3 + rate * attempts)
                hit = rng.random() < chance
                level = (4.0 if rng.random() < 0.2 else 3.0) if hit else rng.choice((1.0, 2.0, 2.0))
                attempts += 1
                streak = streak + 1 if hit else 0
                if streak >= 2 or (hit and attempts >= 4):
                    done.append(code)
                    position, attempts, streak = position + 1, 0, 0
            kind = rng.choices(("exit ticket", "quiz", "task"), (0.5, 0.3, 0.2))[0]
            if kind == "quiz":
                raw = max(0, min(10, round((level - 1) / 3 * 10 + rng.uniform(-1, 1))))
                score, max_score = str(raw), "10"
            else:
                score, max_score = f"{level:g}", ""
            out.append(
                [
                    learner_id,
                    code,
                    score,
                    moment.isoformat(timespec="minutes"),
                    max_score,
                    kind,
                    class_id,
                    "",
                ]
            )
    return rows


EVIDENCE_HEADER = [
    "learner_id",
    "competency",
    "score",
    "observed_at",
    "max_score",
    "evidence_type",
    "source",
    "note",
]


def csv_text(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_roster(folder: Path, district: District) -> list[Path]:
    classes = [
        [class_id, f"Grade {grade} Mathematics, Section {class_id[-2:]}", TITLE, focus]
        for class_id, grade, focus in district.classes
    ]
    people: list[list[object]] = [["admin.district", "admin", "District Admin", "", "", "", ""]]
    for teacher, sections in district.teachers.items():
        people.append(
            [teacher, "teacher", f"Teacher {teacher[2:]}", "", "", ";".join(sections), ""]
        )
    for learner_id, name, grade, class_id, user in district.learners:
        people.append([user or "", "student", name, learner_id, str(grade), class_id, ""])
    for parent, children in district.parents.items():
        people.append([parent, "parent", f"Parent {parent[4:]}", "", "", "", ";".join(children)])
    paths = [folder / "classes.csv", folder / "roster.csv"]
    paths[0].write_text(csv_text(["class_id", "name", "framework", "focus"], classes))
    paths[1].write_text(
        csv_text(["user_id", "role", "name", "learner_id", "grade", "classes", "children"], people)
    )
    return paths


# loading ------------------------------------------------------------------------------------
@dataclass
class School:
    """A loaded school, who to measure as, and what loading it took."""

    name: str
    assistant: Assistant
    home: Path
    learners: int
    scope: int  # competencies in the measured learner's frameworks
    evidence: int
    teacher: Viewer
    student: Viewer
    learner_id: str
    class_id: str
    other: tuple[str, str]  # a learner of another class and a competency they work on
    load: dict[str, float]

    @property
    def database(self) -> Path:
        return self.home / "waypoint.sqlite3"

    def settings(self, **changes: Any) -> Settings:
        return self.assistant.settings.updated(**changes)


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def scope_size(assistant: Assistant, viewer: Viewer, learner_id: str) -> int:
    report = assistant.recommender.for_learner(viewer, learner_id)
    titles = set(report.frameworks)
    ids = [fw.identifier for fw in assistant.catalog.frameworks if fw.title in titles]
    return len(assistant.catalog.assessable(ids))


def load_demo_school(home: Path) -> School:
    assistant = build_assistant(Settings(home=home, profile="test"))
    catalog_s, _ = timed(lambda: assistant.catalog)
    seconds, report = timed(
        lambda: load_demo(
            assistant.roster_importer, assistant.evidence_importer, assistant.overrides, LOCAL_ADMIN
        )
    )
    teacher = assistant.access.viewer("t.okafor")
    rows = report.evidence.added
    return School(
        name="demo school",
        assistant=assistant,
        home=home,
        learners=report.roster.learners,
        scope=scope_size(assistant, teacher, "L001"),
        evidence=rows,
        teacher=teacher,
        student=assistant.access.viewer("stu.L001"),
        learner_id="L001",
        class_id="6A",
        other=("L030", "M.6.EE.1"),
        load={
            "catalog_s": catalog_s,
            "demo_load_s": seconds,
        },
    )


def load_district(home: Path) -> tuple[School, SyntheticFramework, District]:
    rng = random.Random(SEED)
    knowledge = home / "knowledge"
    framework = write_framework(knowledge, rng)
    district = build_district(framework, rng)
    print(
        f"generated {len(district.learners):,} learners, {district.evidence_rows:,} evidence rows",
        flush=True,
    )
    assistant = build_assistant(Settings(home=home, profile="test", knowledge_dir=knowledge))
    catalog_s, _ = timed(lambda: assistant.catalog)
    roster_s, roster = timed(
        lambda: assistant.roster_importer.import_files(write_roster(home, district), LOCAL_ADMIN)
    )
    print(f"roster imported in {roster_s:.1f} s", flush=True)
    teacher_of = {c: t for t, sections in district.teachers.items() for c in reversed(sections)}
    order = [c for c, _, _ in district.classes]
    step = max(1, len(order) // IMPORTED_CLASSES)
    imported = order[step // 2 :: step][:IMPORTED_CLASSES]  # spread over the grades
    early, late = imported[: len(imported) // 2], imported[len(imported) // 2 :]

    def through_importer(classes: Sequence[str]) -> tuple[int, float]:
        """Each teacher imports their class's gradebook with the real evidence importer."""
        rows, seconds = 0, 0.0
        for class_id in classes:
            path = home / "evidence" / f"{class_id}.csv"
            path.parent.mkdir(exist_ok=True)
            path.write_text(csv_text(EVIDENCE_HEADER, district.evidence[class_id]))
            viewer = assistant.access.viewer(teacher_of[class_id])
            started = time.perf_counter()
            report = assistant.evidence_importer.import_file(path, viewer, allow_future=True)
            seconds += time.perf_counter() - started
            rows += report.added
        return rows, seconds

    first = through_importer(early)
    bulk_rows, bulk_s = 0, 0.0
    for class_id in order:
        if class_id not in imported:
            viewer = assistant.access.viewer(teacher_of[class_id])
            started = time.perf_counter()
            bulk_rows += bulk_insert(assistant, class_id, viewer, district)
            bulk_s += time.perf_counter() - started
    last = through_importer(late)
    print(f"evidence loaded ({bulk_rows:,} rows in bulk in {bulk_s:.1f} s)", flush=True)
    class_id = next(c for c, grade, _ in district.classes if grade == 6)
    learner_id, *_, user = next(lr for lr in district.learners if lr[3] == class_id and lr[4])
    other = next(lr for lr in district.learners if lr[2] == 3)
    assert user is not None
    teacher = assistant.access.viewer(teacher_of[class_id])
    school = School(
        name="district",
        assistant=assistant,
        home=home,
        learners=roster.learners,
        scope=scope_size(assistant, teacher, learner_id),
        evidence=district.evidence_rows,
        teacher=teacher,
        student=assistant.access.viewer(user),
        learner_id=learner_id,
        class_id=class_id,
        other=(other[0], framework.pacing(3)[0]),
        load={
            "catalog_s": catalog_s,
            "roster_s": roster_s,
            "roster_people": roster.people,
            "import_files": len(imported),
            "import_rows": first[0] + last[0],
            "import_s": first[1] + last[1],
            "import_rows_per_s": (first[0] + last[0]) / (first[1] + last[1]),
            "import_empty_rows_per_s": first[0] / first[1],
            "import_full_rows_per_s": last[0] / last[1],
            "bulk_files": len(order) - len(imported),
            "bulk_rows": bulk_rows,
            "bulk_s": bulk_s,
        },
    )
    return school, framework, district


def bulk_insert(assistant: Assistant, class_id: str, viewer: Viewer, district: District) -> int:
    """What the evidence importer writes for a new, valid class file (the evidence, the import
    record and one audit row per learner), with one executemany instead of the ORM."""
    catalog = assistant.catalog
    rows = district.evidence[class_id]
    values: list[dict[str, Any]] = []
    for learner_id, code, score, observed, max_score, kind, source, note in rows:
        entry = catalog.lookup(code)
        assert entry is not None and catalog.is_assessable(entry.identifier)
        top = float(max_score) if max_score else None
        level = catalog.scale(entry.identifier).from_raw(float(score), top)
        values.append(
            {
                "learner_id": learner_id,
                "competency_id": entry.identifier,
                "competency_code": entry.code,
                "score": float(score),
                "max_score": top,
                "level": round(level, 6),
                "observed_at": parse_when(observed),
                "evidence_type": kind,
                "source": source,
                "note": note,
            }
        )
    name = f"{class_id}.csv"
    text = csv_text(EVIDENCE_HEADER, rows).encode()
    with assistant.learner_db.session() as session:
        record = EvidenceImport(
            file_name=name,
            sha256=hashlib.sha256(text).hexdigest(),
            rows=len(rows),
            added=len(rows),
            imported_by=viewer.user_id,
            imported_at=datetime.now(),
        )
        session.add(record)
        session.flush()
        for value in values:
            value["import_id"] = record.id
        session.execute(insert(Evidence), values)
        learners = {v["learner_id"] for v in values}
        assistant.access.audit.record(
            viewer, "change", learners, f"evidence import {name}", session=session
        )
    return len(values)


# measuring ----------------------------------------------------------------------------------
def measure(action: Callable[[], object], prepare: Callable[[], object] | None = None) -> Timing:
    """Warm-up, then repeats; `prepare` runs untimed before each run (the warm-up's too)."""
    runs = []
    for repeat in range(WARMUP + REPEATS):
        if prepare is not None:
            prepare()
        started = time.perf_counter()
        action()
        if repeat >= WARMUP:
            runs.append(time.perf_counter() - started)
    return Timing(tuple(runs))


def stale(assistant: Assistant, grant: AccessGrant) -> Callable[[], None]:
    """Marks these learners' cached estimates as from an older generation: what any new piece
    of evidence or override does to every cached estimate."""

    def run() -> None:
        with assistant.learner_db.session() as session:
            session.execute(
                update(MasteryEstimateRow)
                .where(MasteryEstimateRow.learner_id.in_(sorted(grant.learner_ids)))
                .values(generation="stale")
            )

    return run


Operation = tuple[Callable[[], object], Callable[[], object] | None]  # action, untimed prepare


def operations(school: School) -> dict[str, Operation]:
    a = school.assistant
    teacher, student = school.teacher, school.student
    learner, klass = school.learner_id, school.class_id
    one = a.access.grant(teacher, [learner])
    whole = a.access.grant_visible(teacher, a.learner_store.class_info(klass).learner_ids)

    def next_steps() -> object:
        return a.recommender.for_learner(teacher, learner)

    def class_report() -> object:
        return a.class_reports.for_class(teacher, klass)

    return {
        "next steps, as the teacher": (next_steps, None),
        "next steps, as the student": (lambda: a.recommender.for_learner(student, learner), None),
        "next steps, first after a change": (next_steps, stale(a, one)),
        "class report, as its teacher": (class_report, None),
        "class report, first after a change": (class_report, stale(a, whole)),
        "estimates, one learner, first": (lambda: a.mastery.estimates(one), stale(a, one)),
        "estimates, one learner, cached": (lambda: a.mastery.estimates(one), None),
        "estimates, one class, first": (lambda: a.mastery.estimates(whole), stale(a, whole)),
        "estimates, one class, cached": (lambda: a.mastery.estimates(whole), None),
    }


def compare(demo: School, district: School) -> tuple[dict[str, Timing], dict[str, Timing]]:
    """Each operation on the demo school and then on the district, in turn, so that a change
    in the (shared) machine's load falls on both alike."""
    ours, theirs = operations(demo), operations(district)
    small: dict[str, Timing] = {}
    large: dict[str, Timing] = {}
    for name in ours:
        small[name] = measure(*ours[name])
        large[name] = measure(*theirs[name])
    return small, large


def everyone(school: School) -> float:
    """Seconds to compute (and cache) every learner's estimates at once."""
    a = school.assistant
    with a.learner_db.session() as session:
        ids = list(session.scalars(select(Learner.id)))
    grant = a.access.grant(LOCAL_ADMIN, ids)
    seconds, _ = timed(lambda: a.mastery.estimates(grant))
    return seconds


def bkt(school: School) -> dict[str, Any]:
    """BKT: the first request fits parameters to everyone's evidence; after a new piece of
    evidence (another class, another competency) only that competency is fitted again."""
    a = build_assistant(school.settings(mastery_model="bkt"))
    teacher, learner = school.teacher, school.learner_id
    full_s, _ = timed(lambda: a.recommender.for_learner(teacher, learner))
    other, competency = school.other
    pieces = iter(range(WARMUP + REPEATS))
    path = school.home / "one-more.csv"

    def one_more() -> None:
        minute = next(pieces)
        path.write_text(
            "learner_id,competency,score,observed_at,evidence_type\n"
            f"{other},{competency},3,2026-11-21T09:{minute:02d},exit ticket\n"
        )
        a.evidence_importer.import_file(path, LOCAL_ADMIN, allow_future=True)

    after = measure(lambda: a.recommender.for_learner(teacher, learner), one_more)
    cached = measure(lambda: a.recommender.for_learner(teacher, learner))
    saved = a.learner_store.bkt_fit()
    a.learner_db.dispose()
    return {
        "full_fit_s": full_s,
        "after_change": after,
        "cached": cached,
        "fitted_competencies": len(saved.params) if saved else 0,
    }


def table_sizes(database: Path) -> list[tuple[str, int]]:
    """Bytes per table and index (SQLite's dbstat), largest first; empty if not compiled in."""
    try:
        with sqlite3.connect(database) as connection:
            rows = connection.execute(
                "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
            ).fetchall()
    except sqlite3.Error:
        return []
    return [(str(name), int(size)) for name, size in rows]


def database_bytes(database: Path) -> int:
    """The file's size after a checkpoint has moved the write-ahead log into it (plus whatever
    log is left, if a reader kept it from being truncated)."""
    with closing(sqlite3.connect(database)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    log = database.with_name(database.name + "-wal")
    return database.stat().st_size + (log.stat().st_size if log.exists() else 0)


def database_figures(school: School) -> dict[str, Any]:
    size = database_bytes(school.database)
    return {
        "bytes": size,
        "mb": size / 1e6,
        "bytes_per_learner": size / school.learners,
        "bytes_per_evidence_row": size / school.evidence,
    }


def measure_school(school: School) -> dict[str, Any]:
    """After the latencies: every learner's estimates at once, the database, and BKT."""
    everyone_s = everyone(school)
    cached = database_figures(school)
    tables = table_sizes(school.database)
    print(f"measuring BKT on the {school.name}", flush=True)
    return {
        "everyone_s": everyone_s,
        "db_cached": cached,
        "tables": tables,
        "bkt": bkt(school),
    }


def evidence_spread(district: District) -> tuple[int, float, int]:
    counts: dict[str, int] = {}
    for rows in district.evidence.values():
        for row in rows:
            counts[row[0]] = counts.get(row[0], 0) + 1
    values = list(counts.values())
    return min(values), statistics.median(values), max(values)


def measure_all() -> dict[str, Any]:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        demo = load_demo_school(Path(tmp) / "demo")
        district, framework, generated = load_district(Path(tmp) / "district")
        loaded = (database_figures(demo), database_figures(district))
        print("measuring latencies", flush=True)
        small, large = compare(demo, district)
        figures: dict[str, Any] = {
            "machine": machine(),
            "demo": {"school": demo, "ops": small, "db_loaded": loaded[0]},
            "district": {"school": district, "ops": large, "db_loaded": loaded[1]},
            "framework": {
                "items": framework.items,
                "associations": framework.associations,
                "competencies": len(framework.competencies),
                "prerequisite_links": sum(len(v) for v in framework.prerequisites.values()),
            },
            "generated": {
                "classes": len(generated.classes),
                "teachers": len(generated.teachers),
                "parents": len(generated.parents),
                "evidence_per_learner": evidence_spread(generated),
            },
        }
        for key, school in (("demo", demo), ("district", district)):
            figures[key].update(measure_school(school))
            school.assistant.learner_db.dispose()
    figures["seconds"] = time.perf_counter() - started
    return figures


# the report ---------------------------------------------------------------------------------
def ms(timing: Timing) -> dict[str, float]:
    return {
        "min": round(timing.minimum * 1000, 2),
        "median": round(timing.median * 1000, 2),
        "max": round(timing.maximum * 1000, 2),
    }


def cells(timing: Timing) -> str:
    return f"{timing.minimum * 1000:.1f} / {timing.median * 1000:.1f} / {timing.maximum * 1000:.1f}"


def ratio(f: dict[str, Any], name: str, of: str = "median") -> float:
    """District over demo, of the medians (or of the minima: less disturbed by other load)."""
    large, small = f["district"]["ops"][name], f["demo"]["ops"][name]
    if of == "min":
        return round(float(large.minimum / small.minimum), 2)
    return round(float(large.median / small.median), 2)


def headline(f: dict[str, Any]) -> dict[str, float]:
    d, b = f["district"], f["demo"]
    ops = d["ops"]
    return {
        "next_steps_teacher_ms": round(ops["next steps, as the teacher"].median * 1000, 1),
        "next_steps_student_ms": round(ops["next steps, as the student"].median * 1000, 1),
        "class_report_ms": round(ops["class report, as its teacher"].median * 1000, 1),
        "class_report_first_ms": round(ops["class report, first after a change"].median * 1000, 1),
        "next steps district/demo": ratio(f, "next steps, as the teacher"),
        "next steps district/demo (minima)": ratio(f, "next steps, as the teacher", "min"),
        "class report district/demo": ratio(f, "class report, as its teacher"),
        "class report district/demo (minima)": ratio(f, "class report, as its teacher", "min"),
        "estimates first/cached (class)": round(
            ops["estimates, one class, first"].median / ops["estimates, one class, cached"].median,
            1,
        ),
        "db_mb": round(d["db_cached"]["mb"], 1),
        "db_bytes_per_learner": round(d["db_cached"]["bytes_per_learner"]),
        "bytes/learner district/demo": round(
            d["db_cached"]["bytes_per_learner"] / b["db_cached"]["bytes_per_learner"], 2
        ),
        "bkt_full_fit_s": round(d["bkt"]["full_fit_s"], 1),
        "bkt_after_change_ms": round(d["bkt"]["after_change"].median * 1000, 1),
        "import_rows_per_s": round(d["school"].load["import_rows_per_s"]),
        "run_s": round(f["seconds"], 1),
    }


def as_json(f: dict[str, Any]) -> dict[str, Any]:
    def school(name: str) -> dict[str, Any]:
        part = f[name]
        s: School = part["school"]
        return {
            "learners": s.learners,
            "competencies_in_scope": s.scope,
            "evidence_rows": s.evidence,
            "measured": {"learner": s.learner_id, "class": s.class_id},
            "load": {k: round(v, 2) for k, v in s.load.items()},
            "ops_ms": {k: ms(v) for k, v in part["ops"].items()},
            "everyone_estimates_s": round(part["everyone_s"], 2),
            "database_loaded": {k: round(v, 1) for k, v in part["db_loaded"].items()},
            "database_cached": {k: round(v, 1) for k, v in part["db_cached"].items()},
            "largest_tables_bytes": dict(part["tables"][:8]),
            "bkt": {
                "full_fit_s": round(part["bkt"]["full_fit_s"], 2),
                "after_change_ms": ms(part["bkt"]["after_change"]),
                "cached_ms": ms(part["bkt"]["cached"]),
                "fitted_competencies": part["bkt"]["fitted_competencies"],
            },
        }

    ops = list(f["district"]["ops"])
    return {
        "machine": f["machine"],
        "seed": SEED,
        "repeats": REPEATS,
        "warmup": WARMUP,
        "framework": f["framework"],
        "generated": f["generated"],
        "demo": school("demo"),
        "district": school("district"),
        "ratios_district_over_demo": {name: ratio(f, name) for name in ops},
        "ratios_of_minima": {name: ratio(f, name, "min") for name in ops},
        "seconds": round(f["seconds"], 1),
        "headline": headline(f),
    }


def render(f: dict[str, Any]) -> str:
    d, b = f["district"], f["demo"]
    ds, bs = d["school"], b["school"]
    fw, gen = f["framework"], f["generated"]
    low, mid, high = gen["evidence_per_learner"]
    rows = [
        [
            name,
            cells(b["ops"][name]),
            cells(d["ops"][name]),
            f"{ratio(f, name):.2f}",
            f"{ratio(f, name, 'min'):.2f}",
        ]
        for name in d["ops"]
    ]
    everyone_ratio = f"{d['everyone_s'] / b['everyone_s']:.0f}"
    rows.append(
        [
            "estimates for every learner at once, first (1 run, s)",
            f"{b['everyone_s']:.2f}",
            f"{d['everyone_s']:.2f}",
            everyone_ratio,
            everyone_ratio,
        ]
    )
    latency = table(
        ["operation (ms: min / median / max)", "demo", "district", "ratio", "ratio of minima"],
        rows,
    )
    bkt_rows = [
        [
            "first request, no saved fit: fits every competency (1 run, s)",
            f"{b['bkt']['full_fit_s']:.2f}",
            f"{d['bkt']['full_fit_s']:.2f}",
            f"{d['bkt']['full_fit_s'] / b['bkt']['full_fit_s']:.0f}",
        ],
        [
            "first request after one new piece of evidence elsewhere (ms)",
            cells(b["bkt"]["after_change"]),
            cells(d["bkt"]["after_change"]),
            f"{d['bkt']['after_change'].median / b['bkt']['after_change'].median:.2f}",
        ],
        [
            "cached (ms)",
            cells(b["bkt"]["cached"]),
            cells(d["bkt"]["cached"]),
            f"{d['bkt']['cached'].median / b['bkt']['cached'].median:.2f}",
        ],
    ]
    bkt_table = table(["next steps with BKT", "demo", "district", "ratio"], bkt_rows)
    size_rows = []
    for label, key in (
        ("as loaded", "db_loaded"),
        ("every learner's estimates cached", "db_cached"),
    ):
        size_rows.append(
            [
                label,
                f"{b[key]['mb']:.2f}",
                f"{d[key]['mb']:.1f}",
                f"{d[key]['mb'] / b[key]['mb']:.0f}",
                f"{b[key]['bytes_per_learner']:,.0f}",
                f"{d[key]['bytes_per_learner']:,.0f}",
                f"{d[key]['bytes_per_learner'] / b[key]['bytes_per_learner']:.2f}",
            ]
        )
    sizes = table(
        [
            "SQLite file",
            "demo MB",
            "district MB",
            "ratio",
            "demo B/learner",
            "district B/learner",
            "ratio",
        ],
        size_rows,
    )
    total = sum(size for _, size in d["tables"]) or 1
    largest = table(
        ["table or index", "MB", "share"],
        [
            [f"`{name}`", f"{size / 1e6:.1f}", f"{size / total:.0%}"]
            for name, size in d["tables"][:8]
        ],
    )
    load = ds.load
    by_name = dict(d["tables"])
    spare = by_name.get("ix_evidence_learner_id", 0) + by_name.get("ix_evidence_competency_id", 0)
    lines = [
        "# District-scale benchmark",
        "",
        f"Machine: {f['machine']}. Every figure is from one run ({f['seconds']:.0f} s in all) in "
        "a temporary WAYPOINT_HOME; compare the ratios, not absolute numbers across machines. "
        f"Timings are min / median / max of {REPEATS} runs after {WARMUP} warm-up run. Nothing "
        "here is asserted.",
        "",
        "## What was measured",
        "",
        f"- **District** (generated with seed {SEED}): a CASE framework of {fw['competencies']} "
        f"competencies (10 grades x 5 strands x 10, {fw['items']} items, "
        f"{fw['prerequisite_links']} prerequisite links forming a DAG, a four-level rubric per "
        f"competency), written as CASE JSON and loaded by the real importer and "
        f"`FrameworkCatalog` ({load['catalog_s']:.2f} s). {ds.learners:,} learners in "
        f"{gen['classes']} classes of {CLASS_SIZES[0]}-{CLASS_SIZES[1]}, {gen['teachers']} "
        f"teachers (most teach two sections, a tenth of classes have a co-teacher), "
        f"{gen['parents']:,} parents; roster imported by `waypoint import-roster`'s importer "
        f"({load['roster_people']:,} people in {load['roster_s']:.1f} s). {ds.evidence:,} pieces "
        f"of evidence ({low} / {mid:.0f} / {high} per learner: last year's record of what the "
        "grade builds on, then a term of exit tickets, quizzes marked out of 10 and tasks), "
        "in one file per class. "
        f"{load['import_files']} class files ({load['import_rows']:,} rows, spread over the "
        "grades) were imported by their class's teacher through the real evidence importer, "
        f"half into the empty database ({load['import_empty_rows_per_s']:,.0f} rows/s) and half "
        f"into the full one ({load['import_full_rows_per_s']:,.0f} rows/s). At that rate the "
        f"other {load['bulk_files']} files would take "
        f"{load['bulk_rows'] / load['import_rows_per_s']:.0f} s, too much of this benchmark's "
        f"budget, so their {load['bulk_rows']:,} rows were written in bulk "
        f"({load['bulk_s']:.1f} s) into the same tables, with the same values, import records "
        "and audit rows the importer writes.",
        f"- **Demo school** (baseline): `load_demo` (roster, {bs.evidence:,} pieces of evidence "
        f"and two overrides) in {bs.load['demo_load_s']:.2f} s; {bs.learners} learners.",
        f"- Measured as a teacher (`{ds.teacher.user_id}`, class `{ds.class_id}`) and the student "
        f"`{ds.student.user_id}` in the district ({ds.scope} competencies in the learner's "
        f"framework), and `t.okafor`, class `6A`, `stu.L001` in the demo ({bs.scope} "
        "competencies): the services the CLI and the chat call (`NextStepsService.for_learner`, "
        "`ClassReportService.for_class`, `MasteryService.estimates`), access checks, audit "
        "rows and database reads included. No embedding model is loaded.",
        "",
        "## Latency (default mastery model: the proficiency-scale rule)",
        "",
        latency,
        "",
        '"First after a change": before each run the cached estimates of the learner (or the '
        "class) are marked as of an older generation, which is what any new piece of evidence "
        "or override anywhere does to every cached estimate; the run recomputes them from the "
        'evidence and saves them. "Estimates for every learner at once" is one admin request '
        "over everyone (it fills the cache for the size figures below).",
        "",
        "## Mastery with Bayesian Knowledge Tracing (`WAYPOINT_MASTERY_MODEL=bkt`)",
        "",
        bkt_table,
        "",
        "BKT parameters are fitted per competency to every learner's evidence (EM, "
        "`assistant/learners/bkt.py`), so the first request without a saved fit reads the whole "
        "district's evidence and fits all "
        f"{d['bkt']['fitted_competencies']} competencies that have evidence. "
        'Before each "after new evidence" run '
        "one exit ticket for a learner of another class is imported; the request then fits only "
        "that competency again and keeps the saved parameters of the others (the same numbers "
        "a full fit gives; see What was fixed).",
        "",
        "## Database size",
        "",
        sizes,
        "",
        "Sizes are of the database file after a checkpoint of its write-ahead log. Largest "
        "tables and indexes of the district database (every estimate cached):",
        "",
        largest,
        "",
        "## What was fixed",
        "",
        "- **BKT refitted the whole district after every change.** Any new piece of evidence or "
        "override changed the generation, and the next request (any learner's next steps) read "
        "every learner's evidence and fitted all competencies again: the full-fit figure above, "
        "on every change. Now `MasteryService` keeps the saved parameters of competencies whose "
        "evidence did not change (found from the evidence ids added since the saved fit; "
        "forgetting a learner still deletes the saved fit) and fits only the others, reading "
        "only their evidence. Learners are put in id order before fitting, so an incremental "
        "fit gives exactly the parameters of a full fit. An override alone no longer refits "
        "anything; a past `--as-of` date fits again only the competencies with evidence after that "
        "day or since the saved fit.",
        "- **Cached estimates were loaded as ORM objects** (hundreds per class report) and "
        "saved through the unit of work; they are now read as plain rows and written with one "
        "executemany.",
        "",
        "## Found, not changed here",
        "",
        "- `ix_evidence_learner_id` repeats the first column of the evidence identity index "
        "(`uq_evidence_identity`: learner, competency, time, type, source), which SQLite uses for "
        "the same lookups, and no query filters evidence by competency alone, so "
        f"`ix_evidence_competency_id` serves nothing: together {spare / 1e6:.1f} MB "
        f"({spare / d['db_cached']['bytes']:.0%} of the file). Dropping both needs a migration "
        "and a change to the models in `assistant/learners/db.py`.",
        "- Most of the import time is SQLAlchemy's ORM unit of work: the roster importer merges "
        "and flushes one person at a time, the evidence importer builds one ORM object per row. "
        "Bulk inserts (as the estimate cache now uses) would be several times faster: this "
        f"benchmark's bulk path wrote {load['bulk_rows'] / load['bulk_s']:,.0f} rows/s against "
        f"the importer's {load['import_rows_per_s']:,.0f} (it skips parsing and checks).",
        "",
        "## Notes",
        "",
        "- Every next steps or class report writes audit rows (one per learner viewed) in a "
        "commit of its own, so even the cached figures include a write.",
        "- The machine is shared (2 cores), so single runs can be slow; the medians and the "
        "ratios are the figures to read.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    figures = measure_all()
    write_report(REPORT, render(figures), as_json(figures))


if __name__ == "__main__":
    main()
