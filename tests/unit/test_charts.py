"""The chart builders (ui/charts.py), tested on their Vega-Lite spec (to_dict): a title, named
axes, a legend a person understands, levels on the scale's own named levels with a rule at the
bar, and series told apart by colour and shape."""

from __future__ import annotations

from typing import Any

from ui import charts

LEVELS = [
    charts.Level(1, "Beginning"),
    charts.Level(2, "Developing"),
    charts.Level(3, "Proficient"),
    charts.Level(4, "Advanced"),
]
WORDS = charts.ChartWords(
    title="Levels over time", x="Date", y="Level", legend="Skill", bar="3 Proficient: the goal"
)
ROWS = [
    {"day": "2026-10-01", "competency": "Unit rates", "level": 2.0, "level_label": "2 Developing"},
    {"day": "2026-10-08", "competency": "Unit rates", "level": 3.0, "level_label": "3 Proficient"},
    {"day": "2026-10-02", "competency": "Ratio tables", "level": 1.0, "level_label": "1 Beginning"},
    {"day": "2026-10-09", "competency": "Percent", "level": 4.0, "level_label": "4 Advanced"},
]


def spec() -> dict[str, Any]:
    return charts.levels_over_time(ROWS, levels=LEVELS, bar=3.0, words=WORDS).to_dict()


def layers_with(found: dict[str, Any], mark: str) -> list[dict[str, Any]]:
    return [
        layer
        for layer in found["layer"]
        if (layer["mark"] if isinstance(layer["mark"], str) else layer["mark"]["type"]) == mark
    ]


def test_levels_chart_has_a_title_named_axes_and_a_legend_titled_in_words() -> None:
    found = spec()
    assert found["title"]["text"] == "Levels over time"
    line = layers_with(found, "line")[0]["encoding"]
    assert line["x"]["title"] == "Date" and line["x"]["type"] == "temporal"
    assert line["y"]["title"] == "Level"
    assert line["color"]["legend"]["title"] == "Skill"
    assert line["color"]["legend"]["orient"] == "bottom"  # under the chart: fits a phone
    # the legend adds to the height instead of squeezing the plot (Streamlit fits otherwise)
    assert found["autosize"]["type"] == "fit-x" and found["height"] == charts.PLOT_HEIGHT


def test_the_level_axis_runs_over_the_scale_levels_with_their_names() -> None:
    axis_y = layers_with(spec(), "line")[0]["encoding"]["y"]
    assert axis_y["axis"]["values"] == [1, 2, 3, 4]  # no 0.5 steps, no 0
    assert axis_y["scale"]["domain"][0] > 0 and axis_y["scale"]["domain"][1] < 5
    expression = axis_y["axis"]["labelExpr"]
    for name in ("'1 Beginning'", "'2 Developing'", "'3 Proficient'", "'4 Advanced'"):
        assert name in expression
    # the expression names each value: evaluate its chain of conditions by hand
    assert _label(expression, 3) == "3 Proficient" and _label(expression, 1) == "1 Beginning"


def test_a_dashed_rule_marks_the_bar_with_its_name() -> None:
    found = spec()
    rule = layers_with(found, "rule")[0]
    assert rule["mark"]["strokeDash"]
    data = found["datasets"][rule["data"]["name"]]
    assert data == [{"level": 3.0, "text": "3 Proficient: the goal"}]
    text = layers_with(found, "text")[0]
    assert text["encoding"]["text"]["field"] == "text"


def test_series_differ_by_colour_and_by_shape_and_the_points_are_the_table_levels() -> None:
    found = spec()
    points = layers_with(found, "point")[0]
    colours = points["encoding"]["color"]["scale"]["range"]
    shapes = points["encoding"]["shape"]["scale"]["range"]
    names = points["encoding"]["color"]["scale"]["domain"]
    assert names == ["Unit rates", "Ratio tables", "Percent"]
    assert len(set(colours)) == len(set(shapes)) == 3
    plotted = found["datasets"][points["data"]["name"]]
    assert [row["level"] for row in plotted] == [2.0, 3.0, 1.0, 4.0]
    tooltip = [t["title"] for t in points["encoding"]["tooltip"]]
    assert tooltip == ["Date", "Skill", "Level"]


def test_the_level_colour_scale_is_keyed_to_level_names_with_four_distinct_colours() -> None:
    scale = charts.level_colours(LEVELS).to_dict()
    assert scale["domain"] == ["1 Beginning", "2 Developing", "3 Proficient", "4 Advanced"]
    assert len(set(scale["range"])) == 4
    two = charts.level_colours(LEVELS[:2]).to_dict()["range"]
    assert two == [charts.LEVEL_COLOURS[0], charts.LEVEL_COLOURS[-1]]


def test_quotes_in_level_names_cannot_break_the_expression() -> None:
    expression = charts.level_label_expr([charts.Level(1, "it's \\ odd")])
    assert "'1 it\\'s \\\\ odd'" in expression


def _label(expression: str, value: float) -> str:
    """The label a chain `datum.value == v ? 'x' : (...)` gives `value`."""
    rest = expression
    while rest.startswith("datum.value == "):
        head, _, rest = rest.partition(" : (")
        condition, _, label = head.partition(" ? ")
        if float(condition.removeprefix("datum.value == ")) == value:
            return label.strip("'")
        rest = rest[:-1]
    return "?"
