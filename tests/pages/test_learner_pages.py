"""The student and parent pages through AppTest, on the demo school over the fakes (database
only: the start-up preparation is held at "school ready", so no index or model is loaded).

Plain first, details on demand; titles before codes; status as a mark and a word; every word
in Spanish when Spanish is chosen; the levels a chart plots are the ones the tables show; a
printable one-page report. par.001 has one child (Maya, L001), par.010 two (Lucas L010 and
Tariq L050)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from assistant.app import progress_words as words
from assistant.app.report_card import report_html
from assistant.app.texts import load_ui_texts
from assistant.container import Assistant
from assistant.learners.access import LOCAL_ADMIN
from assistant.settings import BUNDLED_PROMPTS
from tests.conftest import REPO
from tests.support_pages import served
from ui import state

SCREENS = REPO / "ui" / "screens"
TEXTS = load_ui_texts(BUNDLED_PROMPTS)
# Emoji (pictographs, symbols with emoji presentation): shown as empty boxes without a font.
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u26ff\u2b1b\u2b1c\u2b50\u2705\u274c]")
CODE = re.compile(r"\b[MH]\.\d?\.?[A-Z]{1,2}\.[A-Z0-9]+(?:\.\d+)?\b")
# Words of the English page texts, level names and reason templates that must not show in
# a Spanish page.
ENGLISH = re.compile(
    r"\b(Next|aiming|Working on|skills?|Tip|Practice|Why this|Level|Code|What the levels|"
    r"How you can help|latest|reached|Builds on|opens|Beginning|Developing|Proficient|Advanced|"
    r"Mastered|Ready to|Comes later|Not yet open|pieces of evidence|Progress of|parent)\b"
)


@pytest.fixture(scope="module")
def school(fake_school: Assistant) -> Iterator[Assistant]:
    with served(fake_school):
        yield fake_school
    _OPENED.clear()


_OPENED: dict[tuple[str, str, str], AppTest] = {}


def seen(school: Assistant, screen: str, user_id: str, language: str = "en") -> AppTest:
    """A page as it first opens, run once per module (for tests that only read it)."""
    key = (screen, user_id, language)
    if key not in _OPENED:
        _OPENED[key] = open_page(school, screen, user_id, language)
    return _OPENED[key]


def open_page(school: Assistant, screen: str, user_id: str, language: str = "en") -> AppTest:
    at = AppTest.from_file(str(SCREENS / f"{screen}.py"), default_timeout=60)
    at.session_state[state.ACCOUNT] = school.directory.account(user_id, demo=True)
    at.session_state[state.LANGUAGE] = language
    at.run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> str:
    """Every text on the page, as a reader sees it (escapes of `plain` removed)."""
    parts = [str(m.value) for m in [*at.markdown, *at.caption, *at.title, *at.subheader]]
    parts += [str(e.label) for e in at.expander] + [str(t.label) for t in at.tabs]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += downloads(at)
    parts += [str(w.label) for w in [*at.selectbox, *at.multiselect]]
    for frame in at.dataframe:
        parts.append(" ".join(str(c) for c in frame.value.columns))
        parts.append(frame.value.to_csv(index=False))
    for found in at.get("vega_lite_chart"):
        parts.append(_chart_words(json.loads(found.proto.spec)))
        parts += [" ".join(str(v) for v in row.values()) for row in _rows(found)]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts)).replace("\u2060", "")


def _rows(element: Any) -> list[dict[str, Any]]:
    """The rows a chart element sends to the browser (Streamlit moves them out of the spec)."""
    rows: list[dict[str, Any]] = []
    for dataset in element.proto.datasets:
        frame = pa.ipc.open_stream(dataset.data.data).read_pandas()
        rows += frame.to_dict("records")
    return rows


def chart(at: AppTest) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The page's chart: its spec and the rows of its points."""
    element = at.get("vega_lite_chart")[0]
    return json.loads(element.proto.spec), [r for r in _rows(element) if "competency" in r]


