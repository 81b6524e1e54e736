"""The Streamlit app through streamlit.testing (AppTest): every page, every role, real parts.

The app runs on an assistant with the real bundled index and model; pages that write (feedback,
overrides, uploads, re-index) get a school database and home of their own.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from assistant.app.texts import plain
from assistant.container import Assistant, build_assistant
from assistant.demo.load import load_demo
from assistant.ingest.loaders import load_guide, section_name
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.db import Evidence, MasteryOverride
from assistant.retrieval.embeddings import Embedder
from assistant.settings import BUNDLED_KNOWLEDGE
from tests.conftest import REPO, make_settings, seed_vectors
from ui import resources, state

APP = str(REPO / "ui" / "app.py")
REFUSAL = "I can't share information about that learner."


def _serve(assistant: Assistant) -> None:
    prepared = resources.use(assistant)
    prepared.start(assistant.start_work())
    status = prepared.wait(300)
    assert status.ready, status


def open_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def sign_in(user_id: str) -> AppTest:
    at = open_app()
    at.button(key=f"demo_{user_id}").click().run()
    assert not at.exception, at.exception
    return at


def ask(at: AppTest, question: str) -> str:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return str(at.chat_message[-1].markdown[0].value)


def page_text(at: AppTest) -> str:
    parts = [str(m.value) for m in at.markdown] + [str(m.value) for m in at.caption]
    parts += [str(t.value) for t in at.title] + [str(e.label) for e in at.expander]
    parts += [str(a.value) for a in [*at.info, *at.success, *at.warning, *at.error]]
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    return "\n".join(parts)


@pytest.fixture
def app(demo_assistant: Assistant) -> Iterator[None]:
    _serve(demo_assistant)
    yield
    resources._injected = None


@pytest.fixture
def school(tmp_path: Path, demo_assistant: Assistant, embedder: Embedder) -> Iterator[Assistant]:
    """The bundled index with a learner database (and uploads folder) of this test's own."""
    settings = make_settings(
        demo_assistant.settings.home,
        database_url=f"sqlite:///{tmp_path / 'school.sqlite3'}",
        database_create=True,  # a new database at a configured path is asked for
    )
    built = build_assistant(settings, embedder=embedder)
    load_demo(built.roster_importer, built.evidence_importer, built.overrides, LOCAL_ADMIN)
    _serve(built)
    yield built
    resources._injected = None


# sign-in -------------------------------------------------------------------------------
def test_sign_in_page_offers_demo_accounts_of_every_role_and_shows_no_data(app: None) -> None:
    at = open_app()
    keys = [b.key for b in at.button]
    for user in (
        "demo_stu.L001",
        "demo_par.001",
        "demo_t.okafor",
        "demo_lead.ramos",
        "demo_admin.reyes",
    ):
        assert user in keys
    assert not at.chat_input and not at.metric and not at.dataframe
    assert "demo school" in page_text(at).lower()
    with pytest.raises(ValueError):  # only the sign-in page exists before signing in
        at.switch_page("screens/student.py")


def test_school_identity_is_mapped_to_its_user_and_unknown_identities_get_nothing(
    app: None,
) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets["auth"] = {"client_id": "waypoint", "server_metadata_url": "http://127.0.0.1/x"}
    at.secrets["waypoint"] = {"identities": {"Amara.Okafor@school.example": "t.okafor"}}
    at.user = {"is_logged_in": True, "email": "amara.okafor@school.example"}
    at.run()
    assert not at.exception, at.exception
    assert not at.sidebar.markdown  # no email_verified claim: not signed in
    assert "no Waypoint account" in "\n".join(w.value for w in at.warning)
    assert not [b for b in at.button if b.key and b.key.startswith("demo_")]
    assert "identity provider" in "\n".join(str(c.value) for c in at.caption)

    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets["auth"] = {"client_id": "waypoint", "server_metadata_url": "http://127.0.0.1/x"}
    at.secrets["waypoint"] = {"identities": {"Amara.Okafor@school.example": "t.okafor"}}
    at.user = {
        "is_logged_in": True,
        "email": "Amara.Okafor@School.example",
        "email_verified": True,
    }
    at.run()
    assert not at.exception, at.exception
    assert "Amara Okafor (teacher)" in "\n".join(m.value for m in at.sidebar.markdown)

    stranger = AppTest.from_file(APP, default_timeout=120)
    stranger.secrets["auth"] = {"client_id": "waypoint"}
    stranger.user = {
        "is_logged_in": True,
        "email": "nobody@elsewhere.example",
        "email_verified": True,
    }
    stranger.run()
    assert "no Waypoint account" in "\n".join(w.value for w in stranger.warning)
    assert not stranger.chat_input


