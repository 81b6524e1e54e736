"""Chart builders for the pages (Altair), kept apart from the pages so their specs can be tested.

Every chart has a title, named axes and a legend a reader understands. Levels are drawn on the
scale's own levels (1 to 4), named ("3 Proficient"), with a rule at the mastery bar; series are
told apart by colour and by shape, with colours from the Okabe-Ito palette (distinguishable with
the common colour-vision deficiencies). The words come in from the page (prompts/ui.yaml), so a
chart is in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import altair as alt
import pandas as pd

# Okabe-Ito, without its yellow (too light on white), then two dark extras.
SERIES_COLOURS = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#8C564B",
)
SERIES_SHAPES = (
    "circle",
    "square",
    "triangle-up",
    "diamond",
    "cross",
    "triangle-down",
    "triangle-right",
    "triangle-left",
)
# One colour per level, lowest first, dark enough for a white label on the two ends and a dark
# label in the middle: red-orange (Beginning), yellow (Developing), teal-blue (Proficient) and
# dark blue (Advanced), so the mastery line (2 vs 3) changes hue, not only lightness.
LEVEL_COLOURS = ("#C0392B", "#F2C14E", "#4A90C2", "#1F3A93")
NO_EVIDENCE_COLOUR = "#FFFFFF"
BAR_COLOUR = "#333333"
PLOT_HEIGHT = 300  # pixels, the plot alone (a level apart is about 75 px: readable on a phone)
PADDING = 0.4  # above the top level and below the bottom one, so points are not cut


@dataclass(frozen=True)
class Level:
    """One level of a scale as a chart shows it: its score and its name in the reader's
    language."""

    score: float
    name: str

    @property
    def label(self) -> str:
        return f"{self.score:g} {self.name}"


@dataclass(frozen=True)
class ChartWords:
    """The words of a chart, in the reader's language."""

    title: str
    x: str
    y: str
    legend: str
    bar: str  # the rule at the mastery bar, e.g. "Proficient: the goal"


def level_label_expr(levels: Sequence[Level]) -> str:
    """A Vega expression naming an axis or legend value by its level ("3 Proficient"); any
    other value is shown as the number it is."""
    expression = "datum.label"
    for level in reversed(levels):
        expression = f"datum.value == {level.score:g} ? {_quoted(level.label)} : ({expression})"
    return expression


def level_colours(levels: Sequence[Level]) -> alt.Scale:
    """A colour scale keyed to the level labels ("1 Beginning", ...), lowest first, for a
    nominal field holding those labels (the teacher's heat map may reuse it)."""
    palette = _spread(LEVEL_COLOURS, len(levels))
    return alt.Scale(domain=[lv.label for lv in levels], range=palette)


def levels_over_time(
    rows: Sequence[Mapping[str, object]],
    *,
    levels: Sequence[Level],
    bar: float,
    words: ChartWords,
) -> alt.LayerChart:
    """A learner's evidence over time, one line per competency.

    rows: {"day": ISO date, "competency": its title, "level": the level the piece counts as
    (what the tables show, e.g. 3 for a quiz at 8/10), "level_label": "3 Proficient"}. The
    y-axis runs over the scale's levels, named; a dashed rule marks the bar."""
    frame = pd.DataFrame(list(rows), columns=["day", "competency", "level", "level_label"])
    lowest = min((lv.score for lv in levels), default=1.0)
    highest = max((lv.score for lv in levels), default=4.0)
    names = list(dict.fromkeys(str(name) for name in frame["competency"]))
    colours = alt.Scale(domain=names, range=list(_cycle(SERIES_COLOURS, len(names))))
    shapes = alt.Scale(domain=names, range=list(_cycle(SERIES_SHAPES, len(names))))
    legend = alt.Legend(
        title=words.legend, orient="bottom", direction="vertical", labelLimit=0, symbolSize=90
    )
    y_axis = alt.Axis(
        values=[lv.score for lv in levels],
        labelExpr=level_label_expr(levels),
        title=words.y,
        grid=True,
        labelLimit=0,
    )
    base = alt.Chart(frame).encode(
        x=alt.X("day:T", title=words.x, axis=alt.Axis(format="%d %b", labelAngle=0)),
        y=alt.Y(
            "level:Q",
            title=words.y,
            scale=alt.Scale(domain=[lowest - PADDING, highest + PADDING], nice=False),
            axis=y_axis,
        ),
        color=alt.Color("competency:N", scale=colours, legend=legend),
    )
    lines = base.mark_line(strokeWidth=2)
    points = base.mark_point(size=90, filled=True, opacity=1).encode(
        shape=alt.Shape("competency:N", scale=shapes, legend=legend),
        tooltip=[
            alt.Tooltip("day:T", title=words.x, format="%d %b %Y"),
            alt.Tooltip("competency:N", title=words.legend),
            alt.Tooltip("level_label:N", title=words.y),
        ],
    )
    goal = pd.DataFrame([{"level": bar, "text": words.bar}])
    rule = (
        alt.Chart(goal)
        .mark_rule(strokeDash=[6, 4], color=BAR_COLOUR, strokeWidth=1.5)
        .encode(y="level:Q")
    )
    label = (
        alt.Chart(goal)
        .mark_text(align="left", baseline="bottom", dx=4, dy=-3, color=BAR_COLOUR, fontSize=12)
        .encode(y="level:Q", x=alt.value(0), text="text:N")
    )
    return alt.LayerChart(
        layer=[rule, label, lines, points],
        title=alt.TitleParams(words.title, anchor="start", fontSize=16),
        height=PLOT_HEIGHT,
        # the width fits the page; the height is the plot's own, the legend below it adds to it
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
    )


def _spread(colours: Sequence[str], count: int) -> list[str]:
    """`count` colours from a palette, ends kept (a two-level scale gets the lowest and the
    highest colour)."""
    if count <= 1:
        return list(colours[:count]) or [colours[-1]]
    if count >= len(colours):
        return list(_cycle(colours, count))
    step = (len(colours) - 1) / (count - 1)
    return [colours[round(index * step)] for index in range(count)]


def _cycle(values: Sequence[str], count: int) -> list[str]:
    return [values[index % len(values)] for index in range(count)]


def _quoted(text: str) -> str:
    """A string literal for a Vega expression."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