def downloads(at: AppTest) -> list[str]:
    """The labels of the page's download buttons."""
    return [str(getattr(button, "label", "")) for button in at.get("download_button")]


def cards(at: AppTest) -> list[str]:
    """The headline of each next-step card."""
    return [str(m.value) for m in at.markdown if str(m.value).startswith("**Next")]


# the student --------------------------------------------------------------------------------
def test_a_student_step_is_a_headline_a_tip_and_a_practice_link_with_details_on_demand(
    school: Assistant,
) -> None:
    at = seen(school, "student", "stu.L001")
    assert [t.label for t in at.tabs] == ["Next steps", "By area", "Over time", "Path"]
    first = cards(at)[0]
    assert first == (
        "**Next\\: Solve unit rate problems**  \n"
        "You're at 2 (Developing), aiming for 3 (Proficient)."
    )
    assert not CODE.search(first)  # codes are secondary: in the details only
    labels = [e.label for e in at.expander]
    assert labels[:2] == [
        "Practice: Solving unit rate problems with unit prices and constant speed",
        "Why this step, and details",
    ]
    details = at.expander[1]
    text = "\n".join(str(m.value) for m in [*details.markdown, *details.caption])
    assert "M.6.RP.5" in text and "Builds on M.6.RP.2" in text
    assert "Convert units with ratio reasoning (M.6.RP.7)" in text.replace("\\", "")
    # each fact once: the level is in the headline, not again in the reason
    assert "level on M.6.RP.5 is 2" not in text and "aiming" not in text
    practice = "\n".join(str(m.value) for m in at.expander[0].markdown)
    assert "grocery shelf detective" in practice and "---" not in practice
    page = shown(at)
    assert "Liam" not in page  # the student sees only themself
    assert "source" not in page.lower()  # their own record is never shown as a "source"


def test_status_is_a_mark_and_a_word_and_no_emoji_anywhere(school: Assistant) -> None:
    at = seen(school, "student", "stu.L001")
    labels = [m.label for m in at.metric]
    assert labels == ["✓ Mastered", "◐ Working on it", "○ Ready to learn", "⋯ Comes later"]
    page = shown(at)
    assert not EMOJI.search(page), EMOJI.findall(page)
    assert "Not yet open" not in page
    table = at.dataframe[0].value
    assert list(table.columns) == ["Status", "Skill", "Level", "Code"]  # title first, code last
    assert set(table["Status"]) <= {
        "✓ Mastered",
        "◐ Working on it",
        "○ Ready to learn",
        "⋯ Comes later",
    }


def test_the_chart_plots_the_level_the_table_shows_on_named_levels(school: Assistant) -> None:
    """Maya's quiz at 8/10 on M.6.RP.1 is 3.4 on the 1-4 scale: the chart plots 3, as the
    table beside it does, on an axis of the four named levels."""
    at = open_page(school, "student", "stu.L001")
    progress = school.progress.for_learner(LOCAL_ADMIN, "L001")
    quiz = [p for p in progress.history if p.code == "M.6.RP.1" and p.level == 3.4]
    assert quiz and quiz[0].scale_level == 3.0 and quiz[0].label == "Proficient"
    at.multiselect(key="student_history").set_value(["Describe ratios with ratio language"]).run()
    assert not at.exception, at.exception
    spec, data = chart(at)
    assert spec["title"]["text"] == "Levels over time"
    day = quiz[0].day.isoformat()
    assert {row["level"] for row in data if row["day"] == day} == {3.0}
    assert all(row["level"] == int(row["level"]) for row in data)
    line = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")
    assert line["encoding"]["y"]["axis"]["values"] == [1, 2, 3, 4]
    assert "3 Proficient" in line["encoding"]["y"]["axis"]["labelExpr"]
    table = at.expander[-2].dataframe[0].value  # the chart as a table, under it
    assert set(table.loc[table["Date"] == day, "Level"]) == {"3 Proficient"}


