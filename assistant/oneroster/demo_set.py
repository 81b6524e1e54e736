"""The demo school as a OneRoster 1.2 CSV set: knowledge/demo/oneroster/ (with course-map.csv).

Generated from the demo school's files (knowledge/demo/*.csv), the way a student information
system and a gradebook would export it: a district and a school, two school years with a
semester each, three courses, the four classes, every person with a primary role, the
enrollments, a category per kind of evidence, a line item per class, source, kind, day and
competency (linked to its CASE item) and a result per piece of evidence. Importing it with
the course map gives the same school as `waypoint demo` (without the class focus and the
teacher overrides, which OneRoster has no place for).

Run `python -m assistant.oneroster.demo_set` to rewrite the files; a test checks they match.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from pathlib import Path

from assistant.csv_safety import csv_text
from assistant.demo.school import DEMO_DIR
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.oneroster.writer import ceds_grade, set_files, split_name, write_files
from assistant.settings import BUNDLED_KNOWLEDGE

OUT = DEMO_DIR / "oneroster"
DISTRICT, SCHOOL = "waypoint-district", "waypoint-ms"
SESSIONS = (  # sourcedId, title, type, start, end, parent, school year
    ("2025-26", "2025-26", "schoolYear", "2025-08-01", "2026-07-31", "", "2026"),
    ("2025-26-S2", "Spring 2026", "semester", "2026-01-05", "2026-07-31", "2025-26", "2026"),
    ("2026-27", "2026-27", "schoolYear", "2026-08-01", "2027-07-31", "", "2027"),
    ("2026-27-S1", "Fall 2026", "semester", "2026-08-01", "2027-01-15", "2026-27", "2027"),
)
COURSES = {  # class: (course sourcedId, course code, title, grade, subject)
    "6A": ("course-math6", "MATH6", "Grade 6 Mathematics", "06", "Mathematics"),
    "6B": ("course-math6", "MATH6", "Grade 6 Mathematics", "06", "Mathematics"),
    "7A": ("course-math7", "MATH7", "Grade 7 Mathematics", "07", "Mathematics"),
    "ADV6": ("course-adv6", "ADV6", "Grade 6 Advisory", "06", "Advisory"),
}
ROLES = {
    "admin": "siteAdministrator",
    "leader": "principal",
    "teacher": "teacher",
    "student": "student",
}


def _read(name: str, folder: Path) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def demo_files(folder: Path = DEMO_DIR, knowledge_dir: Path = BUNDLED_KNOWLEDGE) -> dict[str, str]:
    """The set's files (and course-map.csv) by name, as text."""
    catalog = FrameworkCatalog.load(knowledge_dir)
    classes = _read("classes.csv", folder)
    people = _read("roster.csv", folder)
    evidence = _read("evidence.csv", folder)
    tables: dict[str, list[dict[str, str]]] = {
        "orgs": [
            {"sourcedId": DISTRICT, "name": "Waypoint District", "type": "district"},
            {
                "sourcedId": SCHOOL,
                "name": "Waypoint Middle School",
                "type": "school",
                "identifier": "WMS",
                "parentSourcedId": DISTRICT,
            },
        ],
        "academicSessions": [
            dict(
                zip(
                    ("sourcedId", "title", "type", "startDate", "endDate"),
                    row[:5],
                    strict=True,
                )
            )
            | {"parentSourcedId": row[5], "schoolYear": row[6]}
            for row in SESSIONS
        ],
        "courses": _courses(),
        "classes": [_class(row) for row in classes],
    }
    users, roles, enrollments = _people(people)
    tables |= {"users": users, "roles": roles, "enrollments": enrollments}
    tables |= _gradebook(evidence, people, classes, catalog)
    files = set_files(tables)
    frameworks = {COURSES[row["class_id"]][1]: row["framework"] for row in classes}
    files["course-map.csv"] = csv_text(sorted(frameworks.items()), ["course_code", "framework"])
    return files


def _courses() -> list[dict[str, str]]:
    found = {}
    for sourced_id, code, title, grade, subject in COURSES.values():
        found[sourced_id] = {
            "sourcedId": sourced_id,
            "schoolYearSourcedId": "2026-27",
            "title": title,
            "courseCode": code,
            "grades": grade,
            "orgSourcedId": SCHOOL,
            "subjects": subject,
        }
    return list(found.values())


def _class(row: dict[str, str]) -> dict[str, str]:
    course, _, _, grade, subject = COURSES[row["class_id"]]
    return {
        "sourcedId": row["class_id"],
        "title": row["name"],
        "grades": grade,
        "courseSourcedId": course,
        "classCode": row["class_id"],
        "classType": "homeroom" if subject == "Advisory" else "scheduled",
        "schoolSourcedId": SCHOOL,
        "termSourcedIds": "2026-27-S1",
        "subjects": subject,
    }


