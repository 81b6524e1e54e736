"""Next steps for hand-worked learners on the bundled math framework (expected by hand)."""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from assistant.frameworks.translations import Translations
from assistant.language import detect_language
from assistant.learners.types import MasteryEstimate, Override
from assistant.recommend.next_steps import NextStep, Recommender
from assistant.recommend.reasons import load_reason_languages, load_reasons
from assistant.settings import BUNDLED_KNOWLEDGE, BUNDLED_PROMPTS
from tests.support_learners import bundled_catalog, estimates_from, math_id
from tests.unit.test_catalog import two_frameworks

CATALOG = bundled_catalog()
MATH = [math_id(CATALOG)]
AS_OF = date(2026, 11, 20)


def recommender() -> Recommender:
    return Recommender(CATALOG, load_reasons(BUNDLED_PROMPTS))


TRANSLATIONS = Translations.load(BUNDLED_KNOWLEDGE)


def bilingual() -> Recommender:
    """As the app builds it: the Spanish templates and the frameworks' Spanish sidecars too."""
    return Recommender(
        CATALOG,
        load_reasons(BUNDLED_PROMPTS),
        languages=load_reason_languages(BUNDLED_PROMPTS),
        translations=TRANSLATIONS,
    )


def ids(*codes: str) -> dict[str, float]:
    found = {}
    for code in codes:
        entry = CATALOG.lookup(code)
        assert entry is not None
        found[entry.identifier] = 1.0
    return found


# Levels by hand (window 4, newest weighs 1, each older half as much):
#   M.6.RP.1  2, 3, 3  -> (0.5 + 1.5 + 3) / 1.75 = 2.857 -> 3 proficient
#   M.6.RP.2  3        -> 3 proficient
#   M.6.RP.3  3, 4     -> (1.5 + 4) / 1.5 = 3.667 -> 4 proficient
#   M.6.RP.4  2, 3     -> (1 + 3) / 1.5 = 2.667 -> 3 proficient
#   M.6.RP.6  1, 2     -> (0.5 + 2) / 1.5 = 1.667 -> 2, progress (1.667 - 1) / 2 = 0.333
EVIDENCE = {
    "M.6.RP.1": [(2, "2026-09-01"), (3, "2026-09-08"), (3, "2026-10-12")],
    "M.6.RP.2": [(3, "2026-10-12")],
    "M.6.RP.3": [(3, "2026-10-12"), (4, "2026-10-20")],
    "M.6.RP.4": [(2, "2026-10-01"), (3, "2026-10-12")],
    "M.6.RP.6": [(1, "2026-11-01"), (2, "2026-11-10")],
}


def test_finish_first_then_ready_ranked_by_the_documented_score() -> None:
    steps = recommender().next_steps(
        estimates_from(CATALOG, EVIDENCE), as_of=AS_OF, frameworks=MATH
    )
    # Finish first: M.6.RP.6 (started, its prerequisite M.6.RP.4 is proficient).
    #   opens 0 (M.7.RP.6 also needs M.7.RP.4, M.7.EE.2 needs M.7.EE.1)
    #   + 2 * 0.333 nearness + 1 * 1.0 struggle (both pieces below 3, last 10 days ago) = 1.667
    # Ready (no evidence, prerequisites proficient):
    #   M.6.RP.5 opens M.6.RP.7 and M.7.RP.1 -> 2;  M.6.EE.1 opens M.8.EE.1 and M.8.EE.2 -> 2;
    #   M.6.EE.2 opens M.6.EE.3 and M.6.EE.9 (M.6.RP.4 is proficient) -> 2;
    #   M.7.RP.2 opens nothing (M.7.RP.3 also needs M.7.RP.1) -> 0. Ties keep framework order.
    assert [(s.kind, s.code) for s in steps] == [
        ("finish", "M.6.RP.6"),
        ("ready", "M.6.RP.5"),
        ("ready", "M.6.EE.1"),
        ("ready", "M.6.EE.2"),
        ("ready", "M.7.RP.2"),
    ]
    assert [round(s.score, 3) for s in steps] == [1.667, 2.0, 2.0, 2.0, 0.0]
    unit_rates = steps[1]
    assert unit_rates.reason == (
        "You reached 3 on M.6.RP.2 and M.6.RP.4 on 12 Oct; M.6.RP.5 builds on both. "
        "Reaching 3 here opens M.6.RP.7 and M.7.RP.1."
    )
    assert [p.code for p in unit_rates.prerequisites] == ["M.6.RP.2", "M.6.RP.4"]
    assert unit_rates.current_level is None
    assert [lv.label for lv in unit_rates.aim] == ["Proficient"]
    assert unit_rates.resources and unit_rates.resources[0].path.endswith(".md")
    percent = steps[0]
    assert percent.current_level is not None and percent.current_level.level == 2.0
    level = "Your level on M.6.RP.6 is 2 (Developing), from 2 pieces of evidence, the latest on "
    assert level in percent.reason
    assert "hard" in percent.reason
    assert [lv.label for lv in percent.aim] == ["Proficient"]


