"""Answer quality without an LLM: intent accuracy, citation precision and recall against the
gold passages, abstention on out-of-scope questions, language match, parent readability.

Run: python -m evals.answers  (writes evals/reports/answers.md and answers.json)
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, cast

from assistant.chat.types import AskContext, Role
from assistant.container import Assistant, build_assistant
from assistant.settings import BUNDLED_KNOWLEDGE, Settings
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


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as home:
        assistant = build_assistant(Settings(profile="test", home=Path(home)))
        assistant.indexer.ingest([BUNDLED_KNOWLEDGE])
        return {
            "machine": machine(),
            "intents": intent_accuracy(assistant),
            "citations": citation_quality(assistant),
            "out_of_scope": out_of_scope(assistant),
        }


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
        ]
    )


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
    }
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "answers.json").write_text(json.dumps(results, indent=2))
    report = render(results)
    (REPORTS / "answers.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