def test_the_path_lists_each_area_in_the_order_skills_build_on_each_other(
    school: Assistant,
) -> None:
    at = seen(school, "student", "stu.L001")
    lines = [str(m.value) for m in at.tabs[3].markdown]
    ratios = next(line for line in lines if "Describe ratios" in line).split("  \n")
    titles = [re.search(r"\*\*(.+?)\*\*", line).group(1) for line in ratios]  # type: ignore[union-attr]
    assert (
        titles.index("Describe ratios with ratio language")
        < titles.index("Understand unit rates")
        < titles.index("Solve unit rate problems")
    )
    assert ratios[0].startswith("1\\. ✓ Mastered · **Describe ratios with ratio language**")
    later = next(line for line in ratios if "Convert units" in line)
    assert "⋯ Comes later" in later and "after Solve unit rate problems" in later


# the parent ---------------------------------------------------------------------------------
def test_a_parent_page_opens_with_plain_sentences_then_steps_worded_for_the_parent(
    school: Assistant,
) -> None:
    at = seen(school, "parent", "par.001")
    assert [t.value for t in at.title] == ["Progress of Maya Lindgren"]
    opening = str(at.markdown[0].value).replace("\\", "")
    assert opening.startswith("Maya has mastered 4 of 41 skills so far.")
    assert "Working on now: Solve unit rate problems." in opening
    assert "32 skills come later on the path: each opens once the skills it builds on" in opening
    assert not CODE.search(opening)
    assert cards(at)[0].endswith("Maya is at 2 (Developing), aiming for 3 (Proficient).")
    page = shown(at)
    assert "Not yet open" not in page and "What the levels mean" in page
    assert "How you can help at home" in page
    assert downloads(at)[0] == "Printable progress report"


def test_no_card_contradicts_its_table_lucas_is_at_2_on_equivalent_ratios(
    school: Assistant,
) -> None:
    """Lucas's latest piece on M.6.RP.3 is a 3 after a 1 and a 2: his level is 2. The card
    said "latest evidence is 3" while the table said 2; now both say 2."""
    at = seen(school, "parent", "par.010")
    assert at.selectbox(key=state.CHILD).options == ["Lucas Tanaka", "Tariq Romero"]
    assert cards(at)[0] == (
        "**Next\\: Equivalent ratios with diagrams**  \n"
        "Lucas is at 2 (Developing), aiming for 3 (Proficient)."
    )
    skill = next(e for e in at.expander if e.label.startswith("Equivalent ratios with diagrams"))
    assert skill.label.endswith("· 2 Developing")
    page = shown(at)
    assert "M.6.RP.3 is 3" not in page
    assert "The latest piece reached 3 (Proficient)" in page


def test_a_parent_of_two_switches_child_and_sees_only_that_child(school: Assistant) -> None:
    at = open_page(school, "parent", "par.010")
    at.selectbox(key=state.CHILD).set_value("L050").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Progress of Tariq Romero"]
    page = shown(at)
    assert str(at.markdown[0].value).startswith("Tariq has mastered 17 of 41 skills")
    assert "Lucas" not in page


def test_the_spanish_parent_page_is_spanish_throughout(school: Assistant) -> None:
    at = seen(school, "parent", "par.001", "es")
    assert [t.value for t in at.title] == ["Progreso de Maya Lindgren"]
    assert str(at.markdown[0].value).startswith("Maya ya domina 4 de 41 habilidades.")
    assert cards(at) == []  # the headlines are in Spanish
    first = next(str(m.value) for m in at.markdown if str(m.value).startswith("**Siguiente"))
    assert first == (
        "**Siguiente\\: Resolver problemas de tasas unitarias**  \n"
        "Maya está en 2 (En desarrollo); la meta es 3 (Competente)."
    )
    page = shown(at)
    found = ENGLISH.findall(page)
    assert not found, found
    # competency texts and level descriptors through the same translations the chat uses
    translations = school.translations
    entry = school.catalog.lookup("M.6.RP.1")
    assert entry is not None
    assert translations.statement(entry.identifier, "es", "") in page
    assert translations.descriptor("M.6.RP.1", 2, "es", "") in page
    assert "Cómo ayudar en casa" in page and "Dominado" in page and "más adelante" in page
    home = next(e for e in at.expander if e.label.startswith("Describir razones"))
    assert "Resolver problemas" not in home.label
    report = downloads(at)[0]
    assert report == "Informe de progreso para imprimir"