def test_teacher_priority_lifts_a_ready_competency() -> None:
    # M.7.RP.2: 0 + 3 * 1.0 priority = 3.0, above the three ready steps at 2.0.
    steps = recommender().next_steps(
        estimates_from(CATALOG, EVIDENCE),
        as_of=AS_OF,
        frameworks=MATH,
        priorities=ids("M.7.RP.2"),
    )
    assert [s.code for s in steps][:2] == ["M.6.RP.6", "M.7.RP.2"]
    assert steps[1].reason.endswith("It is a class focus chosen by the teacher.")


def test_a_new_learner_starts_at_the_roots() -> None:
    # No evidence: only competencies without prerequisites are ready.
    # M.6.RP.1 opens M.6.RP.2 and M.6.RP.3 (2); M.6.EE.1 opens M.8.EE.1 and M.8.EE.2 (2);
    # M.6.EE.2 opens M.6.EE.3 only (M.6.EE.9 also needs M.6.RP.4) (1).
    steps = recommender().next_steps({}, as_of=AS_OF, frameworks=MATH)
    assert [(s.code, s.score) for s in steps] == [
        ("M.6.RP.1", 2.0),
        ("M.6.EE.1", 2.0),
        ("M.6.EE.2", 1.0),
    ]
    assert steps[0].reason.startswith("M.6.RP.1 is a starting point")
    assert steps[0].tip  # the Beginning level's feedback


def test_started_work_beyond_a_gap_is_not_recommended_but_named() -> None:
    # M.6.RP.3 at 2 (prerequisite M.6.RP.1 at 3): finish first.
    # M.6.RP.4 was started (1) but needs M.6.RP.3: not a step; M.6.RP.3's reason names it.
    found = estimates_from(
        CATALOG,
        {
            "M.6.RP.1": [(3, "2026-10-01")],
            "M.6.RP.3": [(2, "2026-10-05")],
            "M.6.RP.4": [(1, "2026-10-06")],
        },
    )
    steps = recommender().next_steps(found, as_of=AS_OF, frameworks=MATH)
    codes = [s.code for s in steps]
    assert codes[0] == "M.6.RP.3" and "M.6.RP.4" not in codes
    assert "You already started M.6.RP.4, which builds on this." in steps[0].reason
    # Last evidence 45 days ago: no struggle bonus; 1 opens (M.6.RP.4) + 2 * 0.5 nearness = 2.
    assert steps[0].score == pytest.approx(2.0)


def test_an_override_counts_and_is_named_with_who_and_when() -> None:
    rp1 = CATALOG.lookup("M.6.RP.1")
    assert rp1 is not None
    decided = Override(3.0, "t.okafor", "conference", datetime(2026, 11, 2, 9, 0))
    found = {
        rp1.identifier: MasteryEstimate.from_override(
            rp1.identifier, decided, CATALOG.scale(rp1.identifier)
        )
    }
    steps = recommender().next_steps(found, as_of=AS_OF, frameworks=MATH, name="Maya")
    # With M.6.RP.1 proficient by the teacher's decision: M.6.EE.1 opens 2, M.6.RP.3 opens
    # M.6.RP.4 (1), M.6.EE.2 opens M.6.EE.3 (1), M.6.RP.2 opens nothing yet (M.6.RP.5 also
    # needs M.6.RP.4) (0).
    assert [s.code for s in steps] == ["M.6.EE.1", "M.6.RP.3", "M.6.EE.2", "M.6.RP.2"]
    assert steps[1].reason.startswith("Maya reached 3 on M.6.RP.1 on 2 Nov; M.6.RP.3 builds on it.")


