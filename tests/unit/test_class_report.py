"""Class view on a hand-built class: stuck competencies, flexible groups and tiers, by hand."""

from __future__ import annotations

from datetime import date, datetime

from assistant.learners.types import ClassInfo, LearnerProfile, Override
from assistant.recommend.class_report import ClassAnalyzer, ClassReport
from assistant.recommend.reasons import load_reasons
from assistant.settings import BUNDLED_PROMPTS
from assistant.settings_groups import ClassRules
from tests.support_learners import bundled_catalog, estimates_from, math_id

CATALOG = bundled_catalog()
AS_OF = date(2026, 11, 20)

# P1-P3 are proficient on M.6.RP.1 and M.6.RP.3, stuck on M.6.RP.4 (2 on 10 Sep and 1 Oct:
# below 3, 21 days, no new high) and have started M.7.RP.2, which needs M.6.RP.4.
HELD_BY_RP4 = {
    "M.6.RP.1": [(3, "2026-09-01")],
    "M.6.RP.3": [(3, "2026-09-03")],
    "M.6.RP.4": [(2, "2026-09-10"), (2, "2026-10-01")],
    "M.7.RP.2": [(1, "2026-10-20")],
}
EVIDENCE = {
    "P1": HELD_BY_RP4,
    "P2": HELD_BY_RP4,
    "P3": HELD_BY_RP4,
    # Q1 works on M.6.RP.3 (2) and tried M.6.RP.4 (1): held up by M.6.RP.3, alone -> conference.
    "Q1": {
        "M.6.RP.1": [(3, "2026-09-01")],
        "M.6.RP.3": [(2, "2026-10-01")],
        "M.6.RP.4": [(1, "2026-10-02")],
    },
    # D1: known gaps M.6.RP.7 <- M.6.RP.5 <- M.6.RP.4 <- M.6.RP.3: three links back.
    "D1": {
        "M.6.RP.1": [(3, "2026-09-01")],
        "M.6.RP.3": [(2, "2026-09-02")],
        "M.6.RP.4": [(2, "2026-09-05")],
        "M.6.RP.5": [(1, "2026-10-01")],
        "M.6.RP.7": [(1, "2026-10-10")],
    },
    # M1: stuck on three competencies that need nothing first (independent gaps).
    "M1": {
        "M.6.RP.1": [(2, "2026-09-01"), (2, "2026-09-21")],
        "M.6.EE.1": [(2, "2026-09-02"), (2, "2026-09-22")],
        "M.6.EE.2": [(1, "2026-11-02"), (1, "2026-11-03")],
    },
    # R1: doing well; evidence in early September and again from 20 October only.
    "R1": {
        "M.6.RP.1": [(3, "2026-09-01"), (3, "2026-10-20")],
        "M.6.RP.2": [(3, "2026-10-21")],
    },
}
# Other learners' evidence keeps the class active on most weekdays between.
ACTIVE_DAYS = [date(2026, 9, day) for day in range(2, 31)] + [
    date(2026, 10, day) for day in range(1, 20)
]


def report(rules: ClassRules | None = None) -> ClassReport:
    estimates = {lid: estimates_from(CATALOG, ev) for lid, ev in EVIDENCE.items()}
    days = {
        lid: sorted({date.fromisoformat(d) for pieces in ev.values() for _, d in pieces})
        for lid, ev in EVIDENCE.items()
    }
    days["P1"] = sorted(set(days["P1"]) | set(ACTIVE_DAYS))
    learners = {lid: LearnerProfile(lid, f"Learner {lid}") for lid in EVIDENCE}
    info = ClassInfo("K", "Class K", math_id(CATALOG), ("t1",), tuple(EVIDENCE))
    analyzer = ClassAnalyzer(CATALOG, load_reasons(BUNDLED_PROMPTS), rules or ClassRules())
    return analyzer.report(info, learners, estimates, days, as_of=AS_OF, model="scale")


def test_matrix_has_a_column_for_every_competency_with_evidence() -> None:
    built = report()
    assert built.competencies[:4] == ("M.6.RP.1", "M.6.RP.2", "M.6.RP.3", "M.6.RP.4")
    row = next(r for r in built.matrix if r.learner_id == "Q1")
    levels = dict(zip(built.competencies, row.levels, strict=True))
    assert levels["M.6.RP.3"] == 2.0 and levels["M.6.RP.2"] is None


def test_stuck_competencies_and_reteaching_when_most_of_the_class_is_stuck() -> None:
    built = report()
    # M.6.RP.4 stuck: P1, P2, P3 (D1 has one piece, Q1 one) -> 3 of 7 = 43 %, below 50 %.
    rp4 = next(s for s in built.stuck if s.code == "M.6.RP.4")
    assert rp4.learners == ("P1", "P2", "P3") and not rp4.reteach
    assert "3 of 7 learners" in rp4.note
    reteach = report(ClassRules(reteach_share=0.4))
    assert next(s for s in reteach.stuck if s.code == "M.6.RP.4").reteach