def test_the_spanish_student_page_has_spanish_tabs_chart_and_table(school: Assistant) -> None:
    at = seen(school, "student", "stu.L001", "es")
    assert [t.label for t in at.tabs] == ["Próximos pasos", "Por área", "En el tiempo", "Camino"]
    page = shown(at)
    found = ENGLISH.findall(page)
    assert not found, found
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["title"]["text"] == "Niveles a lo largo del tiempo"
    assert "3 Competente" in json.dumps(spec, ensure_ascii=False)


# the printable report -----------------------------------------------------------------------
class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _read(html: str) -> tuple[str, set[str]]:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split()), parser.tags


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_printable_report_is_one_page_of_html_in_the_parents_language(
    school: Assistant, language: str
) -> None:
    viewer = school.access.viewer("par.001")
    progress = school.progress.for_learner(viewer, "L001", language=language)
    html = report_html(progress, TEXTS, language, as_of=progress.next_steps.as_of, name="Maya")
    text, tags = _read(html)
    assert tags <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p",
                    "ol", "li", "br", "span", "table", "thead", "tbody", "tr", "th", "td",
                    "footer"}  # fmt: skip
    assert "http" not in html and "<script" not in html and "@page" in html
    assert f'lang="{language}"' in html
    if language == "en":
        assert text.startswith("Progress report: Maya Lindgren")
        assert "Maya has mastered 4 of 41 skills so far." in text
        assert "Next: Solve unit rate problems. Maya is at 2 (Developing)" in text
    else:
        assert text.startswith("Informe de progreso: Maya Lindgren")
        assert "Maya ya domina 4 de 41 habilidades." in text
        assert not ENGLISH.findall(text), ENGLISH.findall(text)


def test_the_report_escapes_what_it_shows(school: Assistant) -> None:
    from dataclasses import replace

    progress = school.progress.for_learner(LOCAL_ADMIN, "L001")
    odd = replace(progress, learner=replace(progress.learner, name="<img src=x> & Maya"))
    html = report_html(odd, TEXTS, "en", as_of=progress.next_steps.as_of, name="Maya")
    assert "<img" not in html and "&lt;img src=x&gt; &amp; Maya" in html


def test_the_report_is_offered_on_both_pages(school: Assistant) -> None:
    student = seen(school, "student", "stu.L001")
    parent = seen(school, "parent", "par.010", "es")
    for at, label in (
        (student, "Printable progress report"),
        (parent, "Informe de progreso para imprimir"),
    ):
        assert label in downloads(at)


def test_path_order_puts_a_skill_after_what_it_builds_on(school: Assistant) -> None:
    progress = school.progress.for_learner(LOCAL_ADMIN, "L001")
    for items in progress.by_domain().values():
        ordered = [item.code for item in words.path(items)]
        for index, item in enumerate(words.path(items)):
            before = [p for p in item.prerequisites if p in ordered]
            assert all(ordered.index(p) < index for p in before), (item.code, before)


def _chart_words(spec: dict[str, Any]) -> str:
    """The words a reader sees on a chart: title, axis and legend titles, level names."""
    found = [str(spec.get("title", {}).get("text", ""))]
    for layer in spec.get("layer", []):
        for channel in layer.get("encoding", {}).values():
            if isinstance(channel, dict):
                found.append(str(channel.get("title", "")))
                found.append(
                    str(channel.get("legend", {}).get("title", ""))
                    if isinstance(channel.get("legend"), dict)
                    else ""
                )
                axis = channel.get("axis")
                if isinstance(axis, dict):
                    found += re.findall(r"'([^']*)'", str(axis.get("labelExpr", "")))
    return " ".join(found)
