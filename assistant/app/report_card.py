"""A printable one-page progress report of one learner, for a family conference: a standalone
HTML file with a print stylesheet (A4 or Letter, one page), in the reader's language.

It holds the same facts as the parent's page, shortest first: the opening sentences, the next
steps (headline and tip), then each area's skills (mastered ones by title, the ones in progress
and ready with their level). No script, no image, no address to fetch: every text is escaped,
and the file opens and prints the same on any machine, offline.
"""

from __future__ import annotations

from datetime import date
from html import escape

from assistant.app import progress_words as words
from assistant.app.progress import LearnerProgress
from assistant.app.texts import UiTexts

STEPS_SHOWN = 3
STYLE = """
@page { size: auto; margin: 10mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; font-size: 9pt;
  line-height: 1.25; color: #111; margin: 0 auto; max-width: 190mm; padding: 8mm 0; }
h1 { font-size: 16pt; margin: 0 0 1mm; }
h2 { font-size: 11.5pt; margin: 4mm 0 1.5mm; border-bottom: 1px solid #999; }
p { margin: 0 0 1.5mm; }
.meta { color: #444; margin-bottom: 3mm; }
ol { margin: 0; padding-left: 5mm; }
li { margin-bottom: 1mm; break-inside: avoid; }
.tip { color: #333; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1mm; }
th, td { text-align: left; padding: 0.4mm 1.5mm; border-bottom: 1px solid #ddd;
  vertical-align: top; }
th { font-weight: bold; }
tr.area th { padding-top: 2.5mm; border-bottom: 1px solid #999; }
.code, .note { color: #555; font-size: 8pt; font-weight: normal; }
.note { margin-left: 2mm; }
footer { margin-top: 4mm; color: #555; font-size: 8.5pt; }
@media print { body { padding: 0; max-width: none; } }
"""


def report_html(
    progress: LearnerProgress, texts: UiTexts, language: str, *, as_of: date, name: str | None
) -> str:
    """The report as one HTML document. `name`: the learner's first name when someone else
    reads it (the steps are then worded for them), None for the learner."""
    t = texts.t
    learner = progress.learner.name
    parts = [
        f'<!DOCTYPE html>\n<html lang="{escape(language)}">\n<head>\n<meta charset="utf-8">',
        f"<title>{escape(t('report_title', language, name=learner))}</title>",
        f"<style>{STYLE}</style>\n</head>\n<body>",
        f"<h1>{escape(t('report_title', language, name=learner))}</h1>",
        '<p class="meta">'
        + escape(
            " · ".join(
                [
                    *progress.frameworks,
                    t("report_as_of", language, day=words.day_text(as_of, texts, language)),
                ]
            )
        )
        + "</p>",
        "<p>" + escape(" ".join(words.summary(progress, texts, language))) + "</p>",
    ]
    steps = progress.next_steps.steps[:STEPS_SHOWN]
    if steps:
        parts.append(f"<h2>{escape(t('next_steps', language))}</h2>\n<ol>")
        for step in steps:
            line = escape(str(words.headline(step, texts, language, name)))
            tip = (
                f'<br><span class="tip">{escape(t("tip", language))}: {escape(step.tip)}</span>'
                if step.tip
                else ""
            )
            parts.append(f"<li>{line}{tip}</li>")
        parts.append("</ol>")
    parts.append(f"<h2>{escape(t('report_levels', language))}</h2>")
    parts.append(
        "<table><thead><tr>"
        f"<th>{escape(t('skill', language))}</th>"
        f"<th>{escape(t('status', language))}</th>"
        f"<th>{escape(t('level', language))}</th></tr></thead>"
    )
    for domain, items in progress.by_domain().items():
        mastered = [item.title for item in items if item.status == "mastered"]
        open_ = [item for item in items if item.status in ("working", "ready")]
        later = sum(1 for item in items if item.status == "locked")
        if not mastered and not open_:
            continue
        note = ""
        if later:
            key = "report_later_one" if later == 1 else "report_later"
            note = f' <span class="note">{escape(t(key, language, count=later))}</span>'
        parts.append(f'<tbody><tr class="area"><th colspan="3">{escape(domain)}{note}</th></tr>')
        if mastered:
            parts.append(
                f'<tr><td colspan="3">{escape(words.status_text("mastered", texts, language))}: '
                f"{escape(words.join(mastered, texts, language))}</td></tr>"
            )
        for item in words.path(open_):
            parts.append(
                f"<tr><td>{escape(item.title)} "
                f'<span class="code">{escape(item.code)}</span></td>'
                f"<td>{escape(words.status_text(item.status, texts, language))}</td>"
                f"<td>{escape(words.level_text(item.level, item.label, texts, language))}</td>"
                "</tr>"
            )
        parts.append("</tbody>")
    parts.append("</table>")
    parts.append(f"<footer>{escape(t('report_footer', language))}</footer>\n</body>\n</html>\n")
    return "\n".join(parts)


def report_file_name(progress: LearnerProgress, as_of: date) -> str:
    """progress-L001-2026-11-20.html: the learner's id, never their name, in a file name."""
    safe = "".join(ch for ch in progress.learner.id if ch.isalnum() or ch in "-_") or "learner"
    return f"progress-{safe}-{as_of.isoformat()}.html"