# chat ------------------------------------------------------------------------------------
def test_student_chat_streams_next_steps_with_cards_and_sources(app: None) -> None:
    at = sign_in("stu.L001")
    assert [b.label for b in at.button if b.key and b.key.startswith("starter_")]
    answer = ask(at, "What should I work on next?")
    assert "your next step" in answer.lower()
    labels = [e.label for e in at.chat_message[-1].expander]
    assert any(label.startswith("Next steps (") for label in labels)
    assert any(str(c.value).startswith("Sources (") for c in at.chat_message[-1].caption)
    expected = resources.get_assistant().recommender.for_learner(
        resources.get_assistant().access.viewer("stu.L001"), "L001"
    )
    assert expected.steps[0].code in answer


def test_a_citation_opens_onto_the_whole_section_it_names(app: None) -> None:
    path = "guides/parents/what-is-cbe.en.md"
    guide = load_guide(BUNDLED_KNOWLEDGE / path, path, max_bytes=10**7)
    name = "What competency-based education is"
    section = next(s for s in guide.sections if section_name(s.headings, guide.title) == name)
    pieces = [
        c
        for c in resources.get_assistant().records.all_chunks()
        if c.source == path
        and (c.metadata.get("section"), c.metadata.get("doc_type")) == (name, "guide")
    ]
    assert len(pieces) >= 2  # a long section, indexed in parts
    at = sign_in("par.001")
    at.switch_page("screens/chat.py").run()
    ask(at, guide.questions[name][0])
    answer = at.session_state[state.CHAT].turns[-1].answer
    cited = [c for c in answer.citations if (c.source, c.section) == (path, name)]
    assert cited, answer.citations
    number = answer.citations.index(cited[0]) + 1
    shown = at.chat_message[-1]
    assert [str(c.value) for c in shown.caption if str(c.value).startswith("Sources (")] == [
        f"Sources ({len(answer.citations)})"
    ]
    assert len([e for e in shown.expander if e.label.startswith("\\[")]) == len(answer.citations)
    label = f"\\[{number}\\] {plain(f'{guide.title} › {name}')}"
    opened = next(e for e in shown.expander if e.label == label)
    body = "\n".join(str(m.value) for m in opened.markdown)
    assert _words(_unescaped(body)) == _words(section.text)  # every part, in order
    assert guide.questions[name][1] not in _unescaped(body)  # never its listed questions


def _words(text: str) -> str:
    return " ".join(text.split())