def test_flexible_groups_gather_learners_held_up_by_the_same_prerequisite() -> None:
    built = report()
    groups = {g.focus: g for g in built.groups}
    # P1-P3 work towards M.7.RP.2, whose unmet prerequisite M.6.RP.4 has its own
    # prerequisite (M.6.RP.3) met: they share the frontier M.6.RP.4.
    assert [m.learner_id for m in groups["M.6.RP.4"].members] == ["P1", "P2", "P3"]
    assert groups["M.6.RP.4"].targets == ("M.7.RP.2",)
    assert groups["M.6.RP.4"].activity is not None
    assert "(M.6.RP.4)" in groups["M.6.RP.4"].activity.section
    assert groups["M.6.RP.4"].review_by == date(2026, 11, 27)
    # D1 is held up by M.6.RP.3 towards M.6.RP.4, M.6.RP.5 and M.6.RP.7; Q1 towards M.6.RP.4:
    # two learners, one group (minimum size 2).
    assert sorted(m.learner_id for m in groups["M.6.RP.3"].members) == ["D1", "Q1"]
    assert set(groups) == {"M.6.RP.4", "M.6.RP.3"}
    # M.6.RP.5 also needs M.6.RP.2, which D1 has never shown (its own prerequisite M.6.RP.1 is
    # met): D1 alone is held up by it, towards M.6.RP.5 and M.6.RP.7 -> a conference.
    assert [(c.learner_id, c.focus, c.targets) for c in built.conferences] == [
        ("D1", "M.6.RP.2", ("M.6.RP.5", "M.6.RP.7"))
    ]


def test_large_groups_split_and_lone_learners_get_a_conference() -> None:
    built = report(ClassRules(group_min_size=3, group_max_size=2))
    parts = [g for g in built.groups if g.focus == "M.6.RP.4"]
    # Three learners, at most two per group: 2 + 1.
    assert [len(g.members) for g in parts] == [2, 1] and parts[0].parts == 2
    # The M.6.RP.3 cohort (D1, Q1) is below the minimum of 3: conferences instead (and D1's
    # conference on M.6.RP.2 as before).
    assert sorted((c.learner_id, c.focus) for c in built.conferences) == [
        ("D1", "M.6.RP.2"),
        ("D1", "M.6.RP.3"),
        ("Q1", "M.6.RP.3"),
    ]


def test_tier_suggestions_follow_the_decision_rules() -> None:
    tiers = {t.learner_id: t for t in report().tiers}
    # Stuck on M.6.RP.4 -> targeted.
    assert tiers["P1"].tier == "targeted"
    assert "Stuck on M.6.RP.4" in tiers["P1"].reasons[0]
    # Chain M.6.RP.7 -> M.6.RP.5 -> M.6.RP.4 -> M.6.RP.3: three links -> intensive.
    assert tiers["D1"].tier == "intensive"
    assert "M.6.RP.7 → M.6.RP.5 → M.6.RP.4 → M.6.RP.3" in tiers["D1"].reasons[0]
    # Stuck on M.6.RP.1, M.6.EE.1 and M.6.EE.2, none waiting on a prerequisite -> intensive.
    assert tiers["M1"].tier == "intensive"
    assert "Stuck on 3 competencies at once" in tiers["M1"].reasons[0]
    # Two attempts at 1 on M.6.EE.2 are named too.
    assert any("Two or more attempts at 1 on M.6.EE.2" in r for r in tiers["M1"].reasons)
    # No rule applies; a 49-day gap while the class was active is noted, tier unchanged.
    assert tiers["R1"].tier == "core"
    assert any("No evidence between 1 Sep and 20 Oct" in r for r in tiers["R1"].reasons)
    # Q1 has one attempt at M.6.RP.3 and one at M.6.RP.4: nothing is stuck yet.
    assert tiers["Q1"].tier == "core"
    assert all(t.decision.startswith("A suggestion only") for t in tiers.values())


def test_class_wide_stuck_competencies_point_to_core_teaching() -> None:
    tiers = {t.learner_id: t for t in report(ClassRules(reteach_share=0.4)).tiers}
    # M.6.RP.4 is now a class-wide problem: it no longer counts for P1 individually.
    assert tiers["P1"].tier == "core"
    assert any("much of the class is stuck on M.6.RP.4" in r for r in tiers["P1"].reasons)


def test_a_teacher_override_is_never_stuck() -> None:
    estimates = {lid: estimates_from(CATALOG, ev) for lid, ev in EVIDENCE.items()}
    rp4 = CATALOG.lookup("M.6.RP.4")
    assert rp4 is not None
    decided = Override(2.0, "t1", "still mixing up rows", datetime(2026, 10, 5))
    scale = CATALOG.scale(rp4.identifier)
    estimates["P3"][rp4.identifier] = estimates["P3"][rp4.identifier].overridden(decided, scale)
    learners = {lid: LearnerProfile(lid, lid) for lid in EVIDENCE}
    info = ClassInfo("K", "Class K", math_id(CATALOG), ("t1",), tuple(EVIDENCE))
    rules = ClassRules(stuck_min_learners=2)
    analyzer = ClassAnalyzer(CATALOG, load_reasons(BUNDLED_PROMPTS), rules)
    built = analyzer.report(info, learners, estimates, {}, as_of=AS_OF, model="scale")
    # The teacher's level 2 stands; P3 is not "stuck" but is still held up by M.6.RP.4.
    assert next(s for s in built.stuck if s.code == "M.6.RP.4").learners == ("P1", "P2")
    group = next(g for g in built.groups if g.focus == "M.6.RP.4")
    assert [m.learner_id for m in group.members] == ["P1", "P2", "P3"]
