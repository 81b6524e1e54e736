"""Rendering of a learner's progress, shared by the student, parent and teacher pages.

Plain first, details on demand: a next step is a headline, a tip and a practice link, with its
reason, prerequisites and codes in an expander; titles lead and codes follow; status is a mark
and a word, never colour or emoji alone. Every text from the frameworks, the resources or the
database goes through `plain`.
"""

from __future__ import annotations

import streamlit as st

from assistant.app import progress_words as words
from assistant.app.progress import STATUSES, LearnerProgress, Status
from assistant.app.report_card import report_file_name, report_html
from assistant.app.texts import UiTexts, plain
from assistant.chat.guards import without_lures
from assistant.frameworks.scale import ProficiencyScale
from assistant.learners.access import Viewer
from assistant.recommend.next_steps import NextStep
from ui import charts, resources
from ui.views.common import table

# Icons beside the status word where Streamlit takes an icon apart from the text (expanders):
# Material Symbols ship with Streamlit, nothing is fetched.
STATUS_ICONS: dict[Status, str] = {
    "mastered": ":material/check_circle:",
    "working": ":material/pending:",
    "ready": ":material/radio_button_unchecked:",
    "locked": ":material/schedule:",
}
CHART_SERIES = 4  # competencies shown at first on the chart (the most recent ones)


def status_counts(progress: LearnerProgress, texts: UiTexts, language: str) -> None:
    counts = progress.counts()
    for column, status in zip(st.columns(len(STATUSES)), STATUSES, strict=True):
        column.metric(words.status_text(status, texts, language), counts[status])


def by_domain(progress: LearnerProgress, texts: UiTexts, language: str) -> None:
    """Each area as a table: the status in words, the skill's title, its level, its code last."""
    for domain, items in progress.by_domain().items():
        mastered = sum(1 for item in items if item.status == "mastered")
        with st.expander(f"{plain(domain)} ({mastered}/{len(items)})"):
            rows = [
                {
                    texts.t("status", language): words.status_text(item.status, texts, language),
                    texts.t("skill", language): item.title,
                    texts.t("level", language): words.level_text(
                        item.level, item.label, texts, language
                    ),
                    texts.t("code", language): item.code,
                }
                for item in items
            ]
            st.dataframe(table(rows), hide_index=True, width="stretch")


def chart_rows(progress: LearnerProgress, texts: UiTexts, language: str) -> list[dict[str, object]]:
    """One row per piece of evidence, at the level it counts as (what the tables show)."""
    return [
        {
            "day": point.day.isoformat(),
            "competency": point.title,
            "code": point.code,
            "level": point.scale_level,
            "level_label": words.level_text(point.scale_level, point.label, texts, language),
        }
        for point in progress.history
    ]


def chart_levels(progress: LearnerProgress, texts: UiTexts, language: str) -> list[charts.Level]:
    return [charts.Level(lv.score, texts.level_name(lv.label, language)) for lv in progress.scale]


def chart_words(progress: LearnerProgress, texts: UiTexts, language: str) -> charts.ChartWords:
    bar = _bar(progress)
    bar_name = next(
        (texts.level_name(lv.label, language) for lv in progress.scale if lv.score == bar), ""
    )
    return charts.ChartWords(
        title=texts.t("chart_title", language),
        x=texts.t("chart_x", language),
        y=texts.t("level", language),
        legend=texts.t("chart_legend", language),
        bar=texts.t("chart_bar", language, label=f"{bar:g} {bar_name}".strip()),
    )


def over_time(progress: LearnerProgress, texts: UiTexts, language: str, key: str) -> None:
    if not progress.history:
        st.caption(texts.t("no_evidence", language))
        return
    rows = chart_rows(progress, texts, language)
    titles = list(dict.fromkeys(str(row["competency"]) for row in reversed(rows)))
    chosen = st.multiselect(
        texts.t("choose_competencies", language),
        titles,
        default=titles[:CHART_SERIES],
        key=key,
    )
    shown = [row for row in rows if row["competency"] in chosen]
    chart = charts.levels_over_time(
        shown,
        levels=chart_levels(progress, texts, language),
        bar=_bar(progress),
        words=chart_words(progress, texts, language),
    )
    st.altair_chart(chart, width="stretch")
    st.caption(texts.t("chart_note", language))
    with st.expander(texts.t("chart_table", language)):
        st.dataframe(
            table(
                [
                    {
                        texts.t("chart_x", language): row["day"],
                        texts.t("skill", language): row["competency"],
                        texts.t("level", language): row["level_label"],
                        texts.t("code", language): row["code"],
                    }
                    for row in reversed(shown)
                ]
            ),
            hide_index=True,
            width="stretch",
        )


def learning_path(progress: LearnerProgress, texts: UiTexts, language: str) -> None:
    """Each area's skills as a list in the order they build on each other (readable on a
    phone, unlike a graph): the status in words, the title, the level, the code last."""
    st.caption(texts.t("path_caption", language))
    titles = {item.code: item.title for item in progress.competencies}
    for domain, items in progress.by_domain().items():
        st.markdown(f"**{plain(domain)}**")
        lines = []
        for number, item in enumerate(words.path(items), 1):
            level = words.level_text(item.level, item.label, texts, language)
            line = f"{number}\\. {words.status_text(item.status, texts, language)} · "
            line += f"**{plain(item.title)}**" + (
                f" · {plain(level)}" if item.level is not None else ""
            )
            waiting = [titles[p] for p in item.prerequisites if p in titles]
            if item.status == "locked" and waiting:
                after = texts.t("path_after", language, titles=words.join(waiting, texts, language))
                line += f" · {plain(after)}"
            line += f" · {plain(item.code)}"
            lines.append(line)
        st.markdown("  \n".join(lines))


