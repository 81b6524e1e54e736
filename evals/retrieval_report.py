"""The retrieval report: a JSON document, and the Markdown rendered from it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evals.gold_set import GoldQuestion
from evals.harness import table
from evals.ranking_quality import (
    METRICS,
    Quality,
    QuestionResult,
    mean_quality,
    quality_by,
    relevant_units,
)
from evals.retrieval_sweep import Sweep

METRIC_NAMES = {
    "recall@5": "recall@5",
    "mrr@10": "MRR@10",
    "ndcg@10": "nDCG@10",
    "hit_rate@5": "hit@5",
}


def quality_json(quality: Quality) -> dict[str, Any]:
    return {"questions": quality.questions, **{m: round(quality[m], 4) for m in METRICS}}


def system_json(description: str, results: Sequence[QuestionResult]) -> dict[str, Any]:
    return {
        "description": description,
        "overall": quality_json(mean_quality(results)),
        "by_audience": {k: quality_json(v) for k, v in quality_by(results, _audience).items()},
        "by_kind": {k: quality_json(v) for k, v in quality_by(results, _kind).items()},
    }


def _audience(question: GoldQuestion) -> str:
    return question.audience


def _kind(question: GoldQuestion) -> str:
    return question.kind


def ratios_json(systems: Mapping[str, Any], target: str) -> dict[str, dict[str, float | None]]:
    ours = systems[target]["overall"]
    out: dict[str, dict[str, float | None]] = {}
    for name, system in systems.items():
        if name == target:
            continue
        theirs = system["overall"]
        out[f"{target} / {name}"] = {
            m: round(ours[m] / theirs[m], 3) if theirs[m] else None for m in METRICS
        }
    return out


def misses_json(results: Sequence[QuestionResult]) -> list[dict[str, Any]]:
    """Questions with no relevant unit in the top five, and what came first instead."""
    return [
        {
            "id": r.question.id,
            "audience": r.question.audience,
            "kind": r.question.kind,
            "question": r.question.question,
            "expected": sorted(relevant_units(r.question)),
            "first": r.ranking[0] if r.ranking else None,
            "first_relevant_rank": r.first_relevant_rank,
        }
        for r in results
        if r.scores["hit_rate@5"] == 0
    ]


def sweeps_json(sweeps: Sequence[Sweep], when: str) -> dict[str, Any]:
    return {
        "ran": when,
        "sweeps": [
            {
                "parameter": sweep.parameter,
                "judged_on": sweep.judge,
                "best_by_rule": sweep.chosen().label,
                "rows": [
                    {
                        "label": row.label,
                        "overrides": row.overrides,
                        "default": row.default,
                        "chunks": row.chunks,
                        "systems": {k: quality_json(v) for k, v in row.systems.items()},
                    }
                    for row in sweep.rows
                ],
            }
            for sweep in sweeps
        ],
    }


# Markdown ------------------------------------------------------------------------------------
def _metric_cells(scores: Mapping[str, Any]) -> list[str]:
    return [f"{scores[m]:.3f}" for m in METRICS]


def _metric_header(first: str) -> list[str]:
    return [first, "questions", *(METRIC_NAMES[m] for m in METRICS)]


def _grouped_table(systems: Mapping[str, Any], group: str) -> str:
    rows = []
    for name, system in systems.items():
        for key, scores in system[group].items():
            rows.append([key, name, scores["questions"], *_metric_cells(scores)])
    rows.sort(key=lambda row: (str(row[0]), list(systems).index(str(row[1]))))
    header = _metric_header(group.removeprefix("by_"))
    return table([header[0], "system", *header[1:]], rows)


def _sweep_markdown(sweeps: Mapping[str, Any]) -> list[str]:
    lines = [f"Sweeps ran {sweeps['ran']}.", ""]
    for sweep in sweeps["sweeps"]:
        names = list(sweep["rows"][0]["systems"])
        header = ["setting", "chunks"]
        for name in names:
            header += [f"{name} recall@5", f"{name} MRR@10", f"{name} nDCG@10"]
        rows = []
        for row in sweep["rows"]:
            label = f"**{row['label']}** (default)" if row["default"] else row["label"]
            cells: list[object] = [label, row["chunks"] if row["chunks"] is not None else "-"]
            for name in names:
                s = row["systems"][name]
                cells += [f"{s['recall@5']:.3f}", f"{s['mrr@10']:.3f}", f"{s['ndcg@10']:.3f}"]
            rows.append(cells)
        lines += [f"### {sweep['parameter']}", "", table(header, rows), ""]
        lines += [_choice(sweep), ""]
    return lines


def _choice(sweep: Mapping[str, Any]) -> str:
    best = sweep.get("best_by_rule", sweep.get("chosen"))
    default = next(row["label"] for row in sweep["rows"] if row["default"])
    judged = sweep.get("judged_on", "hybrid")
    if best == default:
        return f"Kept the default, **{default}**: no variant clearly wins (judged on {judged})."
    return (
        f"Best by the rule (judged on {judged}): **{best}**. The default, {default}, is not "
        "changed by this report: see the notes."
    )


def render_markdown(report: Mapping[str, Any]) -> str:
    systems = report["systems"]
    overall_rows = [
        [name, s["description"], s["overall"]["questions"], *_metric_cells(s["overall"])]
        for name, s in systems.items()
    ]
    ratio_rows = [
        [name, *(f"{v:.2f}" if v else "-" for v in r.values())]
        for name, r in report["ratios"].items()
    ]
    settings = ", ".join(f"{k} {v}" for k, v in report["settings"].items())
    lines = [
        "# Retrieval quality",
        "",
        f"Machine: {report['machine']}. Corpus: the bundled knowledge ({report['corpus']['files']} "
        f"files, {report['corpus']['chunks']} chunks). Gold: {report['questions']} questions "
        f"(`evals/gold/retrieval.jsonl`), each retrieved with its asker's audience as filter. "
        f"Settings: {settings}. Run took {report['seconds']:.0f} s.",
        "",
        "Metrics are over *relevance units* (a guide or resource file, or a competency code): "
        "passages of the same unit count once, at the rank of the first; scored with ranx.",
        "",
        "## Overall",
        "",
        table(["system", "what it is", *_metric_header("")[1:]], overall_rows),
        "",
        table(["ratio", *(METRIC_NAMES[m] for m in METRICS)], ratio_rows),
        "",
        "## Per audience",
        "",
        _grouped_table(systems, "by_audience"),
        "",
        "## Per kind of question",
        "",
        _grouped_table(systems, "by_kind"),
        "",
        f"## Hybrid misses: no relevant unit in the top five ({len(report['misses'])})",
        "",
    ]
    miss_rows = [
        [
            m["id"],
            m["kind"],
            m["question"].replace("|", "/"),
            ", ".join(m["expected"]),
            m["first"] or "-",
            m["first_relevant_rank"] or "> 10",
        ]
        for m in report["misses"]
    ]
    lines += [
        table(["id", "kind", "question", "expected", "ranked first", "first relevant"], miss_rows),
        "",
    ]
    lines += ["## Sweeps", ""]
    if report.get("sweeps"):
        lines += _sweep_markdown(report["sweeps"])
    else:
        lines += ["Not run yet: `python -m evals.retrieval --sweep`.", ""]
    lines += report.get("notes", [])
    return "\n".join(lines).rstrip() + "\n"