def test_proficiency_on_an_alias_counts_in_the_other_framework(tmp_path: Path) -> None:
    catalog = two_frameworks(tmp_path)
    recommend = Recommender(catalog, load_reasons(BUNDLED_PROMPTS))
    decided = Override(3.0, "t", "record", datetime(2026, 10, 1))
    # Proficient on the district's A.2, which is the state's S.1: S.2 (after S.1) is ready and
    # S.1 itself is not recommended again. S.3 opens the district's A.1.1 (1); S.2 opens none.
    found = {"a3": MasteryEstimate.from_override("a3", decided, catalog.scale("a3"))}
    steps = recommend.next_steps(found, as_of=AS_OF, frameworks=["doc-b"])
    assert [(s.code, s.score) for s in steps] == [("S.3", 1.0), ("S.2", 0.0)]


def test_limit_and_json_shape() -> None:
    steps = recommender().next_steps(
        estimates_from(CATALOG, EVIDENCE), as_of=AS_OF, frameworks=MATH, limit=2
    )
    assert len(steps) == 2
    data = steps[0].as_json()
    for key in ("code", "title", "reason", "prerequisites", "current_level", "resources"):
        assert key in data


# in Spanish -------------------------------------------------------------------------------------
# Words of the English templates and level names that must not show in a Spanish step.
ENGLISH = re.compile(
    r"\b(reached|builds on|Builds on|latest evidence|the goal|starting point|opens|already "
    r"started|class focus|chosen by the teacher|worth doing|pieces? of evidence|level|since|"
    r"Beginning|Developing|Proficient|Advanced|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b"
)


def spanish_texts(step: NextStep) -> list[str]:
    texts = [step.reason, step.title, step.framework, step.tip]
    texts += [p.line for p in step.prerequisites] + [p.title for p in step.prerequisites]
    texts += [f"{lv.label}: {lv.description}" for lv in step.aim]
    texts += [r.title for r in step.resources]
    if step.current_level is not None:
        texts.append(step.current_level.label)
    return texts


@pytest.mark.parametrize("name", [None, "Maya"])
def test_spanish_steps_are_spanish_throughout_for_the_learner_and_for_a_parent(
    name: str | None,
) -> None:
    found = estimates_from(CATALOG, EVIDENCE)
    english = recommender().next_steps(found, as_of=AS_OF, frameworks=MATH, name=name)
    steps = bilingual().next_steps(found, as_of=AS_OF, frameworks=MATH, name=name, language="es")
    # the same steps in the same order, only the words change
    assert [(s.code, s.kind, s.score) for s in steps] == [
        (s.code, s.kind, s.score) for s in english
    ]
    for step in steps:
        assert detect_language(step.reason) == "es", step.reason
        for text in spanish_texts(step):
            assert not ENGLISH.search(text), text
    percent, unit_rates = steps[0], steps[1]
    if name is None:  # a student reads about their own steps: "tú"
        assert unit_rates.reason == (
            "Alcanzaste el nivel 3 en M.6.RP.2 y M.6.RP.4 el 12 oct; M.6.RP.5 se basa en ambas. "
            "Llegar al nivel 3 aquí abre paso a M.6.RP.7 y M.7.RP.1."
        )
        assert percent.reason.startswith(
            "Alcanzaste el nivel 3 en M.6.RP.4 el 12 oct; M.6.RP.6 se basa en esa competencia. "
            "Tu nivel en M.6.RP.6 es 2 (En desarrollo), con 2 evidencias, la más reciente el "
            "10 nov; la meta es 3 (Competente)."
        )
    else:  # a parent reads about their child in the third person
        assert unit_rates.reason.startswith("Maya alcanzó el nivel 3 en M.6.RP.2 y M.6.RP.4")
        assert "El nivel de Maya en M.6.RP.6 es 2 (En desarrollo)" in percent.reason
    # titles, level names, descriptors and tips from the framework's Spanish sidecar
    assert unit_rates.title == "Resolver problemas de tasas unitarias"
    assert unit_rates.framework.startswith("Matemáticas de escuela intermedia de Waypoint")
    assert [lv.label for lv in percent.aim] == ["Competente"]
    assert percent.aim[0].description == TRANSLATIONS.descriptor("M.6.RP.6", 3, "es", "")
    assert percent.current_level is not None and percent.current_level.label == "En desarrollo"
    assert percent.tip and percent.tip == TRANSLATIONS.feedback("M.6.RP.6", 2, "es", "")
    assert percent.tip != english[0].tip
    assert [p.line for p in unit_rates.prerequisites] == [
        "Se basa en M.6.RP.2 Entender las tasas unitarias: nivel 3 desde el 12 oct",
        "Se basa en M.6.RP.4 Tablas de razones, gráficas y comparaciones: nivel 3 desde el 12 oct",
    ]
    assert all(r.path.endswith(".es.md") for r in unit_rates.resources)


