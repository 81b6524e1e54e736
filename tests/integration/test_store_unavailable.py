"""The vector store corrupted, emptied, unreachable or gone mid-session: one clear error naming
the store where a search needs it, keyword-only answers with a notice in the conversation, the
learner features untouched, and a rebuild from the index records that embeds nothing.

Real Chroma (embedded files we damage, and a real `chroma run` server on a loopback port that
we kill), the real model, real SQLite and the real `waypoint` command.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.app.bootstrap import Preparation
from assistant.chat.templates import load_templates
from assistant.chat.types import AskContext
from assistant.container import Assistant, build_assistant
from assistant.demo.load import load_demo
from assistant.errors import StoreUnavailableError
from assistant.learners.access import LOCAL_ADMIN
from assistant.retrieval.embeddings import Embedder
from assistant.settings import BUNDLED_KNOWLEDGE, BUNDLED_PROMPTS
from tests.conftest import make_settings
from tests.servers import embedded_only

GUIDES = ("what-is-cbe.en.md", "what-is-cbe.es.md", "helping-at-home-math.en.md")
QUESTION = "what is competency based education?"
TEMPLATES = load_templates(BUNDLED_PROMPTS)


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> tuple[Path, Path]:
    """(home, corpus): three parent guides indexed and the demo school loaded, built once."""
    root = tmp_path_factory.mktemp("store-unavailable")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in GUIDES:
        shutil.copy(BUNDLED_KNOWLEDGE / "guides" / "parents" / name, corpus / name)
    home = root / "home"
    built = build_assistant(make_settings(home), embedder=embedder)
    report = built.indexer.ingest([corpus])
    assert report.problems == [] and report.chunks_added > 10
    load_demo(built.roster_importer, built.evidence_importer, built.overrides, LOCAL_ADMIN)
    built.records.close()
    built.learner_db.dispose()
    return home, corpus


def copy_home(healthy: tuple[Path, Path], tmp_path: Path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(healthy[0], home)
    return home


def damage(chroma: Path, how: str) -> None:
    database = chroma / "chroma.sqlite3"
    if how == "truncated":
        with database.open("r+b") as f:
            f.truncate(database.stat().st_size // 3)
    elif how == "garbled":
        with database.open("r+b") as f:
            f.write(b"\x5a" * 4096)  # the header and the first page
    elif how == "emptied":
        database.write_bytes(b"")
    else:
        raise AssertionError(how)


# Pages of chroma.sqlite3 whose damage makes Chroma's Rust code panic (pyo3's PanicException, a
# BaseException) instead of returning an error, as found by overwriting each page in turn:
# its schema-migrations table, read when the store opens, and the index of its collections
# table, read when a collection's configuration is changed (which opening the store does).
PANICKING = {"on open": "migrations", "on configure": "sqlite_autoindex_collections_1"}


def make_chroma_panic(chroma: Path, where: str) -> None:
    """Overwrite the last page of that table, in the middle of the file, with garbage."""
    database = chroma / "chroma.sqlite3"
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        pages = [
            int(row[0])
            for row in conn.execute(
                "SELECT pageno FROM dbstat WHERE name = ? ORDER BY pageno", (PANICKING[where],)
            )
        ]
    assert pages, f"chroma.sqlite3 has no table {PANICKING[where]} any more"
    with database.open("r+b") as f:
        f.seek((pages[-1] - 1) * page_size)
        f.write(b"\x5a" * page_size)


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def waypoint_all(
    commands: list[list[str]], home: Path, **env: str
) -> list[subprocess.CompletedProcess[str]]:
    """Run `waypoint` commands side by side (they only read) and collect their results."""
    full_env = {
        **os.environ,
        "WAYPOINT_HOME": str(home),
        "WAYPOINT_PROFILE": "test",
        "HF_HUB_OFFLINE": "1",
        **env,
    }
    running = [
        (
            args,
            subprocess.Popen(
                [sys.executable, "-m", "assistant.cli", *args],
                env=full_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for args in commands
    ]
    results = []
    for args, process in running:
        out, err = process.communicate(timeout=300)
        results.append(subprocess.CompletedProcess(args, process.returncode, out, err))
    return results


def assert_one_line_naming(result: subprocess.CompletedProcess[str], store: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("waypoint: error: the knowledge index"), lines[0]
    assert store in lines[0], lines[0]
    assert result.stdout == ""


# The retriever ---------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["truncated", "garbled"])
def test_a_corrupted_store_raises_store_unavailable_and_keywords_still_work(
    healthy: tuple[Path, Path], tmp_path: Path, embedder: Embedder, how: str
) -> None:
    home = copy_home(healthy, tmp_path)
    damage(home / "chroma", how)
    assistant = build_assistant(make_settings(home), embedder=embedder)
    for mode in ("hybrid", "dense"):
        with pytest.raises(StoreUnavailableError) as raised:
            assistant.retriever.search(QUESTION, mode=mode)
        assert str(home / "chroma") in str(raised.value)
        assert "remove that folder" in str(raised.value)
    hits = assistant.retriever.search(QUESTION, mode="lexical")
    assert hits and hits[0].chunk.source == "what-is-cbe.en.md"


@embedded_only
@pytest.mark.parametrize("where", sorted(PANICKING))
def test_a_store_that_makes_chroma_panic_is_unavailable_and_chat_answers_from_keywords(
    healthy: tuple[Path, Path], tmp_path: Path, embedder: Embedder, where: str
) -> None:
    home = copy_home(healthy, tmp_path)
    make_chroma_panic(home / "chroma", where)
    assistant = build_assistant(make_settings(home), embedder=embedder)
    with pytest.raises(StoreUnavailableError) as raised:
        assistant.retriever.search(QUESTION)
    assert type(raised.value.__cause__).__name__ == "PanicException"  # a real Rust panic
    assert str(home / "chroma") in str(raised.value)
    assert "remove that folder" in str(raised.value)
    with pytest.raises(StoreUnavailableError, match="remove that folder"):  # and again
        assistant.retriever.search(QUESTION, mode="dense")
    hits = assistant.retriever.search(QUESTION, mode="lexical")
    assert hits and hits[0].chunk.source == "what-is-cbe.en.md"
    answer = assistant.chat.ask(QUESTION, AskContext(role="parent"))
    assert answer.notice == TEMPLATES.render("index_unavailable.notice", "en")
    assert not answer.abstained
    assert any(c.source == "what-is-cbe.en.md" for c in answer.citations)


@embedded_only
def test_preparing_the_app_on_a_store_that_makes_chroma_panic_fails_saying_what_to_do(
    healthy: tuple[Path, Path], tmp_path: Path, embedder: Embedder
) -> None:
    home = copy_home(healthy, tmp_path)
    make_chroma_panic(home / "chroma", "on open")
    assistant = build_assistant(make_settings(home), embedder=embedder)
    preparation = Preparation()
    preparation.start(assistant.start_work())
    status = preparation.wait(timeout=600)
    assert status.phase == "failed", status  # not "knowledge" forever: the page says why
    assert status.school_ready
    assert status.message.startswith(f"the knowledge index (Chroma, in {home / 'chroma'})")
    assert f"remove the folder {home / 'chroma'} and start Waypoint again" in status.message


def test_an_emptied_store_is_reported_and_the_next_ingest_rebuilds_it_without_embedding(
    healthy: tuple[Path, Path], tmp_path: Path, embedder: Embedder
) -> None:
    home = copy_home(healthy, tmp_path)
    damage(home / "chroma", "emptied")  # Chroma opens it as a new, empty store
    assistant = build_assistant(make_settings(home), embedder=embedder)
    recorded = len(assistant.records.all_chunks())
    with pytest.raises(StoreUnavailableError, match=f"holds no vectors although {recorded}"):
        assistant.retriever.search(QUESTION)
    report = assistant.indexer.ingest([healthy[1]])
    assert (report.vectors_restored, report.embedded, report.chunks_added) == (recorded, 0, 0)
    assert report.orphans_removed == 0
    hits = assistant.retriever.search(QUESTION, mode="dense")
    assert hits and hits[0].chunk.source == "what-is-cbe.en.md"
    assert sorted(assistant.vector_store.get()["ids"]) == sorted(
        c.id for c in assistant.records.all_chunks()
    )


def test_an_unreachable_server_raises_store_unavailable_naming_it(
    healthy: tuple[Path, Path], tmp_path: Path, embedder: Embedder
) -> None:
    home = copy_home(healthy, tmp_path)
    port = closed_port()
    settings = make_settings(home, vector_store="server", chroma_port=port)
    assistant = build_assistant(settings, embedder=embedder)
    with pytest.raises(StoreUnavailableError, match=rf"Chroma server at 127\.0\.0\.1:{port}"):
        assistant.retriever.search(QUESTION)
    assert assistant.retriever.search(QUESTION, mode="lexical")


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """A real Chroma server on a free loopback port, stopped (by its pid) at the end."""
    port = closed_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from chromadb.cli.cli import app; sys.argv[0] = 'chroma'; app()",
            "run",
            "--path",
            str(tmp_path / "server-data"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the Chroma server did not start")
                time.sleep(0.2)
        yield server, port
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)


def test_a_server_reset_is_rebuilt_and_a_server_that_dies_mid_session_is_reported(
    healthy: tuple[Path, Path],
    tmp_path: Path,
    embedder: Embedder,
    chroma_server: tuple[subprocess.Popen[bytes], int],
) -> None:
    server, port = chroma_server
    home = copy_home(healthy, tmp_path)
    settings = make_settings(home, vector_store="server", chroma_port=port)
    assistant = build_assistant(settings, embedder=embedder)
    # A server that lost its data (here: a new one) while the records list every passage.
    with pytest.raises(StoreUnavailableError, match="holds no vectors"):
        assistant.retriever.search(QUESTION)
    report = assistant.indexer.ingest([healthy[1]])
    assert report.vectors_restored == len(assistant.records.all_chunks()) and report.embedded == 0
    assert assistant.retriever.search(QUESTION, mode="dense")
    healthy_answer = assistant.chat.ask(QUESTION, AskContext(role="parent"))
    assert healthy_answer.notice is None and not healthy_answer.abstained

    server.send_signal(signal.SIGKILL)  # the store was opened and is cached: now it is gone
    server.wait(timeout=30)
    with pytest.raises(StoreUnavailableError, match=rf"127\.0\.0\.1:{port}\) is unavailable"):
        assistant.retriever.search(QUESTION)
    answer = assistant.chat.ask(QUESTION, AskContext(role="parent"))
    assert answer.notice == TEMPLATES.render("index_unavailable.notice", "en")
    assert not answer.abstained and answer.citations


def test_corrupted_index_records_raise_store_unavailable_naming_the_file(
    healthy: tuple[Path, Path], tmp_path: Path, embedder: Embedder
) -> None:
    home = copy_home(healthy, tmp_path)
    (home / "index.sqlite3").write_bytes(b"not a database" * 512)
    for leftover in home.glob("index.sqlite3-*"):
        leftover.unlink()
    assistant = build_assistant(make_settings(home), embedder=embedder)
    with pytest.raises(StoreUnavailableError, match="index records in .*index.sqlite3"):
        assistant.retriever.search(QUESTION, mode="lexical")


# The conversation ------------------------------------------------------------------------


@pytest.fixture
def broken(healthy: tuple[Path, Path], tmp_path: Path, embedder: Embedder) -> Iterator[Assistant]:
    """An assistant whose vector store is corrupted (the records and learner data are fine)."""
    home = copy_home(healthy, tmp_path)
    damage(home / "chroma", "garbled")
    built = build_assistant(make_settings(home), embedder=embedder)
    yield built
    built.records.close()
    built.learner_db.dispose()


def test_chat_answers_from_keywords_with_a_notice_when_the_store_is_down(
    broken: Assistant,
) -> None:
    answer = broken.chat.ask(QUESTION, AskContext(role="parent"))
    assert answer.intent == "explain_cbe" and not answer.abstained
    assert answer.notice == TEMPLATES.render("index_unavailable.notice", "en")
    assert any(c.source == "what-is-cbe.en.md" for c in answer.citations)
    assert answer.as_json()["notice"] == answer.notice

    spanish = broken.chat.ask(
        "¿Qué es la educación basada en competencias?", AskContext(role="parent")
    )
    assert spanish.language == "es" and not spanish.abstained
    assert spanish.notice == TEMPLATES.render("index_unavailable.notice", "es")
    assert spanish.citations and all(c.source.endswith(".es.md") for c in spanish.citations)


def test_chat_says_the_index_is_unavailable_when_keywords_find_nothing(
    broken: Assistant,
) -> None:
    # No teacher guide in this index: keyword search alone has nothing for a teacher.
    answer = broken.chat.ask(
        "how do I run flexible groups without tracking?", AskContext(role="teacher")
    )
    assert answer.abstained and answer.citations == ()
    assert answer.text == TEMPLATES.render("index_unavailable.answer", "en")


def test_learner_answers_do_not_need_the_store(broken: Assistant) -> None:
    steps = broken.chat.ask(
        "what should I work on next?", AskContext(role="student", user_id="stu.L001")
    )
    assert steps.intent == "next_steps" and steps.steps and steps.notice is None
    progress = broken.chat.ask(
        "how is my child doing?", AskContext(role="parent", user_id="par.001")
    )
    assert progress.intent == "progress" and "Maya Lindgren" in progress.text
    assert progress.notice is None
    hello = broken.chat.ask("hello!", AskContext(role="parent"))
    assert hello.intent == "small_talk" and hello.notice is None


# The command line ------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["corrupted", "unreachable server"])
def test_cli_search_fails_in_one_line_and_learner_commands_still_work(
    healthy: tuple[Path, Path], tmp_path: Path, fault: str
) -> None:
    home = copy_home(healthy, tmp_path)
    env: dict[str, str] = {}
    if fault == "corrupted":
        damage(home / "chroma", "truncated")
        store = str(home / "chroma")
    else:
        port = closed_port()
        env = {"WAYPOINT_VECTOR_STORE": "server", "WAYPOINT_CHROMA_PORT": str(port)}
        store = f"127.0.0.1:{port}"

    search, lexical, steps, report = waypoint_all(
        [
            ["search", QUESTION],
            ["search", QUESTION, "--mode", "lexical", "--json"],
            ["next-steps", "--learner", "L001", "--json"],
            ["class-report", "--class", "7A"],
        ],
        home,
        **env,
    )
    assert_one_line_naming(search, store)
    assert "(`--mode lexical` searches without it)" in search.stderr
    if fault == "corrupted":
        assert "remove that folder and run `waypoint ingest`" in search.stderr
    assert lexical.returncode == 0, lexical.stderr
    assert json.loads(lexical.stdout)[0]["source"] == "what-is-cbe.en.md"
    assert steps.returncode == 0, steps.stderr
    assert json.loads(steps.stdout)["steps"]
    assert report.returncode == 0, report.stderr
    assert "Traceback" not in report.stderr and "7A" in report.stdout


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The command's one error line: failed with status 1, no traceback, nothing on stdout.
    (A Rust panic also has Rust's own report printed to stderr before it, which Python cannot
    stop; the error line is the last line and the only one of ours.)"""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stdout == ""
    ours = [line for line in result.stderr.splitlines() if line.startswith("waypoint:")]
    assert len(ours) == 1 and result.stderr.strip().splitlines()[-1] == ours[0], result.stderr
    return ours[0]