def _unescaped(markdown: str) -> str:
    """Markdown made by `plain`, back to the characters it shows."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def test_student_asking_about_another_student_learns_nothing_about_them(app: None) -> None:
    assistant = resources.get_assistant()
    other = assistant.progress.for_learner(LOCAL_ADMIN, "L002").learner.name
    at = sign_in("stu.L001")
    answer = ask(at, f"How is {other} doing?")
    made_up = ask(sign_in("stu.L001"), "How is Nora Whitfield doing?")
    assert other not in answer and other.split()[0] not in answer
    assert answer == made_up  # the same reply as for nobody: existence is not revealed


def test_starter_question_is_asked_when_clicked_and_new_conversation_forgets(app: None) -> None:
    at = sign_in("par.001")
    at.switch_page("screens/chat.py").run()
    starter = next(b for b in at.button if b.key == "starter_0")
    starter.click().run()
    assert not at.exception, at.exception
    assert len(at.chat_message) == 2
    assert at.chat_message[0].markdown[0].value == starter.label
    next(b for b in at.button if b.label == "New conversation").click().run()
    assert len(at.chat_message) == 0


def test_thumbs_down_with_comment_is_stored_once_and_exported_as_a_gold_case(
    school: Assistant,
) -> None:
    at = sign_in("par.001")
    at.switch_page("screens/chat.py").run()
    ask(at, "What does a 3 on M.6.RP.2 mean?")
    at.chat_message[-1].feedback[0].set_value(0).run()
    assert not at.exception, at.exception
    at.text_input[0].set_value("Too technical for me").run()
    at.run()
    entries = school.feedback.recent()
    assert len(entries) == 1
    assert entries[0].rating == 0 and entries[0].comment == "Too technical for me"
    assert entries[0].question == "What does a 3 on M.6.RP.2 mean?"
    cases = school.feedback.gold_cases()
    assert [case["question"] for case in cases] == ["What does a 3 on M.6.RP.2 mean?"]


# progress pages --------------------------------------------------------------------------
def test_student_progress_page_shows_own_levels_map_and_next_steps(app: None) -> None:
    at = sign_in("stu.L001")
    at.switch_page("screens/student.py").run()
    assert not at.exception, at.exception
    assert [t.label for t in at.tabs] == ["Next steps", "By area", "Over time", "Path"]
    total = sum(int(m.value) for m in at.metric)
    progress = resources.get_assistant().progress.for_learner(
        resources.get_assistant().access.viewer("stu.L001"), "L001"
    )
    assert total == len(progress.competencies) > 0
    text = page_text(at)
    assert progress.next_steps.steps[0].code in text
    assert "Liam" not in text


def test_parent_page_in_plain_words_switches_to_spanish(app: None) -> None:
    at = sign_in("par.001")
    assert [t.value for t in at.title] == ["Progress of Maya Lindgren"]
    text = page_text(at)
    assert "What the levels mean" in text and "How you can help at home" in text
    at.segmented_control[0].set_value("es").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Progreso de Maya Lindgren"]
    assert "Cómo ayudar en casa" in page_text(at)
    # the next-step cards are worded in Spanish too, as the chat words them
    spanish = page_text(at)
    assert "Maya está en 2 (En desarrollo)" in spanish and "Maya is at" not in spanish
    assert "Resolver problemas de tasas unitarias" in spanish


def test_parent_of_two_chooses_a_child_and_sees_only_their_children(app: None) -> None:
    at = sign_in("par.010")
    options = at.selectbox(key="wp_child").options
    assert len(options) == 2
    first = at.title[0].value
    at.selectbox(key="wp_child").set_value("L050").run()
    assert not at.exception, at.exception
    assert at.title[0].value != first


# teacher ---------------------------------------------------------------------------------
def test_teacher_sees_only_their_classes_and_their_learners(app: None) -> None:
    at = sign_in("t.okafor")
    at.session_state[state.TEACHER_TAB] = "Learner"  # only the open tab is drawn
    at.switch_page("screens/teacher.py").run()
    assert not at.exception, at.exception
    assert [o.split(":")[0] for o in at.selectbox(key="wp_class").options] == ["6A", "6B"]
    assert [t.label for t in at.tabs][:4] == ["Heat map", "Stuck", "Flexible groups", "Tiers"]
    assistant = resources.get_assistant()
    info = assistant.learner_store.class_info("6A")

    def names(class_id: str) -> set[str]:
        learners = assistant.learner_store.class_info(class_id).learner_ids
        return {assistant.progress.for_learner(LOCAL_ADMIN, key).learner.name for key in learners}

    shown = set(at.selectbox(key="teacher_learner").options)
    assert shown == names("6A") and len(info.learner_ids) == len(shown)
    assert not shown & names("7A")


def test_teacher_asks_about_own_learner_by_name_but_not_about_another_class(app: None) -> None:
    assistant = resources.get_assistant()
    mine = assistant.progress.for_learner(LOCAL_ADMIN, "L001").learner.name
    other = sorted(assistant.learner_store.class_info("7A").learner_ids)[0]
    name = assistant.progress.for_learner(LOCAL_ADMIN, other).learner.name
    at = sign_in("t.okafor")
    answer = ask(at, f"What should {mine} work on next?")
    assert "M.6." in answer and "Which learner" not in answer
    hidden = ask(sign_in("t.okafor"), f"How is {name} doing?")
    made_up = ask(sign_in("t.okafor"), "How is Nora Whitfield doing?")
    assert name not in hidden
    assert hidden == made_up  # the same reply as for nobody: existence is not revealed


def test_teacher_override_needs_a_reason_and_is_recorded_with_it(school: Assistant) -> None:
    at = sign_in("t.okafor")
    at.session_state[state.TEACHER_TAB] = "Learner"
    at.switch_page("screens/teacher.py").run()
    learner = at.selectbox(key="teacher_learner").value
    at.selectbox(key="override_code").set_value("M.6.RP.1")
    at.selectbox(key="override_level").set_value(4.0)
    next(b for b in at.button if b.label == "Record the level").click().run()
    assert at.error, "an override without a reason must be refused"
    with school.learner_db.session() as session:
        before = session.scalar(select(func.count()).select_from(MasteryOverride))
    at.selectbox(key="override_code").set_value("M.6.RP.1")
    at.selectbox(key="override_level").set_value(4.0)
    at.text_area(key="override_reason").set_value("Showed it in a conference")
    next(b for b in at.button if b.label == "Record the level").click().run()
    assert not at.exception, at.exception
    assert any("Recorded: M.6.RP.1" in s.value for s in at.success)
    with school.learner_db.session() as session:
        rows = list(
            session.scalars(select(MasteryOverride).where(MasteryOverride.learner_id == learner))
        )
        after = session.scalar(select(func.count()).select_from(MasteryOverride))
    assert after == (before or 0) + 1
    assert rows[-1].reason == "Showed it in a conference" and rows[-1].decided_by == "t.okafor"


def test_evidence_upload_lists_bad_rows_and_writes_nothing_then_imports_a_good_file(
    school: Assistant,
) -> None:
    def evidence_count() -> int:
        with school.learner_db.session() as session:
            return int(session.scalar(select(func.count()).select_from(Evidence)) or 0)

    before = evidence_count()
    header = "learner_id,competency,score,observed_at\n"
    bad = header + "L001,M.6.RP.1,3,2026-11-02\nL001,M.9.ZZ.9,3,2026-11-02\nL999,M.6.RP.1,7,x\n"
    at = sign_in("t.okafor")
    at.session_state[state.TEACHER_TAB] = "Upload evidence"
    at.switch_page("screens/teacher.py").run()
    at.file_uploader(key="evidence").set_value(("quiz.csv", bad.encode(), "text/csv")).run()
    next(b for b in at.button if b.key == "import_evidence").click().run()
    assert not at.exception, at.exception
    assert any("nothing was imported" in e.value for e in at.error)
    problems = at.dataframe[-1].value
    assert sorted(set(problems["Line"])) == [3, 4]
    assert evidence_count() == before

    good = header + "L001,M.6.RP.1,3,2026-11-02\nL002,M.6.RP.2,2,2026-11-02\n"
    at.file_uploader(key="evidence").set_value(("quiz.csv", good.encode(), "text/csv")).run()
    next(b for b in at.button if b.key == "import_evidence").click().run()
    assert any("2 pieces of evidence added" in s.value for s in at.success)
    assert evidence_count() == before + 2


# admin -----------------------------------------------------------------------------------
def small_knowledge(folder: Path) -> Path:
    """The bundled frameworks, demo school and parent guides: a corpus that indexes quickly."""
    for part in ("frameworks", "demo", "guides/parents"):
        shutil.copytree(BUNDLED_KNOWLEDGE / part, folder / part)
    return folder


def test_admin_refuses_a_broken_framework_and_indexes_a_new_guide(
    tmp_path: Path, embedder: Embedder, bundled_assistant: Assistant
) -> None:
    knowledge = small_knowledge(tmp_path / "knowledge")
    school = build_assistant(
        make_settings(tmp_path / "home", knowledge_dir=knowledge), embedder=embedder
    )
    seed_vectors(school, bundled_assistant)  # its first index reuses the bundled vectors
    _serve(school)
    at = sign_in("admin.reyes")
    at.switch_page("screens/admin.py").run()
    assert not at.exception, at.exception
    passages = int(next(m.value for m in at.metric if m.label == "Passages"))
    assert at.selectbox(key="knowledge_audience").value == "all"  # not "students"
    assert "up to 20 MB" in "\n".join(str(c.value) for c in at.caption)

    broken = json.dumps({"CFDocument": {"identifier": "x"}, "CFItems": [{"identifier": 1}]})
    at.file_uploader(key="knowledge_upload").set_value(
        ("broken.json", broken.encode(), "application/json")
    ).run()
    at.button(key="knowledge_add").click().run()
    assert any("broken.json" in e.value and "nothing was changed" in e.value for e in at.error)
    assert not (school.settings.home / "uploads" / "frameworks" / "broken.json").exists()

    guide = (
        "---\ntitle: Snow day learning\naudience: parents\ntopic: home\nlanguage: en\n---\n"
        "# Snow day learning\n\n## Baking with ratios\n\nOn a snow day, double a pancake recipe "
        "together and talk about how the ratio of flour to milk stays the same.\n"
    )
    at.file_uploader(key="knowledge_upload").set_value(
        ("snow-day.md", guide.encode(), "text/markdown")
    ).run()
    at.selectbox(key="knowledge_audience").set_value("parents")
    at.button(key="knowledge_add").click().run()  # checked, kept and indexed in one step
    assert not at.exception, at.exception
    assert any("Added snow-day.md" in s.value and "Indexed:" in s.value for s in at.success)
    assert int(next(m.value for m in at.metric if m.label == "Passages")) > passages
    assert at.file_uploader(key="knowledge_upload_1").value is None  # the box is empty again
    hits = school.retriever.search("snow day pancake recipe ratio", k=3)
    assert any("snow-day.md" in hit.chunk.source for hit in hits)
    files = at.dataframe[0].value
    row = files[files["File"] == "parents/snow-day.md"].iloc[0]
    assert (row["From"], row["For"], row["Type"]) == ("uploaded", "Parents", "guide")
    assert row["Passages"] >= 1 and row["Changed"]
    # by type and by audience, in separate tables
    assert "Parents" not in set(at.dataframe[1].value["Type"])
    assert "Parents" in set(at.dataframe[2].value["For"])

    at.selectbox(key="knowledge_remove").set_value("parents/snow-day.md").run()  # enables it
    at.button(key="knowledge_remove_button").click().run()  # removed and re-indexed
    assert not at.exception, at.exception
    assert any("Removed parents/snow-day.md" in s.value for s in at.success)
    assert "parents/snow-day.md" not in set(at.dataframe[0].value["File"])
    assert int(next(m.value for m in at.metric if m.label == "Passages")) == passages
    hits = school.retriever.search("snow day pancake recipe ratio", k=3)
    assert not any("snow-day.md" in hit.chunk.source for hit in hits)
    resources._injected = None


class GatedEmbedder:
    """The real model, whose document batches wait until the test opens the gate: the index
    cannot be ready before the test has looked at the page."""

    def __init__(self, real: Embedder) -> None:
        self.real = real
        self.name = real.name
        self.gate = threading.Event()

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.gate.wait(600)
        return self.real.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.real.embed_query(text)


def test_pages_render_while_the_knowledge_base_is_still_being_prepared(
    tmp_path: Path, embedder: Embedder, bundled_assistant: Assistant
) -> None:
    knowledge = small_knowledge(tmp_path / "knowledge")
    (knowledge / "guides" / "parents" / "new-this-week.md").write_text(  # not in the bundle
        "---\ntitle: New this week\naudience: parents\ntopic: home\nlanguage: en\n---\n"
        "# New this week\n\n## Fractions at the market\n\nCompare the price per kilo of two "
        "bags of apples together.\n",
        encoding="utf-8",
    )
    gated = GatedEmbedder(embedder)
    built = build_assistant(
        make_settings(tmp_path / "home", knowledge_dir=knowledge), embedder=gated
    )
    seed_vectors(built, bundled_assistant)  # only the new guide needs the model
    prepared = resources.use(built)
    try:
        at = open_app()  # starts preparing; the page must not wait for the whole index
        status = prepared.status
        assert not status.ready
        assert at.button or at.info  # sign-in or the progress note: the page is there
        gated.gate.set()
        prepared.wait(600)
        assert prepared.status.ready, prepared.status
        at = sign_in("stu.L001")
        at.switch_page("screens/chat.py").run()
        assert at.chat_input
    finally:
        gated.gate.set()
        resources._injected = None