def reader_name(progress: LearnerProgress, own: bool) -> str | None:
    """How a step names the learner: None for the learner themself ("you"), else their first
    name (a parent, a teacher)."""
    return None if own else words.first_name(progress.learner.name)


def next_steps(
    progress: LearnerProgress,
    texts: UiTexts,
    language: str,
    *,
    own: bool = False,
    limit: int | None = None,
) -> None:
    """`own`: the learner reads their own steps (worded "you"); else they are named.
    `limit`: show only the first steps (a family's page keeps to the few that matter most)."""
    steps = progress.next_steps.steps[:limit]
    if not steps:
        st.caption(texts.t("no_steps", language))
    name = reader_name(progress, own)
    for number, step in enumerate(steps):
        step_card(step, progress, texts, language, name=name, key=f"wp_step_{number}")


def step_card(
    step: NextStep,
    progress: LearnerProgress,
    texts: UiTexts,
    language: str,
    *,
    name: str | None,
    key: str,
) -> None:
    """One headline, one tip and one practice link; the rest on demand."""
    line = words.headline(step, texts, language, name)
    with st.container(border=True, key=key):
        st.markdown(f"**{plain(line.next)}**  \n{plain(line.standing)}")
        if step.tip:
            st.markdown(f"*{texts.t('tip', language)}:* {plain(step.tip)}")
        practice = step.resources[0] if step.resources else None
        if practice is not None:
            text = resources.get_assistant().progress.practice_text(practice)
            if text:
                with st.expander(
                    f"{texts.t('resources', language)}: {plain(practice.title)}",
                    icon=":material/menu_book:",
                ):
                    st.markdown(plain(without_lures(text), layout=True))
        with st.expander(texts.t("step_details", language)):
            _details(step, progress, texts, language)


def _details(step: NextStep, progress: LearnerProgress, texts: UiTexts, language: str) -> None:
    """The reason (but the level, said in the headline), what the step builds on and opens by
    title, what the goal looks like, the evidence so far and the codes."""
    reasons = words.why_now(step)
    if reasons:
        st.markdown(f"*{texts.t('why', language)}:* {plain(' '.join(reasons))}")
    if step.prerequisites:
        lines = "  \n".join(
            f"{'✓' if p.proficient else '○'} {plain(p.line or f'{p.title} ({p.code})')}"
            for p in step.prerequisites
        )
        st.markdown(lines)
    target = step.aim[-1] if step.aim else None
    bar = f"{target.score:g}" if target else ""
    if step.opens:
        opened = words.join(words.titles_of(step.opens, progress), texts, language)
        st.markdown(f"*{texts.t('step_opens', language, bar=bar)}:* {plain(opened)}")
    if target is not None and target.description:
        label = texts.t(
            "step_aim", language, bar=bar, bar_label=texts.level_name(target.label, language)
        )
        st.markdown(f"*{plain(label)}:* {plain(target.description)}")
    current = step.current_level
    if current is not None and current.last_observed is not None:
        st.caption(
            texts.t(
                "evidence_count",
                language,
                count=current.evidence_count,
                day=words.day_text(current.last_observed, texts, language),
            )
        )
    st.caption(plain(texts.t("step_code", language, code=step.code, framework=step.framework)))


def report_button(
    progress: LearnerProgress, texts: UiTexts, language: str, *, own: bool, key: str
) -> None:
    """The printable one-page report, as a file to open and print (or save as PDF)."""
    as_of = progress.next_steps.as_of
    name = reader_name(progress, own)
    st.download_button(
        texts.t("report", language),
        report_html(progress, texts, language, as_of=as_of, name=name),
        file_name=report_file_name(progress, as_of),
        mime="text/html",
        icon=":material/print:",
        help=texts.t("report_help", language),
        key=key,
    )


def credentials(viewer: Viewer, learner_id: str, texts: UiTexts, language: str, key: str) -> None:
    """The learner's standing credentials, each with a button that downloads the signed file."""
    held = resources.get_assistant().credentials.for_learner(viewer, learner_id)
    st.caption(texts.t("credentials_intro", language))
    if not held:
        st.caption(texts.t("no_credentials", language))
    for record in held:
        name, button = st.columns([4, 1], vertical_alignment="center")
        day = words.day_text(record.issued_at.date(), texts, language)
        name.markdown(f"**{plain(record.title)}** · {plain(record.competency_code)} · {day}")
        button.download_button(
            texts.t("download", language),
            data=record.document,
            file_name=f"{record.competency_code or 'credential'}.credential.json",
            mime="application/json",
            key=f"{key}_{record.status_index}",
        )


def _bar(progress: LearnerProgress) -> float:
    """The mastery bar of the learner's scale (3 on the default 1-4 scale)."""
    return ProficiencyScale.from_levels(progress.scale).bar if progress.scale else 3.0
