"""Plain-text views of next steps and class reports for the terminal, and the class report as
CSV (formula-safe: names and notes come from imported files)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TextIO

from assistant.csv_safety import write_csv
from assistant.recommend.class_report import ClassReport
from assistant.recommend.reasons import day_label, level_label
from assistant.recommend.service import NextStepsReport

WIDTH = 100
KIND = {"finish": "finish first", "ready": "ready"}


def render_next_steps(report: NextStepsReport) -> str:
    learner = report.learner
    day = f"{day_label(report.as_of, report.as_of)} {report.as_of.year}"
    lines = [
        f"Next steps for {learner.name} ({learner.id}) as of {day} (mastery model: {report.model})"
    ]
    if not report.steps:
        lines.append(
            "Nothing is ready right now: every competency in scope is proficient or "
            "still needs a prerequisite."
        )
    for number, step in enumerate(report.steps, start=1):
        now = step.current_level
        status = "not started"
        if now:
            status = f"now {level_label(now.level)} {now.label}, {now.evidence_count} pieces"
            if now.last_observed:
                status += f", last {day_label(now.last_observed, report.as_of)}"
        lines.append("")
        lines.append(f"{number}. [{KIND[step.kind]}] {step.code} {step.title} ({status})")
        lines += _wrapped("Why: " + step.reason)
        for level in step.aim:
            lines += _wrapped(
                f"Aim for {level_label(level.score)} {level.label}: {level.description}"
            )
        if step.tip:
            lines += _wrapped("Tip: " + step.tip)
        for resource in step.resources:
            lines += _wrapped(f"Practice: {resource.title} ({resource.path})")
    return "\n".join(lines)


def render_class_report(report: ClassReport) -> str:
    info = report.school_class
    lines = [
        f"{info.name} ({info.id}): {len(report.matrix)} learners, as of "
        f"{day_label(report.as_of, report.as_of)} {report.as_of.year} "
        f"(mastery model: {report.model})",
        "",
        "Levels (. = no evidence yet, * = proficient):",
    ]
    short = [_short(code) for code in report.competencies]
    width = max([len(c) for c in short] + [3])
    name_width = max([len(r.name) for r in report.matrix] + [8])
    lines.append(" " * (name_width + 7) + " ".join(c.rjust(width) for c in short))
    for row in report.matrix:
        cells = [
            (level_label(level) + ("*" if ok else "") if level is not None else ".").rjust(width)
            for level, ok in zip(row.levels, row.proficient, strict=True)
        ]
        lines.append(f"{row.learner_id:<6} {row.name:<{name_width}} " + " ".join(cells))
    lines += ["", "Where learners are stuck:"]
    for stuck in report.stuck:
        lines += _wrapped(f"- {stuck.code} {stuck.title}: {stuck.note}", "", "  ")
    if not report.stuck:
        lines.append("- nowhere yet")
    lines += ["", "Flexible groups (per competency, short-lived):"]
    for group in report.groups:
        part = f" (group {group.part} of {group.parts})" if group.parts > 1 else ""
        who = ", ".join(f"{m.name} ({m.learner_id})" for m in group.members)
        lines += _wrapped(f"- {group.focus} {group.focus_title}{part}: {who}", "", "  ")
        lines += _wrapped(group.reason, "  ", "  ")
        if group.activity:
            where = f" › {group.activity.section}" if group.activity.section else ""
            lines += _wrapped(f"Mini-lesson: {group.activity.guide}{where}", "  ", "    ")
            if group.activity.exit_check:
                lines += _wrapped(f"Exit check: {group.activity.exit_check}", "  ", "    ")
    if not report.groups:
        lines.append("- none")
    if report.conferences:
        lines += ["", "One-to-one conferences:"]
        for meeting in report.conferences:
            lines += _wrapped(
                f"- {meeting.name} ({meeting.learner_id}): {meeting.reason}", "", "  "
            )
    lines += ["", "Tier suggestions (the teacher decides):"]
    for tier in report.tiers:
        text = f"- {tier.name} ({tier.learner_id}): {tier.tier}. " + " ".join(tier.reasons)
        lines += _wrapped(text, "", "  ")
    return "\n".join(lines)


def class_report_table(report: ClassReport) -> tuple[list[str], list[list[str]]]:
    """The learner × competency matrix as a header and rows: learner_id, name, one level per
    competency (empty: no evidence yet), proficient (how many), tier."""
    header = ["learner_id", "name", *report.competencies, "proficient", "tier"]
    tiers = {tier.learner_id: tier.tier for tier in report.tiers}
    rows = [
        [
            row.learner_id,
            row.name,
            *("" if level is None else f"{level:g}" for level in row.levels),
            str(sum(row.proficient)),
            tiers.get(row.learner_id, ""),
        ]
        for row in report.matrix
    ]
    return header, rows


def write_class_report_csv(report: ClassReport, out: Path | TextIO) -> int:
    """The class report matrix as a CSV file or into a text stream; returns the rows written."""
    header, rows = class_report_table(report)
    return write_csv(rows, header, out)


def _short(code: str) -> str:
    parts = code.split(".")
    return ".".join(parts[-3:]) if len(parts) > 3 else code


def _wrapped(text: str, first: str = "   ", rest: str = "     ") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest)