def _people(
    people: list[dict[str, str]],
) -> tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]]:
    agents: dict[str, list[str]] = defaultdict(list)
    for person in people:
        for child in filter(None, person["children"].split(";")):
            agents[child].append(person["user_id"])
    users, roles, enrollments = [], [], []
    first_teacher: dict[str, str] = {}
    for person in people:
        role = person["role"]
        sourced_id = person["learner_id"] if role == "student" else person["user_id"]
        given, family = split_name(person["name"])
        if role == "student":
            linked = agents[sourced_id]
        else:
            linked = [c for c in person["children"].split(";") if c]
        users.append(
            {
                "sourcedId": sourced_id,
                "enabledUser": "true" if person["user_id"] else "false",
                "username": person["user_id"] or sourced_id,
                "givenName": given,
                "familyName": family,
                "identifier": person["learner_id"],
                "agentSourcedIds": ",".join(linked),
                "grades": ceds_grade(person["grade"]),
                "primaryOrgSourcedId": SCHOOL,
            }
        )
        one_roster_role = ROLES.get(role) or (
            "guardian" if person["user_id"].endswith("b") else "parent"
        )
        roles.append(
            {
                "sourcedId": f"role-{sourced_id}",
                "userSourcedId": sourced_id,
                "roleType": "primary",
                "role": one_roster_role,
                "beginDate": "2026-08-01" if role != "parent" else "",
                "orgSourcedId": SCHOOL,
            }
        )
        for class_id in filter(None, person["classes"].split(";")):
            primary = first_teacher.setdefault(class_id, sourced_id) == sourced_id
            enrollments.append(
                {
                    "sourcedId": f"enr-{class_id}-{sourced_id}",
                    "classSourcedId": class_id,
                    "schoolSourcedId": SCHOOL,
                    "userSourcedId": sourced_id,
                    "role": role,
                    "primary": ("true" if primary else "false") if role == "teacher" else "",
                    "beginDate": "2026-08-31",
                }
            )
    return users, roles, enrollments


def _gradebook(
    evidence: list[dict[str, str]],
    people: list[dict[str, str]],
    classes: list[dict[str, str]],
    catalog: FrameworkCatalog,
) -> dict[str, list[dict[str, str]]]:
    framework_of = {row["class_id"]: catalog.framework(row["framework"]) for row in classes}
    classes_of = {
        p["learner_id"]: p["classes"].split(";") for p in people if p["role"] == "student"
    }
    kinds = sorted({row["evidence_type"] for row in evidence})
    category = {kind: "cat-" + kind.replace(" ", "-") for kind in kinds}
    items: dict[tuple[str, ...], dict[str, str]] = {}
    results: list[dict[str, str]] = []
    for row in sorted(evidence, key=lambda r: (r["observed_at"], r["learner_id"])):
        entry = catalog.lookup(row["competency"])
        assert entry is not None, row["competency"]
        class_id = next(
            c
            for c in classes_of[row["learner_id"]]
            if (fw := framework_of[c]) is not None and fw.identifier == entry.framework_id
        )
        key: tuple[str, ...] = (row["observed_at"], class_id, row["source"])
        key += (row["evidence_type"], entry.code, row["max_score"])
        if key not in items:
            items[key] = _line_item(key, len(items) + 1, entry.identifier, category, catalog)
        results.append(
            {
                "sourcedId": f"res-{len(results) + 1:05d}",
                "lineItemSourcedId": items[key]["sourcedId"],
                "studentSourcedId": row["learner_id"],
                "scoreStatus": "fully graded",
                "score": row["score"],
                "scoreDate": row["observed_at"],
                "comment": row["note"],
                "classSourcedId": class_id,
            }
        )
    objectives = [
        {
            "sourcedId": f"{item['sourcedId']}-lo",
            "lineItemSourcedId": item["sourcedId"],
            "source": "case",
            "learningObjectiveId": item.pop("objective"),
        }
        for item in items.values()
    ]
    return {
        "categories": [{"sourcedId": category[k], "title": k} for k in kinds],
        "lineItems": list(items.values()),
        "lineItemLearningObjectiveIds": objectives,
        "results": results,
    }


def _line_item(
    key: tuple[str, ...],
    number: int,
    identifier: str,
    category: dict[str, str],
    catalog: FrameworkCatalog,
) -> dict[str, str]:
    day, class_id, source, kind, code, max_score = key
    scale = catalog.scale(identifier)
    low, high = ("0", max_score) if max_score else (f"{scale.minimum:g}", f"{scale.maximum:g}")
    session = "2025-26-S2" if date.fromisoformat(day) < date(2026, 8, 1) else "2026-27-S1"
    return {
        "sourcedId": f"li-{number:04d}",
        "title": source,
        "description": f"{kind}: {code}",
        "assignDate": day,
        "dueDate": day,
        "classSourcedId": class_id,
        "categorySourcedId": category[kind],
        "academicSessionSourcedId": session,
        "resultValueMin": low,
        "resultValueMax": high,
        "schoolSourcedId": SCHOOL,
        "objective": identifier,
    }


def write_demo_set(out: Path = OUT) -> list[Path]:
    return write_files(demo_files(), out)


def main() -> None:
    for path in write_demo_set():
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
