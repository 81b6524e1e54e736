"""A scripted teaching team for the what-worked tests, worked out by hand.

Course M6 groups the sections K1 (teacher t1) and K2 (teacher t2); K3 (teacher t3) is in no
course. Period 1 to 30 October 2026; competency M.6.RP.4. Scale rule: window 4, decay 0.5,
proficient at 3, so a 3 after a 2 averages (0.5*2 + 3) / 1.5 = 2.67 -> 3: proficient that day.

K1  Ava    RP.4 2 on 2 Oct; in the group "Tape diagrams" on 5 Oct; 3 on 12 Oct: reached, 7 days.
    Bo     RP.4 2 on 2 Oct; in the group on 5 Oct; 2 on 14 Oct: not reached.
    Cy     no evidence on RP.4; RP.3 1 on 20 Oct. Bo and Cy are both held up by M.6.RP.1 (no
           evidence; RP.3 builds on it, RP.4 on RP.3): the class report's group on M.6.RP.1.
K2  Dee    RP.4 2 on 3 Oct; intervention "Double number line" on 6 Oct; 3 on 16 Oct: 10 days.
    Eli    RP.4 2 on 4 Oct, 3 on 24 Oct, no intervention: the same gap, reached after 20 days.
    Fay    RP.4 1 on 9 Oct, no intervention: the same gap, not reached.
K3  Gus    RP.4 2 on 5 Oct, 3 on 7 Oct: in no course, so in no comparison of M6.

Course M6, RP.4: Double number line (K2) 1 of 1, median 10; Tape diagrams (K1) 1 of 2,
median 7; same gap and no intervention (Eli, Fay) 1 of 2, median 20.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from assistant.container import Assistant, build_assistant
from assistant.learners.access import LOCAL_ADMIN
from assistant.settings import Settings
from tests.support_learners import EVIDENCE_HEADER, MATH, write_csv

RP4 = "M.6.RP.4"
START, END = date(2026, 10, 1), date(2026, 10, 30)
CLASSES = [
    ["class_id", "name", "framework", "focus", "course"],
    ["K1", "Maths K1", MATH, "", "M6"],
    ["K2", "Maths K2", MATH, "", "M6"],
    ["K3", "Maths K3", MATH, "", ""],
]
PEOPLE = [
    ["user_id", "role", "name", "learner_id", "grade", "classes", "children"],
    ["adm", "admin", "Ada Admin", "", "", "", ""],
    ["lead", "leader", "Lee Leader", "", "", "", ""],
    ["t1", "teacher", "Tess One", "", "", "K1", ""],
    ["t2", "teacher", "Tom Two", "", "", "K2", ""],
    ["t3", "teacher", "Tia Three", "", "", "K3", ""],
    ["sA", "student", "Ava Ames", "A", "6", "K1", ""],
    ["sB", "student", "Bo Baird", "B", "6", "K1", ""],
    ["sC", "student", "Cy Cole", "C", "6", "K1", ""],
    ["sD", "student", "Dee Dunn", "D", "6", "K2", ""],
    ["sE", "student", "Eli Ek", "E", "6", "K2", ""],
    ["sF", "student", "Fay Fox", "F", "6", "K2", ""],
    ["sG", "student", "Gus Gale", "G", "6", "K3", ""],
]
EVIDENCE = (
    ("A", 2, "2026-10-02"),
    ("A", 3, "2026-10-12"),
    ("B", 2, "2026-10-02"),
    ("B", 2, "2026-10-14"),
    ("D", 2, "2026-10-03"),
    ("D", 3, "2026-10-16"),
    ("E", 2, "2026-10-04"),
    ("E", 3, "2026-10-24"),
    ("F", 1, "2026-10-09"),
    ("G", 2, "2026-10-05"),
    ("G", 3, "2026-10-07"),
)


def team_school(tmp_path: Path, *, record: bool = True) -> Assistant:
    """The team in a fresh database (no embedding model); `record`: the two recordings."""
    built = build_assistant(Settings(profile="test", home=tmp_path / "home"))
    classes = write_csv(tmp_path / "classes.csv", CLASSES)
    people = write_csv(tmp_path / "people.csv", PEOPLE)
    built.roster_importer.import_files([classes, people], LOCAL_ADMIN)
    rows = [[lid, RP4, level, day, "", "classwork", "K", ""] for lid, level, day in EVIDENCE]
    rows.append(["C", "M.6.RP.3", 1, "2026-10-20", "", "classwork", "K", ""])
    built.evidence_importer.import_file(
        write_csv(tmp_path / "ev.csv", [EVIDENCE_HEADER, *rows]), LOCAL_ADMIN, allow_future=True
    )
    built.interventions.today = lambda: END
    if record:
        t1 = built.access.viewer("t1")
        t2 = built.access.viewer("t2")
        built.interventions.record(t1, "K1", RP4, "Tape diagrams", ["A", "B"], date(2026, 10, 5))
        built.interventions.record(
            t2, "K2", RP4, "Double number line", ["D"], date(2026, 10, 6), kind="intervention"
        )
    return built
