"""Answer quality without an LLM: intent accuracy, citation precision and recall against the
gold passages, abstention on out-of-scope questions, language match, parent readability; then
the answers to real questions of students, parents and teachers (evals/gold/answers.jsonl),
asked of the chat engine with each case's role, user and language, scored per role and per
language against the facts a good answer must convey (evals/answer_quality.py).

Run: python -m evals.answers  (writes evals/reports/answers.md and answers.json; exits 1 when a
figure falls below its gate in evals/thresholds.json, keys starting with "answer_")
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, cast

from assistant.chat.types import AskContext, Role
from assistant.container import Assistant, build_assistant
from assistant.demo.load import load_demo
from assistant.language import detect_language
from assistant.learners.access import LOCAL_ADMIN
from assistant.settings import BUNDLED_KNOWLEDGE, Settings
from evals.answer_gold import load_answer_cases
from evals.answer_quality import (
    GATE_PREFIX,
    CaseResult,
    GroupQuality,
    answer_gates,
    gate_failures,
    group_quality,
    grouped,
    score,
)
from evals.harness import machine, table
from evals.readability import grade_level

GOLD = Path(__file__).parent / "gold"
REPORTS = Path(__file__).parent / "reports"
ROLE_OF = {"students": "student", "parents": "parent", "teachers": "teacher"}


def load(name: str) -> list[dict[str, Any]]:
    text = (GOLD / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def intent_accuracy(assistant: Assistant) -> dict[str, Any]:
    classifier = assistant.chat.classifier
    by_role: dict[str, list[bool]] = defaultdict(list)
    by_intent: dict[str, list[bool]] = defaultdict(list)
    confusions: Counter[tuple[str, str]] = Counter()
    for case in load("intents.jsonl"):
        decision = classifier.classify(case["message"], case["role"], has_history=True)
        right = decision.intent == case["intent"]
        by_role[case["role"]].append(right)
        by_intent[case["intent"]].append(right)
        if not right:
            confusions[(case["intent"], decision.intent)] += 1
    everything = [r for rows in by_role.values() for r in rows]
    return {
        "overall": _share(everything),
        "cases": len(everything),
        "by_role": {k: _share(v) for k, v in sorted(by_role.items())},
        "by_intent": {k: _share(v) for k, v in sorted(by_intent.items())},
        "confusions": [[e, p, n] for (e, p), n in confusions.most_common(8)],
    }


def citation_quality(assistant: Assistant) -> dict[str, Any]:
    precision: dict[str, list[float]] = defaultdict(list)
    recall: dict[str, list[float]] = defaultdict(list)
    language_match: list[bool] = []
    abstained = 0
    grades: list[float] = []
    seconds: list[float] = []
    for case in load("retrieval.jsonl"):
        role = _role(case["audience"])
        started = time.perf_counter()
        answer = assistant.chat.ask(case["question"], AskContext(role=role))
        seconds.append(time.perf_counter() - started)
        wanted_sources = set(case.get("relevant_sources") or [])
        wanted_codes = set(case.get("relevant_codes") or [])
        language_match.append(answer.language == case["language"])
        if answer.abstained:
            abstained += 1
            recall[case["audience"]].append(0.0)
            continue
        hits = [
            c.source in wanted_sources or (c.code or "") in wanted_codes for c in answer.citations
        ]
        precision[case["audience"]].append(_share(hits) if hits else 0.0)
        found = {c.source for c in answer.citations} & wanted_sources
        found |= {c.code for c in answer.citations if c.code} & wanted_codes
        recall[case["audience"]].append(len(found) / max(len(wanted_sources | wanted_codes), 1))
        if role == "parent" and case["language"] == "en":
            grades.append(grade_level(answer.text))
    all_precision = [p for rows in precision.values() for p in rows]
    all_recall = [r for rows in recall.values() for r in rows]
    return {
        "questions": len(language_match),
        "citation_precision": _mean(all_precision),
        "citation_recall": _mean(all_recall),
        "by_audience": {
            a: {"precision": _mean(precision[a]), "recall": _mean(recall[a])}
            for a in sorted(recall)
        },
        "abstained_in_scope": abstained,
        "language_match": _share(language_match),
        "parent_answer_grade_median": statistics.median(grades) if grades else None,
        "seconds_median": statistics.median(seconds),
    }


def out_of_scope(assistant: Assistant) -> dict[str, Any]:
    cases = load("out_of_scope.jsonl")
    declined = [
        assistant.chat.ask(c["question"], AskContext(role=_role(c["audience"]))).abstained
        for c in cases
    ]
    return {"questions": len(cases), "abstained": _share(declined)}


def answer_quality(assistant: Assistant) -> dict[str, Any]:
    """Every case of evals/gold/answers.jsonl asked once, in a new conversation, as its role,
    user and language; needs the demo school loaded (questions about the asker's own data)."""
    results: list[CaseResult] = []
    seconds: list[float] = []
    cases = load_answer_cases()
    for case in cases:
        context = AskContext(role=case.role, user_id=case.user, language=case.language)
        started = time.perf_counter()
        answer = assistant.chat.ask(case.question, context)
        seconds.append(time.perf_counter() - started)
        results.append(score(case, answer))
    overall = group_quality(results)
    by_role = grouped(results, lambda r: r.case.role)
    by_language = grouped(results, lambda r: r.case.language)
    return {
        "cases": len(results),
        "overall": overall.as_json(),
        "by_role": {k: v.as_json() for k, v in by_role.items()},
        "by_language": {k: v.as_json() for k, v in by_language.items()},
        "by_role_language": {k: v.as_json() for k, v in grouped(results, _role_language).items()},
        "by_kind": {
            k: {"cases": v.cases, "pass_rate": round(v.pass_rate, 3)}
            for k, v in grouped(results, lambda r: r.case.kind).items()
        },
        "question_language_detected": _share(
            [detect_language(c.question) == c.language for c in cases]
        ),
        "gated": _gated_figures(overall, by_role, by_language),
        "seconds_median": statistics.median(seconds) if seconds else 0.0,
        "failures": [r.as_json() for r in results if not r.passed],
    }


def _role_language(result: CaseResult) -> str:
    return f"{result.case.role} / {result.case.language}"


def _gated_figures(
    overall: GroupQuality, by_role: dict[str, GroupQuality], by_language: dict[str, GroupQuality]
) -> dict[str, float]:
    """The figures a gate in evals/thresholds.json may name: the pass rate overall, per role
    and per language."""
    figures = {f"{GATE_PREFIX}pass_rate": overall.pass_rate}
    for name, group in {**by_role, **by_language}.items():
        figures[f"{GATE_PREFIX}pass_rate_{name}"] = group.pass_rate
    return {k: round(v, 3) for k, v in figures.items()}


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as home:
        assistant = build_assistant(Settings(profile="test", home=Path(home)))
        assistant.indexer.ingest([BUNDLED_KNOWLEDGE])
        results = {
            "machine": machine(),
            "intents": intent_accuracy(assistant),
            "citations": citation_quality(assistant),
            "out_of_scope": out_of_scope(assistant),
        }
        # The figures above are measured without learner data, as they always were; the
        # answer-quality cases include questions about the asker's own data.
        load_demo(
            assistant.roster_importer,
            assistant.evidence_importer,
            assistant.overrides,
            LOCAL_ADMIN,
        )
        results["answer_quality"] = answer_quality(assistant)
        return results


def render(results: dict[str, Any]) -> str:
    intents, citations, oos = results["intents"], results["citations"], results["out_of_scope"]
    rows = [
        ["intent accuracy", f"{intents['overall']:.3f}", f"{intents['cases']} labelled messages"],
        [
            "citation precision",
            f"{citations['citation_precision']:.3f}",
            f"{citations['questions']} gold questions",
        ],
        ["citation recall", f"{citations['citation_recall']:.3f}", ""],
        ["abstained on in-scope questions", str(citations["abstained_in_scope"]), ""],
        [
            "abstained on out-of-scope questions",
            f"{oos['abstained']:.3f}",
            f"{oos['questions']} questions",
        ],
        ["answer in the asked language", f"{citations['language_match']:.3f}", ""],
        [
            "parent answers, median FK grade",
            f"{citations['parent_answer_grade_median']:.1f}",
            "English parent questions",
        ],
        ["answer time, median (s)", f"{citations['seconds_median']:.3f}", "warm, no LLM"],
    ]
    per_audience = [
        [a, f"{v['precision']:.3f}", f"{v['recall']:.3f}"]
        for a, v in citations["by_audience"].items()
    ]
    per_role = [[r, f"{v:.3f}"] for r, v in intents["by_role"].items()]
    per_intent = [[i, f"{v:.3f}"] for i, v in intents["by_intent"].items()]
    return "\n".join(
        [
            "# Answer quality (extractive composer, no LLM)",
            "",
            f"Machine: {results['machine']}.",
            "",
            table(["measure", "value", "on"], rows),
            "",
            "## Citations per audience",
            "",
            table(["audience", "precision", "recall"], per_audience),
            "",
            "## Intent accuracy per role",
            "",
            table(["role", "accuracy"], per_role),
            "",
            "## Intent accuracy per intent",
            "",
            table(["intent", "accuracy"], per_intent),
            "",
            "The intent rules and examples in prompts/intents.yaml were tuned while looking at "
            "this labelled set, so the figure is a development-set accuracy, not held-out.",
            "",
            *render_answer_quality(results["answer_quality"], results.get("gates", {})),
        ]
    )


QUALITY_COLUMNS = (
    "group",
    "cases",
    "pass",
    "facts found",
    "answered first",
    "sources / answer",
    "citation precision",
    "out of scope declined",
    "in scope declined",
    "language (field / text)",
    "grade (median)",
)


def _quality_row(name: str, q: dict[str, Any]) -> list[str]:
    declined = (
        f"{q['out_of_scope_declined']:.2f} of {q['out_of_scope_cases']}"
        if q["out_of_scope_cases"]
        else "–"
    )
    grade = q["grade_median"]
    return [
        name,
        str(q["cases"]),
        f"{q['pass_rate']:.3f}",
        f"{q['facts_found']:.3f}",
        f"{q['answered_first']:.3f}",
        f"{q['sections_cited']:.2f}",
        f"{q['citation_precision']:.3f}",
        declined,
        f"{q['wrongly_declined']} of {q['in_scope_cases']}",
        f"{q['language_match']:.2f} / {q['text_language_match']:.2f}",
        "–" if grade is None else f"{grade:.1f}",
    ]


def render_answer_quality(quality: dict[str, Any], gates: dict[str, Any]) -> list[str]:
    rows = [_quality_row("all", quality["overall"])]
    rows += [_quality_row(k, v) for k, v in quality["by_role"].items()]
    rows += [_quality_row(k, v) for k, v in quality["by_language"].items()]
    rows += [_quality_row(k, v) for k, v in quality["by_role_language"].items()]
    kinds = [[k, str(v["cases"]), f"{v['pass_rate']:.3f}"] for k, v in quality["by_kind"].items()]
    gate_lines = [
        f"- `{name}` {quality['gated'].get(name, 0.0):.3f} (gate {value})"
        for name, value in gates.items()
    ] or ["- none set"]
    return [
        "## Answers to real questions, per role and language",
        "",
        f"{quality['cases']} questions typed the way students, parents and teachers type them "
        "(`evals/gold/answers.jsonl`), each asked once of the chat engine with its role, demo "
        "user and language.",
        "",
        table(QUALITY_COLUMNS, rows),
        "",
        "- **pass**: an in-scope answer is not a refusal and says every fact of its case (each "
        "fact a set of patterns, any one counts); an out-of-scope answer declines.",
        "- **facts found**: share of single facts found (in-scope cases). **answered first**: a "
        "fact is in the first two sentences (the intro line counts as a sentence).",
        "- **sources / answer**: distinct sources cited (a guide section or a competency) per "
        "answered in-scope question; **citation precision**: share of them the case accepts.",
        "- **declined**: refused, or routed out of scope. **language**: the answer's language "
        "field, and whether its text reads as that language (word counts, "
        "`assistant/language.py`).",
        "- **grade**: median Flesch-Kincaid grade (English) or Crawford grade (Spanish) of the "
        "answered in-scope answers (`evals/readability.py`).",
        f"- Questions whose language is detected correctly from the text alone: "
        f"{quality['question_language_detected']:.3f} (the app's default when no language is "
        "chosen).",
        f"- Answer time, median: {quality['seconds_median']:.3f} s.",
        "",
        "### Pass rate per kind of question",
        "",
        table(["kind", "cases", "pass"], kinds),
        "",
        "### Regression gates (`evals/thresholds.json`)",
        "",
        *gate_lines,
        "",
        "Failing cases, with the facts they missed and the start of each answer, are listed "
        "under `answer_quality.failures` in `answers.json`.",
        "",
    ]


def _role(audience: str) -> Role:
    return cast(Role, ROLE_OF.get(audience, "student"))


def _share(values: list[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def main() -> None:
    results = run()
    results["headline"] = {
        "intent_accuracy": round(results["intents"]["overall"], 3),
        "citation_precision": round(results["citations"]["citation_precision"], 3),
        "citation_recall": round(results["citations"]["citation_recall"], 3),
        "out_of_scope_abstained": round(results["out_of_scope"]["abstained"], 3),
        "answer_pass_rate": results["answer_quality"]["gated"][f"{GATE_PREFIX}pass_rate"],
    }
    gates = answer_gates()
    results["gates"] = gates
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "answers.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    report = render(results)
    (REPORTS / "answers.md").write_text(report)
    print(report)
    failures = gate_failures(results["answer_quality"]["gated"], gates)
    for failure in failures:
        print(f"gate failed: {failure}", file=sys.stderr)
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
