"""The teacher's and the admin's pages in Spanish show no English sentence of the page words
(prompts/ui.yaml): every label, caption, button, tab and column comes from the Spanish words.
AppTest on the four scripted learners of tests/support_leaders.py (no index or model)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.app.bootstrap import Preparation, Status
from assistant.container import Assistant
from assistant.settings import BUNDLED_PROMPTS
from assistant.texts.files import read_yaml
from tests.conftest import REPO
from tests.support_leaders import leader_school
from ui import resources, state

APP = str(REPO / "ui" / "app.py")
WORDS = read_yaml(BUNDLED_PROMPTS / "ui.yaml")
REASONS = read_yaml(BUNDLED_PROMPTS / "reasons.yaml")  # groups, tiers and stuck notes
TEACHER_TABS = ("heat_map", "stuck", "groups", "tiers", "learner", "upload_evidence")


def english_sentences() -> set[str]:
    """The pieces of each English page text and class-report reason between placeholders that
    Spanish says differently, long enough (three words or more) to be a sentence and not a
    shared word such as "Level"."""
    found: set[str] = set()
    for key, text in WORDS["en"].items():
        if isinstance(text, str) and WORDS["es"].get(key) != text:
            found |= pieces(text)
    for section in ("groups", "stuck", "tiers"):
        for text in REASONS[section].values():
            found |= pieces(text)
    return found


def pieces(text: str) -> set[str]:
    found = set()
    for piece in re.split(r"\{[^}]*\}", text):
        piece = " ".join(piece.replace("**", "").split()).strip(" .:,;()·")
        if len(piece.split()) >= 3:
            found.add(piece)
    return found


ENGLISH = english_sentences()


@pytest.fixture
def school(tmp_path: Path) -> Iterator[Assistant]:
    built = leader_school(tmp_path)
    done = threading.Thread(target=lambda: None)
    done.start()
    done.join()
    ready = Preparation(_status=Status("ready", school_ready=True), _thread=done)
    resources._injected = (built, ready)
    yield built
    resources._injected = None


def shown(at: AppTest) -> str:
    """Everything a reader sees or hears on the page: texts, labels, helps, table columns."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "title", "subheader", "success", "error", "info"):
        parts += [str(e.value) for e in getattr(at, kind)]
    for kind in ("button", "selectbox", "multiselect", "text_input", "text_area", "radio"):
        for element in getattr(at, kind):
            parts += [str(element.label), str(getattr(element, "help", "") or "")]
            parts += [str(getattr(element, "placeholder", "") or "")]
    parts += [str(m.label) for m in at.metric]
    parts += [str(t.label) for t in at.tabs]
    for frame in at.dataframe:
        parts += [str(column) for column in frame.value.columns]
    for element in at.get("download_button") + at.get("file_uploader"):
        parts.append(str(element.proto.label))
    return "\n".join(parts)


def english_in(page: str) -> list[str]:
    flat = " ".join(page.replace("**", "").split())
    return sorted(sentence for sentence in ENGLISH if sentence in flat)


def spanish_page(built: Assistant, user: str, screen: str, tab: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[state.ACCOUNT] = built.directory.account(user, demo=True)
    at.session_state[state.LANGUAGE] = "es"
    if tab is not None:
        at.session_state[state.TEACHER_TAB] = WORDS["es"][tab]
    at.run()
    at.switch_page(screen).run()
    assert not at.exception, at.exception
    return at


def test_the_english_list_catches_an_english_page() -> None:
    assert len(ENGLISH) > 100
    assert english_in("Stuck on a competency: nobody right now") == []
    sample = next(iter(sorted(ENGLISH)))
    assert english_in(f"x {sample} y") == [sample]


def test_every_teacher_tab_in_spanish_shows_no_english_sentence(school: Assistant) -> None:
    at = spanish_page(school, "t1", "screens/teacher.py", TEACHER_TABS[0])
    for tab in TEACHER_TABS:
        at.session_state[state.TEACHER_TAB] = WORDS["es"][tab]
        at.run()
        assert not at.exception, at.exception
        page = shown(at)
        assert english_in(page) == [], tab
        assert f"{WORDS['es'][tab]}" in page


def test_the_admin_page_in_spanish_shows_no_english_sentence(school: Assistant) -> None:
    at = spanish_page(school, "adm", "screens/admin.py")
    page = shown(at)
    assert WORDS["es"]["knowledge"] in page
    assert english_in(page) == []


def test_the_start_up_progress_is_in_spanish_while_the_index_is_prepared(
    school: Assistant,
) -> None:
    done = threading.Thread(target=lambda: None)
    done.start()
    done.join()
    status = Status("knowledge", done=1, total=4, message="guías", school_ready=True)
    resources._injected = (school, Preparation(_status=status, _thread=done))
    at = spanish_page(school, "adm", "screens/admin.py")  # the admin page needs the index
    page = shown(at)
    assert "Waypoint está preparando" in page
    assert english_in(page) == []