def test_the_sidecars_read_as_the_pure_python_safe_loader_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The translations are read with libyaml's loader when it is built (ten times faster);
    every bundled sidecar gives what PyYAML's own safe loader gives."""
    import assistant.frameworks.translations as module

    (tmp_path / "frameworks").mkdir()
    for sidecar in BUNDLED_KNOWLEDGE.glob(module.SIDECAR_GLOB):
        shutil.copy(sidecar, tmp_path / "frameworks" / sidecar.name)
    monkeypatch.setattr(module, "LOADER", yaml.SafeLoader)
    slow = Translations.load(tmp_path)  # another folder: read from the files (tests/conftest)
    assert (slow.level_names, slow.items, slow.levels) == (
        TRANSLATIONS.level_names,
        TRANSLATIONS.items,
        TRANSLATIONS.levels,
    )
    assert TRANSLATIONS.items and TRANSLATIONS.levels


def test_english_steps_are_unchanged_by_the_translations() -> None:
    found = estimates_from(CATALOG, EVIDENCE)
    plain = [s.as_json() for s in recommender().next_steps(found, as_of=AS_OF, frameworks=MATH)]
    for language in ("en", "fr"):  # a language without templates gets English
        steps = bilingual().next_steps(found, as_of=AS_OF, frameworks=MATH, language=language)
        assert [s.as_json() for s in steps] == plain
    unit_rates = CATALOG.lookup("M.6.RP.2")
    assert unit_rates is not None
    assert plain[1]["prerequisites"][0]["line"] == (  # type: ignore[index]
        f"Builds on M.6.RP.2 {unit_rates.title}: level 3 since 12 Oct"
    )


def test_a_step_states_the_level_its_table_shows_not_the_latest_piece_as_the_level() -> None:
    """Lucas's card once said "latest evidence on M.6.RP.3 is 3 (Proficient)" while his table
    said 2: a 3 after a 1 and a 2 averages (0.25 + 1 + 3) / 1.75 = 2.43, level 2."""
    evidence: dict[str, list[tuple[float, str]]] = {
        **EVIDENCE,
        "M.6.RP.6": [(1, "2026-11-01"), (2, "2026-11-05"), (3, "2026-11-10")],
    }
    found = estimates_from(CATALOG, evidence)
    percent = recommender().next_steps(found, as_of=AS_OF, frameworks=MATH, name="Lucas")[0]
    assert percent.code == "M.6.RP.6" and percent.current_level is not None
    assert percent.current_level.level == 2.0  # what the progress table shows
    parts = dict(percent.why)
    assert parts["in_progress"] == (
        "Lucas's level on M.6.RP.6 is 2 (Developing), from 3 pieces of evidence, the latest on "
        "10 Nov; the goal is 3 (Proficient)."
    )
    assert parts["latest_higher"].startswith("The latest piece reached 3 (Proficient)")
    assert "M.6.RP.6 is 3" not in percent.reason
    assert percent.reason == " ".join(text for _, text in percent.why)
    spanish = bilingual().next_steps(found, as_of=AS_OF, frameworks=MATH, language="es")[0]
    assert dict(spanish.why)["in_progress"].startswith("Tu nivel en M.6.RP.6 es 2 (En desarrollo)")
    assert dict(spanish.why)["latest_higher"].startswith("La evidencia más reciente llegó a 3")
