"""The demo school: who is in it and what they learn, generated from a fixed seed.

`files.write_demo` writes it to knowledge/demo/*.csv (`python -m assistant.demo`);
`load.load_demo` loads it (`waypoint demo`).
Four classes (6A, 6B and 7A mathematics, a grade-6 advisory on habits of success), 64 learners,
their parents, four teachers, a leader (the principal), an admin, and a term of evidence (31 Aug
to 20 Nov 2026; 7A also has last year's grade-6 record). Most learners are simulated
(sim.py) with a pattern: steady, slow, fast, stuck on one competency, or absent for a few
weeks. Nine learners are scripted row by row so tests can work out their next steps, groups and
tiers by hand (see knowledge/demo/README.md). The roster carries two attributes for the equity
figures: `english_learner` (yes for the slow, stuck and absent learners and a few others, so the
leader's page shows a real gap) and `iep` (four learners: too few to show, so the page shows
small-cell suppression).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from assistant.demo.script import SCRIPTED, prior_record, scripted_rows
from assistant.demo.sim import ClassPlan, EvidenceRow, Pattern, SimLearner, Simulation
from assistant.demo.teams import REVIEW_CLASS, review_stretch
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.settings import BUNDLED_KNOWLEDGE

SEED = 20260907
TERM_START = date(2026, 8, 31)
MATH = "Waypoint Middle-School Mathematics: Ratios, Proportional Reasoning and Expressions"
HABITS = "Waypoint Habits of Success"
DEMO_DIR = BUNDLED_KNOWLEDGE / "demo"

CLASSES = (
    ("6A", "Grade 6 Mathematics, Section A", MATH, "M.6.RP.6"),
    ("6B", "Grade 6 Mathematics, Section B", MATH, "M.6.EE.7"),
    ("7A", "Grade 7 Mathematics", MATH, "M.7.RP.3"),
    ("ADV6", "Grade 6 Advisory: Habits of Success", HABITS, "H.SD.A.3"),
)
PACING = {
    "6A": "M.6.RP.1 M.6.RP.1 M.6.RP.2 M.6.RP.3 M.6.RP.3 M.6.RP.4 M.6.RP.4 M.6.RP.5 M.6.RP.6 "
    "M.6.RP.6 M.6.RP.7 M.6.RP.7",
    "6B": "M.6.EE.1 M.6.EE.2 M.6.EE.3 M.6.EE.3 M.6.EE.4 M.6.EE.5 M.6.EE.5 M.6.EE.6 M.6.EE.7 "
    "M.6.EE.7 M.6.EE.8 M.6.EE.8",
    "7A": "M.6.RP.4 M.7.RP.1 M.7.RP.1 M.7.RP.2 M.7.RP.2 M.7.RP.3 M.7.RP.3 M.7.RP.4 M.7.RP.5 "
    "M.7.RP.6 M.7.RP.7 M.7.EE.1",
    "ADV6": "H.SD.A.1 H.SD.A.1 H.SD.A.2 H.SD.A.2 H.CM.A.1 H.CM.A.1 H.SD.A.3 H.SD.A.3 H.CM.A.2 "
    "H.CM.A.2 H.PS.A.1 H.PS.A.1",
}
TEACHERS = (
    ("t.okafor", "Amara Okafor", "6A;6B"),
    ("t.mensah", "Kofi Mensah", "6B"),
    ("t.lindqvist", "Erik Lindqvist", "7A"),
    ("t.haddad", "Nadia Haddad", "ADV6"),
)
ADMIN = ("admin.reyes", "Dana Reyes")
LEADER = ("lead.ramos", "Teresa Ramos")  # the principal: school-wide figures, read-only
FIRST = (  # noqa: SIM905
    "Maya Liam Aisha Mateo Sofia Noah Amara Ethan Zara Lucas Priya Diego Hana Omar Chloe "
    "Kenji Fatima Leo Isabela Samuel Nia Arjun Elena Kwame Lucia Ravi Mei Tomas Yara Felix "
    "Ines Jamal Aylin Oscar Sana Gabriel Leila Hugo Naomi Ibrahim Rosa Daniel Amina Theo "
    "Valentina Kai Lina Marco Esme Tariq Julia Andre Keira Malik Olivia Rafael Sienna Yusuf "
    "Alma Bruno Carmen Dev Freya Jonah"
).split()
LAST = (  # noqa: SIM905
    "Chen Okoro Garcia Nguyen Haddad Patel Kowalski Mensah Silva Johansson Ali Rossi Kim "
    "Novak Alvarez Tanaka Osei Murphy Dubois Singh Hernandez Ivanova Baptiste Moreau Sato "
    "Khan Costa Reyes Lindgren Adeyemi Park Romero"
).split()


@dataclass(frozen=True)
class DemoLearner:
    learner_id: str
    name: str
    grade: str
    classes: tuple[str, ...]
    user_id: str | None
    pattern: Pattern | None


def build_learners(rng: random.Random) -> list[DemoLearner]:
    names = [f"{f} {lt}" for f, lt in zip(FIRST, rng.sample(LAST * 3, len(FIRST)), strict=False)]
    learners = []
    for number in range(1, 65):
        learner_id = f"L{number:03d}"
        home = "6A" if number <= 22 else "6B" if number <= 42 else "7A"
        classes = (home, "ADV6") if home == "6B" else (home,)
        user_id = None if learner_id in ("L020", "L040") else f"stu.{learner_id}"
        pattern = None if learner_id in SCRIPTED else _pattern(learner_id, home, rng)
        grade = "7" if home == "7A" else "6"
        learners.append(
            DemoLearner(learner_id, names[number - 1], grade, classes, user_id, pattern)
        )
    return learners


def _pattern(learner_id: str, home: str, rng: random.Random) -> Pattern:
    number = int(learner_id[1:])
    sure = ("M.7.RP.1",) if home == "7A" else ()
    no_slip = ("M.6.RP.4", "M.7.RP.1") if home == "7A" else ()
    special = {
        "L002": Pattern("absent", 0.45, 0, (5, 6, 7, 8)),
        "L003": Pattern("absent", 0.45, 0, (5, 6, 7, 8)),
        "L004": Pattern("fast", 0.8, 2),
        "L005": Pattern("fast", 0.75, 1),
        "L006": Pattern("stuck", 0.45, 0, stuck_on="M.6.RP.4"),
        "L007": Pattern("stuck", 0.45, 0, stuck_on="M.6.RP.4"),
        "L008": Pattern("stuck", 0.4, 0, stuck_on="M.6.RP.4"),
        "L023": Pattern("stuck", 0.45, 0, stuck_on="M.6.EE.3"),
        "L024": Pattern("stuck", 0.45, 0, stuck_on="M.6.EE.3"),
        "L025": Pattern("stuck", 0.4, 0, stuck_on="M.6.EE.3"),
        "L026": Pattern("stuck", 0.45, 1, stuck_on="M.6.EE.3"),
        "L027": Pattern("absent", 0.45, 0, (3, 4, 5, 6)),
        "L028": Pattern("fast", 0.8, 2),
        "L029": Pattern("fast", 0.75, 1),
        "L052": Pattern("fast", 0.8, 2, no_slip=no_slip, sure=sure),
        "L053": Pattern("fast", 0.75, 1, no_slip=no_slip, sure=sure),
        "L054": Pattern("absent", 0.5, 0, (5, 6, 7, 8), no_slip=no_slip, sure=sure),
        "L055": Pattern("stuck", 0.5, 0, stuck_on="M.7.RP.2", no_slip=no_slip, sure=sure),
        "L056": Pattern("stuck", 0.5, 0, stuck_on="M.7.RP.2", no_slip=no_slip, sure=sure),
    }
    if learner_id in special:
        return special[learner_id]
    slow = number % 5 == 0
    return Pattern(
        "slow" if slow else "steady",
        0.25 if slow else rng.choice((0.4, 0.45, 0.5)),
        0 if slow else rng.choice((0, 0, 1)),
        no_slip=no_slip,
        sure=sure,
    )


# English learners: every slow, stuck or absent simulated learner and one in twenty of the
# others (a gap the equity figures can show); an IEP: four learners (too few to show).
ENGLISH_LEARNER_PATTERNS = ("slow", "stuck", "absent")
OTHER_SHARE = 0.05
IEP = ("L009", "L031", "L047", "L060")


def demo_attributes(learners: Sequence[DemoLearner]) -> dict[str, tuple[str, str]]:
    """Each learner's (english_learner, iep) roster cells, from a seed of their own: the
    learners' evidence does not change with them."""
    rng = random.Random(SEED + 3)
    found = {}
    for learner in learners:
        chance = rng.random()
        kind = learner.pattern.name if learner.pattern is not None else ""
        english = kind in ENGLISH_LEARNER_PATTERNS or chance < OTHER_SHARE
        found[learner.learner_id] = (
            "yes" if english else "no",
            "yes" if learner.learner_id in IEP else "no",
        )
    return found


