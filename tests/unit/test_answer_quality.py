"""The answer-quality gold set and its scoring (no model): evals/answer_gold.py and
evals/answer_quality.py, used by `python -m evals.answers`."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.chat.answers.classes import CLASS_REPORT
from assistant.chat.types import Answer, Citation
from assistant.settings import BUNDLED_KNOWLEDGE
from evals.answer_gold import AnswerCase, knowledge_problems, load_answer_cases
from evals.answer_quality import (
    answer_gates,
    gate_failures,
    group_quality,
    score,
    sentences,
)

GUIDE = "guides/parents/proficiency-levels.en.md"


def _case(**changes: object) -> AnswerCase:
    fields: dict[str, object] = {
        "id": "ans-900",
        "role": "parent",
        "language": "en",
        "question": "is a 2 bad",
        "user": None,
        "in_scope": True,
        "kind": "level_meaning",
        "facts": (("developing",), ("not a failing", "on the way")),
        "cite": (f"{GUIDE}#Why a 2 is not a failing grade", "M.6.RP.5"),
        "note": "test",
    }
    fields.update(changes)
    return AnswerCase(**fields)  # type: ignore[arg-type]


def _citation(source: str, section: str | None = None, code: str | None = None) -> Citation:
    return Citation(source, "title", section, code, "")


def test_the_gold_set_is_valid_and_grounded_in_the_bundled_knowledge() -> None:
    cases = load_answer_cases()
    assert knowledge_problems(cases, BUNDLED_KNOWLEDGE) == []
    roles = Counter(c.role for c in cases)
    assert len(cases) >= 150
    assert min(roles[r] for r in ("student", "parent", "teacher")) >= 40
    assert sum(c.language == "es" for c in cases) >= 25
    out = Counter(c.role for c in cases if not c.in_scope)
    assert sum(out.values()) >= 20 and len(out) == 3


def test_a_fact_no_cited_source_supports_is_reported() -> None:
    grounded = _case()
    ungrounded = _case(id="ans-901", facts=(("fifty percent means half right",),))
    wrong_audience = _case(id="ans-902", cite=("guides/teachers/flexible-grouping.en.md",))
    missing_section = _case(id="ans-903", cite=(f"{GUIDE}#No such heading",))
    problems = knowledge_problems(
        [grounded, ungrounded, wrong_audience, missing_section], BUNDLED_KNOWLEDGE
    )
    assert not [p for p in problems if p.startswith("ans-900")]
    assert any(p.startswith("ans-901: fact 1") for p in problems)
    assert any("ans-902" in p and "audience" in p for p in problems)
    assert any("ans-903" in p and "no such section" in p for p in problems)


def test_a_bad_line_names_the_file_the_line_and_the_field(tmp_path: Path) -> None:
    good = load_answer_cases()[0]
    row = {**good.__dict__, "facts": [list(f) for f in good.facts], "cite": list(good.cite)}
    bad = {**row, "id": "ans-999", "kind": "chit-chat"}
    path = tmp_path / "answers.jsonl"
    path.write_text(json.dumps(row) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"answers\.jsonl line 2: field 'kind'"):
        load_answer_cases(path)
    broken_pattern = {**row, "facts": [["(unclosed"]]}
    path.write_text(json.dumps(broken_pattern) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 1: field 'facts', fact 1"):
        load_answer_cases(path)


def test_sentences_drop_markers_and_bullets_and_split_at_sentence_ends() -> None:
    text = "What the levels mean:\n- A 2 is Developing. It is normal. [1]\n2. Ask the teacher. [2]"
    assert sentences(text) == [
        "What the levels mean:",
        "A 2 is Developing.",
        "It is normal.",
        "Ask the teacher.",
    ]


def test_an_answer_passes_when_it_says_every_fact_and_is_scored_on_its_citations() -> None:
    text = (
        "What the levels mean:\n- A 2 means Developing. [1]\n- It is not a failing grade. [1]\n"
        "- Newer work counts more. [2]"
    )
    citations = (
        _citation(GUIDE, "Why a 2 is not a failing grade"),
        _citation("Waypoint Math", "Competency", "M.6.RP.5"),
        _citation(GUIDE, "How to talk with your child about levels"),
        _citation("guides/parents/faq-worries.en.md", "Is my child behind?"),
    )
    result = score(_case(), Answer(text, "explain_level", "en", citations))
    assert result.passed and result.facts == (True, True)
    assert result.answered_first  # "Developing" is in the second sentence
    assert result.precision == 0.5  # the right section and the code; not the other two
    assert result.text_language == "en" and result.grade is not None

    late = "Here is what the guides say:\n- Levels go from 1 to 4.\n- Developing means partway."
    missed = score(_case(), Answer(late, "explain_level", "en"))
    assert missed.facts == (True, False) and not missed.passed
    assert not missed.answered_first and missed.precision == 0.0
    assert missed.as_json()["missing_facts"] == ["not a failing | on the way"]


def test_a_subsection_belongs_to_its_section_and_a_bare_path_accepts_any_section() -> None:
    case = _case(
        cite=(f"{GUIDE}#Why a 2 is not a failing grade", "guides/parents/what-is-cbe.en.md")
    )
    citations = (
        _citation(GUIDE, "Why a 2 is not a failing grade > An example"),
        _citation("guides/parents/what-is-cbe.en.md", "What CBE is"),
        _citation(GUIDE, "Why a 2 is not a failing grade, again"),
    )
    result = score(case, Answer("Developing, not a failing grade.", "explain_cbe", "en", citations))
    assert result.accepted_citations == (True, True, False)


def test_the_class_report_is_a_source_only_a_teachers_class_question_can_name() -> None:
    report = _citation(CLASS_REPORT, "7 Dec")
    code = _citation("Waypoint Math", "Competency", "M.6.RP.4")
    asked = _case(role="teacher", user="t.okafor", kind="class_question", cite=("M.6.RP.4",))
    answer = Answer("Stuck in 6A: M.6.RP.4.", "class_report", "en", (report, code))
    assert score(asked, answer).accepted_citations == (False, True)
    named = replace(asked, cite=("report:class", "M.6.RP.4"))
    assert score(named, answer).accepted_citations == (True, True)
    # a guide or a code never matches the report, nor the report a guide
    assert score(named, Answer("x", "class_report", "en", (_citation(GUIDE),))).precision == 0.0
    problems = knowledge_problems(
        [named, replace(named, id="ans-904", role="parent", user=None)], BUNDLED_KNOWLEDGE
    )
    assert "ans-904: cite report:class: only a teacher's class question" in problems
    assert not [p for p in problems if p.startswith("ans-900")]


def test_refusals_pass_only_out_of_scope_and_count_as_wrongly_declined_in_scope() -> None:
    refusal = Answer("I couldn't find an answer to that.", "out_of_scope", "en", abstained=True)
    off_topic = _case(id="ans-910", in_scope=False, kind="out_of_scope", facts=(), cite=())
    in_scope = _case(id="ans-911", facts=(("couldn't find",),))
    spanish = _case(id="ans-912", language="es", in_scope=False, kind="out_of_scope")
    results = [score(off_topic, refusal), score(in_scope, refusal), score(spanish, refusal)]
    assert [r.passed for r in results] == [True, False, True]
    group = group_quality(results)
    assert group.pass_rate == pytest.approx(2 / 3)
    assert group.out_of_scope_declined == 1.0 and group.wrongly_declined == 1
    assert group.language_match == pytest.approx(2 / 3)  # the Spanish case got English
    assert group.text_language_match == pytest.approx(2 / 3)
    assert group.answered_first == 0.0 and group.grade_median is None


def test_gates_are_the_answer_keys_of_the_thresholds_file(tmp_path: Path) -> None:
    path = tmp_path / "thresholds.json"
    path.write_text(
        json.dumps(
            {
                "hybrid_recall_at_5": 0.9,
                "answer_pass_rate": 0.4,
                "answer_pass_rate_es": 0.3,
                "answer_pass_rate_how_set": "text",
            }
        )
    )
    gates = answer_gates(path)
    assert gates == {"answer_pass_rate": 0.4, "answer_pass_rate_es": 0.3}
    assert gate_failures({"answer_pass_rate": 0.41, "answer_pass_rate_es": 0.3}, gates) == []
    failures = gate_failures({"answer_pass_rate": 0.39}, gates)
    assert failures == [
        "answer_pass_rate 0.390 is below the gate 0.4",
        "answer_pass_rate_es missing is below the gate 0.3",
    ]
    assert set(answer_gates()) >= {"answer_pass_rate"}
