"""The quality review pack: the indicators of a period in the shape a peer-led school review
uses, with a plain explanation per figure and room for the reviewing team's notes.

`build_pack` gathers rows (section, item, value, explanation) from the school's responsiveness
figures, the school's what-worked results and, for a leader's or an admin's pack only, the
equity figures (`equity_rows`, the hook to the figures by learner attribute group). The words
come from the caller (`Words`: a key of prompts/ui.yaml to its text in the reader's language),
so the pack is English or Spanish like the page. `pack_csv` and `pack_pdf` (reportlab) write it.
No learner is named anywhere in the pack.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.csv_safety import csv_text
from assistant.leaders.equity import EquityFigures
from assistant.leaders.period import Period
from assistant.leaders.school import Figures, SchoolFigures
from assistant.leaders.teams import TeamResults
from assistant.leaders.what_worked import Result

Words = Callable[..., str]  # words(key, **values) -> text
NOTE_LINES = 4  # blank lines left for the reviewers' notes after each section


@dataclass(frozen=True)
class PackRow:
    section: str
    item: str
    value: str
    explanation: str


@dataclass(frozen=True)
class ReviewPack:
    title: str
    period: Period
    rows: tuple[PackRow, ...]
    sections: tuple[str, ...]  # in order, each followed by room for notes


def build_pack(
    words: Words,
    school: SchoolFigures,
    teams: TeamResults | None,
    equity: EquityFigures | None = None,
) -> ReviewPack:
    """`equity`: only for a leader's or an admin's pack (never a teacher's)."""
    rows = responsiveness_rows(words, school)
    if teams is not None:
        rows += what_worked_rows(words, teams)
    if equity is not None:
        rows += equity_rows(words, equity)
    sections = tuple(dict.fromkeys(r.section for r in rows))
    return ReviewPack(words("pack_title"), school.period, tuple(rows), sections)


def responsiveness_rows(words: Words, found: SchoolFigures) -> list[PackRow]:
    section = words("pack_responsiveness")
    rows = _figure_rows(words, section, words("pack_school"), found.school)
    for item in found.classes:
        rows += _figure_rows(words, section, f"{item.class_id}: {item.name}", item.figures)
    return rows


def _figure_rows(words: Words, section: str, scope: str, f: Figures) -> list[PackRow]:
    spread = f.time_to_proficiency
    values = {
        "not_ready": _share(f.shares.not_ready_share),
        "repeated": _share(f.shares.mastered_share),
        "quiet": str(f.quiet),
        "stuck": str(len(f.stuck.learners)),
        "time": "–" if spread is None else f"{spread.median:g} ({spread.q1:g}–{spread.q3:g})",
        "pace": "–" if f.pace is None else f"{f.pace:g}",
    }
    return [
        PackRow(section, f"{scope} · {words(f'fig_{key}')}", value, words(f"fig_{key}_def"))
        for key, value in values.items()
    ]


def what_worked_rows(words: Words, teams: TeamResults) -> list[PackRow]:
    section = words("pack_what_worked")
    rows: list[PackRow] = []
    for point in teams.points:
        for done in point.activities:
            where = ", ".join(done.classes)
            rows.append(
                PackRow(
                    section,
                    f"{point.code} · {done.activity} ({where})",
                    result_text(words, done.result),
                    words("ww_result_def"),
                )
            )
        rows.append(
            PackRow(
                section,
                f"{point.code} · {words('ww_comparison')}",
                result_text(words, point.comparison),
                words("ww_comparison_def"),
            )
        )
    if not rows:
        rows.append(PackRow(section, words("ww_none"), "–", words("ww_result_def")))
    return rows


def equity_rows(words: Words, equity: EquityFigures) -> list[PackRow]:
    """The hook to the equity figures (leaders/equity.py): one row per attribute group and
    figure, hidden groups said as hidden; leaders' and admins' packs only."""
    section = words("pack_equity")
    rows: list[PackRow] = []
    for attribute in equity.attributes:
        for group in attribute.groups:
            label = f"{attribute.attribute} = {group.value or words('pack_not_recorded')}"
            if group.hidden:
                rows.append(PackRow(section, label, words("pack_hidden"), words("pack_hidden_def")))
                continue
            for figure in group.figures:
                value = "–" if figure.value is None else f"{figure.value:.3g}"
                rest = "–" if figure.rest is None else f"{figure.rest:.3g}"
                gap = ""
                if figure.gap is not None:
                    interval = figure.gap.interval
                    gap = f"; 90%: {interval.low:.3g} – {interval.high:.3g}"
                    gap += f" ({words('pack_flagged')})" if figure.gap.flagged else ""
                rows.append(
                    PackRow(
                        section,
                        f"{label} · {words(f'fig_{figure.figure}')}",
                        f"{value} / {rest}{gap}",
                        words("pack_equity_def"),
                    )
                )
    return rows


def result_text(words: Words, result: Result) -> str:
    if result.median_days is None:
        return words("ww_result_none", reached=result.reached, learners=result.learners)
    days = f"{result.median_days:g}"
    return words("ww_result", reached=result.reached, learners=result.learners, days=days)


def pack_csv(pack: ReviewPack, words: Words) -> str:
    """Formula-safe CSV: one row per figure, and an empty notes column for the reviewers."""
    header = [
        words("pack_section"),
        words("pack_item"),
        words("pack_value"),
        words("pack_explanation"),
        words("pack_notes"),
    ]
    body = [[r.section, r.item, r.value, r.explanation, ""] for r in pack.rows]
    return csv_text(body, header)


def pack_pdf(pack: ReviewPack, words: Words) -> bytes:
    """An A4 PDF: per section a table of figures with their explanations, then ruled lines for
    the reviewing team's notes."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, title=pack.title, leftMargin=1.5 * cm, rightMargin=1.5 * cm
    )
    story: list[object] = [
        Paragraph(_escape(pack.title), styles["Title"]),
        Paragraph(_escape(words("pack_period", period=pack.period.label())), styles["Normal"]),
        Paragraph(_escape(words("pack_intro")), small),
        Spacer(1, 0.4 * cm),
    ]
    for section in pack.sections:
        story.append(Paragraph(_escape(section), styles["Heading2"]))
        data = [
            [
                Paragraph(f"<b>{_escape(words(key))}</b>", small)
                for key in ("pack_item", "pack_value", "pack_explanation")
            ]
        ]
        data += [
            [Paragraph(_escape(r.item), small), Paragraph(_escape(r.value), small), None]
            for r in pack.rows
            if r.section == section
        ]
        explanations = [r.explanation for r in pack.rows if r.section == section]
        for row, text in zip(data[1:], _first_only(explanations), strict=True):
            row[2] = Paragraph(_escape(text), small)
        table = Table(data, colWidths=[6 * cm, 3.5 * cm, 8.5 * cm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ]
            )
        )
        story += [table, Spacer(1, 0.3 * cm), Paragraph(_escape(words("pack_notes")), small)]
        lines = Table([[""]] * NOTE_LINES, colWidths=[18 * cm], rowHeights=[0.8 * cm] * NOTE_LINES)
        lines.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.grey)]))
        story += [lines, Spacer(1, 0.5 * cm)]
    document.build(story)
    return buffer.getvalue()


def _first_only(explanations: Sequence[str]) -> list[str]:
    """An explanation is printed once per section, where it first applies."""
    seen: set[str] = set()
    found = []
    for text in explanations:
        found.append("" if text in seen else text)
        seen.add(text)
    return found


def _share(value: float | None) -> str:
    return "–" if value is None else f"{round(100 * value)}%"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