def build_evidence(catalog: FrameworkCatalog, learners: Sequence[DemoLearner]) -> list[EvidenceRow]:
    rng = random.Random(SEED + 1)
    prerequisites = {
        entry.code: [catalog.entry(p).code for p in catalog.prerequisites(entry.identifier)]
        for entry in catalog.assessable()
    }
    simulation = Simulation(prerequisites, rng)
    rows: list[EvidenceRow] = []
    for class_id, _, framework, _ in CLASSES:
        order = tuple(e.code for e in catalog.assessable() if e.framework_title == framework)
        members = [lr for lr in learners if class_id in lr.classes and lr.pattern is not None]
        sims = [_start(lr, class_id, order) for lr in members]
        plan = ClassPlan(class_id, TERM_START, tuple(PACING[class_id].split()), order)
        rows.extend(simulation.run(plan, sims))
        if class_id == REVIEW_CLASS:  # a stretch repeating what the class already mastered
            rows.extend(review_stretch(sims, SEED + 5))
        if class_id == "7A":
            for sim in sims:
                rows.extend(prior_record(sim.learner_id, sim.known_at_start, order))
    math_order = tuple(e.code for e in catalog.assessable() if e.framework_title == MATH)
    rows.extend(scripted_rows(math_order))
    return sorted(rows, key=lambda r: (r.observed_at, r.learner_id, r.code, r.evidence_type))


def _start(learner: DemoLearner, class_id: str, order: Sequence[str]) -> SimLearner:
    assert learner.pattern is not None
    if class_id == "ADV6":
        advisory = Pattern("advisory", 0.45, 0, learner.pattern.absent_weeks)
        return SimLearner(learner.learner_id, advisory)
    known: set[str] = set()
    if class_id == "7A":
        known = {code for code in order if code.startswith("M.6.")}
        if learner.learner_id in ("L058", "L062"):
            known.discard("M.6.EE.7")
    return SimLearner(
        learner.learner_id,
        learner.pattern,
        known,
        {code: 1 for code in known},
        known_at_start=frozenset(known),
    )
