"""Learner attributes never leave the leaders' equity section: not on a teacher's, student's or
parent's page, not in a chat answer, not in the language model's prompt, not in an export.

The demo school (over the fakes) with one more roster column, `group_house`, whose value for
every student is a word found nowhere else (TOKEN); the demo's own `english_learner` and `iep`
columns are there too. The leader's page shows the token (it is the one place meant to), which
proves the data is there to leak; every other surface is searched for it and for the
attributes' names. A last test reads the source: the attribute table is read in one function,
and that function is called only by the leaders' figures."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from assistant.chat.types import AskContext, Role
from assistant.container import Assistant
from assistant.container_chat import build_chat_engine
from assistant.demo.school import DEMO_DIR
from assistant.frameworks.case_export import export_package
from assistant.learners.access import LOCAL_ADMIN, Viewer
from assistant.oneroster.export import OneRosterExporter
from assistant.privacy.export import LearnerExporter
from tests.conftest import REPO
from tests.fakes.engine import demo_school
from tests.fakes.retriever import FakeRetriever
from tests.support_pages import served
from ui import state

TOKEN = "Zephyrquill"
NAMES = ("group_house", "english_learner", "section_504")
SCREENS = REPO / "ui" / "screens"
QUESTIONS: tuple[tuple[Role, str, str], ...] = (
    ("teacher", "t.okafor", "how is 6A doing?"),
    ("teacher", "t.okafor", "which learners in 6A are English learners or have an IEP?"),
    ("teacher", "t.okafor", "what should Maya work on next?"),
    ("teacher", "t.okafor", f"who is in house {TOKEN}?"),
    ("student", "stu.L001", "am I an English learner? what is my group_house?"),
    ("student", "stu.L001", "what should I work on next?"),
    ("parent", "par.001", "how is my child doing?"),
    ("admin", "admin.reyes", "how is 6A doing?"),
)


def leaked(text: str) -> list[str]:
    return [word for word in (TOKEN, *NAMES) if word.casefold() in text.casefold()]


@pytest.fixture(scope="module")
def school(
    tmp_path_factory: pytest.TempPathFactory, fake_retriever: FakeRetriever
) -> Iterator[Assistant]:
    folder = tmp_path_factory.mktemp("equity-privacy")
    built = demo_school(folder / "home", fake_retriever)
    with (DEMO_DIR / "roster.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[0].append("group_house")
    for row in rows[1:]:
        row.append(TOKEN if row[1] == "student" else "")
    people = folder / "roster.csv"
    with people.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    built.roster_importer.import_files([DEMO_DIR / "classes.csv", people], LOCAL_ADMIN)
    yield built
    built.records.close()
    built.learner_db.dispose()


# pages ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pages(school: Assistant) -> Iterator[Assistant]:
    with served(school):
        yield school


def page_text(school: Assistant, screen: str, user_id: str) -> str:
    at = AppTest.from_file(str(SCREENS / f"{screen}.py"), default_timeout=60)
    at.session_state[state.ACCOUNT] = school.directory.account(user_id, demo=True)
    at.session_state[state.LANGUAGE] = "en"
    at.run()
    assert not at.exception, at.exception
    parts = [str(m.value) for m in [*at.markdown, *at.caption, *at.title, *at.subheader]]
    parts += [str(m.value) for m in [*at.info, *at.warning, *at.success]]
    parts += [f"{m.label}={m.value}" for m in at.metric]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    parts += [str(getattr(m, "proto", "")) for m in at.get("html")]
    return "\n".join(parts)


def test_the_leaders_page_shows_the_group(pages: Assistant) -> None:
    assert TOKEN in page_text(pages, "leader", "lead.ramos")


@pytest.mark.parametrize(
    ("screen", "user_id"),
    [("teacher", "t.okafor"), ("student", "stu.L001"), ("parent", "par.001")],
)
def test_no_other_page_shows_an_attribute(pages: Assistant, screen: str, user_id: str) -> None:
    text = page_text(pages, screen, user_id)
    assert text.strip() and leaked(text) == []


# chat and the language model's prompt ----------------------------------------------------------
class Chunk:
    def __init__(self, content: str) -> None:
        self.content = content


class RecordingModel:
    """A chat model that keeps every prompt it is given and answers with its first passage."""

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def stream(self, messages: list[tuple[str, str]]) -> Iterator[Chunk]:
        self.prompts.append("\n".join(text for _, text in messages))
        yield Chunk("Here is what the figures say [S1].")


def answer_text(answer: Any) -> str:
    return json.dumps(
        [answer.text, answer.facts, answer.steps, [str(c) for c in answer.citations]],
        default=str,
    )


@pytest.mark.parametrize(("role", "user", "question"), QUESTIONS)
def test_no_chat_answer_holds_an_attribute(
    school: Assistant, role: Role, user: str, question: str
) -> None:
    answer = school.chat.ask(question, AskContext(role=role, user_id=user))
    assert leaked(answer_text(answer)) == []


def test_no_prompt_to_the_language_model_holds_an_attribute(school: Assistant) -> None:
    settings = school.settings.updated(
        llm_provider="openai",
        llm_base_url="http://127.0.0.1:9",  # local: learner data may go to it
        llm_share_learner_data=True,
    )
    engine = build_chat_engine(school, settings)
    assert engine.llm is not None
    model = RecordingModel()
    engine.llm.composer._model = model  # the composer asks the factory only when unset
    for role, user, question in QUESTIONS:
        engine.ask(question, AskContext(role=role, user_id=user))
    assert len(model.prompts) >= 4  # the learner-data answers went through the model
    assert [leaked(prompt) for prompt in model.prompts] == [[]] * len(model.prompts)


# exports ----------------------------------------------------------------------------------------
def test_no_export_holds_an_attribute(school: Assistant, tmp_path: Path) -> None:
    found: list[str] = []
    exporter = OneRosterExporter(school.learner_db, school.catalog, school.class_reports)
    out = tmp_path / "6A.zip"
    exporter.export_class(Viewer("t.okafor", "teacher", "Amara Okafor"), "6A", out)
    with zipfile.ZipFile(out) as archive:
        found += [archive.read(name).decode() for name in archive.namelist()]
    for framework in school.catalog.frameworks:
        found.append(json.dumps(export_package(framework)))
    teacher = Viewer("t.okafor", "teacher", "Amara Okafor")
    issued = school.credentials.issue(teacher, "L001", "M.6.RP.2")
    found += [issued.document, issued.jwt]
    own = LearnerExporter(school.learner_db, school.access).collect(
        Viewer("stu.L001", "student"), "L001"
    )
    found.append(json.dumps(own.as_json(), default=str))
    assert all(found) and leaked("\n".join(found)) == []


# the source -------------------------------------------------------------------------------------
def test_the_attribute_table_is_read_only_for_the_leaders_figures() -> None:
    """Every module that names the table or reads it through `school_attributes` (the only
    function that selects values): the model, the importers and privacy write or delete it;
    only the leaders' figures read it."""
    uses: dict[str, set[str]] = {}
    for path in sorted((REPO / "assistant").rglob("*.py")) + sorted((REPO / "ui").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for name in ("LearnerAttribute", "learner_attributes", "school_attributes"):
            if re.search(rf"\b{name}\b", text):
                uses.setdefault(name, set()).add(str(path.relative_to(REPO)))
    assert uses["school_attributes"] == {
        "assistant/learners/attributes.py",
        "assistant/leaders/figures.py",
    }
    assert uses["LearnerAttribute"] | uses["learner_attributes"] <= {
        "assistant/learners/tables.py",
        "assistant/learners/db.py",
        "assistant/learners/attributes.py",
        "assistant/privacy/forget.py",
        "assistant/privacy/retention.py",
        "assistant/learners/migrations/versions/0007_learner_attributes.py",
        "assistant/leaders/stamps.py",  # counts rows for the data's stamp
    }


FORBIDDEN = re.compile(
    r"school_attributes|LearnerAttribute|learner_attributes|EquityFigures|leaders\.equity"
    r"|\.equity\(|leader_equity"
)


def test_no_chat_export_api_or_other_page_reaches_the_equity_figures() -> None:
    """The chat (and its prompts), the API, the exports (OneRoster, credentials, privacy), the
    app services and the teacher's, student's and parent's pages name nothing that leads to the
    attributes or the equity figures."""
    places = [
        *(REPO / "assistant" / "chat").rglob("*.py"),
        *(REPO / "assistant" / "api").rglob("*.py"),
        *(REPO / "assistant" / "app").rglob("*.py"),
        *(REPO / "assistant" / "credentials").rglob("*.py"),
        *(REPO / "assistant" / "recommend").rglob("*.py"),
        *(REPO / "assistant" / "lti").rglob("*.py"),
        REPO / "assistant" / "oneroster" / "export.py",
        REPO / "assistant" / "oneroster" / "writer.py",
        REPO / "assistant" / "frameworks" / "case_export.py",
        REPO / "assistant" / "privacy" / "export.py",
        *(REPO / "prompts").glob("llm_*"),
        *(REPO / "ui" / "views" / f"{name}.py" for name in ("teacher", "student", "parent")),
        REPO / "ui" / "views" / "chat.py",
    ]
    found = {
        str(path.relative_to(REPO)): FORBIDDEN.findall(path.read_text(encoding="utf-8"))
        for path in places
        if path.is_file()
    }
    assert len(found) > 40 and {k: v for k, v in found.items() if v} == {}