@embedded_only
@pytest.mark.parametrize("where", sorted(PANICKING))
def test_cli_on_a_store_that_makes_chroma_panic_fails_in_one_line_and_ingest_says_so(
    healthy: tuple[Path, Path], tmp_path: Path, where: str
) -> None:
    home = copy_home(healthy, tmp_path)
    make_chroma_panic(home / "chroma", where)
    store = f"the knowledge index (Chroma, in {home / 'chroma'})"
    search, ingest, lexical = waypoint_all(
        [
            ["search", QUESTION],
            ["ingest", str(healthy[1])],  # nothing changed: it still reads the store back
            ["search", QUESTION, "--mode", "lexical", "--json"],
        ],
        home,
        RUST_BACKTRACE="0",
    )
    searched = error_line(search)
    assert searched.startswith(f"waypoint: error: {store} cannot be opened"), searched
    assert "(`--mode lexical` searches without it)" in searched
    ingested = error_line(ingest)
    assert ingested.startswith(f"waypoint: error: {store} cannot be opened"), ingested
    assert "remove that folder and run `waypoint ingest`" in ingested
    assert lexical.returncode == 0, lexical.stderr
    assert json.loads(lexical.stdout)[0]["source"] == "what-is-cbe.en.md"


@embedded_only
def test_ingest_with_nothing_to_change_reads_the_store_back_and_reports_it_damaged(
    healthy: tuple[Path, Path], tmp_path: Path, embedder: Embedder
) -> None:
    """A store that opens but whose passages cannot be read (a damaged page of its log)."""
    home = copy_home(healthy, tmp_path)
    database = home / "chroma" / "chroma.sqlite3"
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        pages = [
            int(r[0])
            for r in conn.execute(
                "SELECT pageno FROM dbstat WHERE name = 'embeddings_queue' ORDER BY pageno"
            )
        ]
    assert pages, "chroma.sqlite3 has no embeddings_queue any more"
    with database.open("r+b") as f:
        f.seek((pages[len(pages) // 2] - 1) * page_size)
        f.write(b"\x5a" * page_size)
    assistant = build_assistant(make_settings(home), embedder=embedder)
    with pytest.raises(StoreUnavailableError) as raised:
        assistant.indexer.ingest([healthy[1]])
    assert str(raised.value).startswith(f"the knowledge index (Chroma, in {home / 'chroma'})")
    assert "remove that folder and run `waypoint ingest`" in str(raised.value)


def test_removing_a_corrupted_store_folder_and_ingesting_rebuilds_it_without_embedding(
    healthy: tuple[Path, Path], tmp_path: Path, embedder: Embedder
) -> None:
    """What the error message says to do: remove the folder, run `waypoint ingest`."""
    home = copy_home(healthy, tmp_path)
    damage(home / "chroma", "garbled")
    shutil.rmtree(home / "chroma")
    assistant = build_assistant(make_settings(home), embedder=embedder)
    recorded = sorted(c.id for c in assistant.records.all_chunks())
    report = assistant.indexer.ingest([healthy[1]])
    assert (report.vectors_restored, report.embedded, report.chunks_added) == (len(recorded), 0, 0)
    assert sorted(assistant.vector_store.get()["ids"]) == recorded
    hits = assistant.retriever.search(QUESTION, mode="dense")
    assert hits and hits[0].chunk.source == "what-is-cbe.en.md"
    again = assistant.indexer.ingest([healthy[1]])
    assert (again.vectors_restored, again.orphans_removed, again.embedded) == (0, 0, 0)
