"""Every page shows poisoned content as text: a school whose framework, practice resources,
roster and class names carry Markdown images, raw HTML and a telephone lure is shown to a
parent, a student and a teacher (AppTest, real database and index), and nothing on any page
would render as an image, a link or HTML, while the poisoned words themselves are there."""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.container import Assistant, build_assistant
from assistant.demo.load import load_demo
from assistant.demo.school import DEMO_DIR
from assistant.learners.access import LOCAL_ADMIN
from assistant.retrieval.embeddings import Embedder
from assistant.settings import BUNDLED_KNOWLEDGE
from tests.conftest import REPO, make_settings
from tests.support_markdown import BARE_URL, SHORTCODE, tokens
from ui import resources

APP = str(REPO / "ui" / "app.py")
HOST = "//127.0.0.1:9"
LURE = "Call 555 0142 to confirm your child's place."
HOME = "Cook together and talk about ratios ![home [in] x](home.png) <b>for the fun of it</b>."
ALIVE = {"image", "link_open", "html_inline", "html_block"}


def payload(tag: str) -> str:
    """An image with nested brackets and a raw HTML image, both named by `tag`."""
    return f" ![{tag} [in] x]({HOST}/{tag}.png) <img src={HOST}/{tag}-2.png>"


def _poison_framework(source: Path, target: Path) -> None:
    data = json.loads(source.read_text(encoding="utf-8"))
    for item in data["CFItems"]:
        if item.get("CFItemType") in ("Domain", "Competency"):
            item["abbreviatedStatement"] += payload("fw")
            item["fullStatement"] += payload("fw")
    target.write_text(json.dumps(data), encoding="utf-8")


def _poison_resource(source: Path, target: Path) -> None:
    text = source.read_text(encoding="utf-8")
    text = re.sub(
        r"^title: (.*)$",
        lambda m: "title: " + json.dumps(m.group(1).strip("\"'") + payload("res")),
        text,
        count=1,
        flags=re.M,
    )
    text = re.sub(
        r"^(## .*(?:parent|family|home).*\n)",
        lambda m: m.group(1) + f"\n{LURE}\n\n{HOME}\n\n",
        text,
        flags=re.M | re.I,
    )
    target.write_text(text, encoding="utf-8")


def _poison_csv(source: Path, target: Path, column: str, key: str, value: str) -> None:
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if key in row.values():
            row[column] += payload(value)
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def poisoned_school(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[Assistant]:
    tmp_path = tmp_path_factory.mktemp("poisoned-school")
    knowledge = tmp_path / "knowledge"
    shutil.copytree(BUNDLED_KNOWLEDGE / "frameworks", knowledge / "frameworks")
    for path in (knowledge / "frameworks").glob("*math*.json"):
        _poison_framework(path, path)
    (knowledge / "resources" / "math").mkdir(parents=True)
    for path in (BUNDLED_KNOWLEDGE / "resources" / "math").glob("m-6-*.md"):
        _poison_resource(path, knowledge / "resources" / "math" / path.name)
    demo = shutil.copytree(DEMO_DIR, tmp_path / "demo")
    _poison_csv(DEMO_DIR / "roster.csv", demo / "roster.csv", "name", "L001", "name")
    _poison_csv(DEMO_DIR / "classes.csv", demo / "classes.csv", "name", "6A", "class")
    school = build_assistant(
        make_settings(tmp_path / "home", knowledge_dir=knowledge), embedder=embedder
    )
    load_demo(school.roster_importer, school.evidence_importer, school.overrides, LOCAL_ADMIN, demo)
    prepared = resources.use(school)
    prepared.start(school.start_work())
    status = prepared.wait(300)
    assert status.ready, status
    yield school
    resources._injected = None


def _sources(at: AppTest) -> list[str]:
    """Every text on the page that Streamlit renders as Markdown."""
    found: list[str] = []
    for kind in ("markdown", "caption", "title", "header", "subheader"):
        found += [str(element.value) for element in getattr(at, kind)]
    for kind in ("info", "success", "warning", "error"):
        found += [str(element.value) for element in getattr(at, kind)]
    found += [str(element.label) for element in [*at.expander, *at.tabs, *at.metric]]
    found += [str(button.label) for button in at.button]
    found += [str(button.help) for button in at.button if button.help]
    found += [str(widget.label) for widget in [*at.selectbox, *at.multiselect, *at.text_area]]
    return found


def _alive(source: str) -> list[str]:
    found = [f"{t.type} {t.attrs}" for t in tokens(source) if t.type in ALIVE]
    for token in tokens(source):
        if token.type == "text":
            found += [m.group() for m in BARE_URL.finditer(token.content)]
            found += [m.group() for m in SHORTCODE.finditer(token.content)]
    return found


def _open(user_id: str, page: str | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.button(key=f"demo_{user_id}").click().run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize(
    ("user_id", "page", "tags"),
    [
        ("par.001", None, ("name", "fw", "res", "home")),
        ("stu.L001", "screens/student.py", ("fw", "res")),
        # the teacher's competency titles are in the heat map's chart now (drawn as SVG text)
        ("t.okafor", "screens/teacher.py", ("class",)),
    ],
)
def test_poisoned_content_is_shown_as_text_on_every_page(
    poisoned_school: Assistant, user_id: str, page: str | None, tags: tuple[str, ...]
) -> None:
    at = _open(user_id, page)
    sources = _sources(at)
    alive = {source: _alive(source) for source in sources if _alive(source)}
    assert alive == {}
    shown = "\n".join(sources).replace("\\", "").replace("\u2060", "")
    for tag in tags:
        assert f"![{tag} [in] x]" in shown, tag
    assert "555 0142" not in shown  # a lure in a parent's "how to help at home" is left out
