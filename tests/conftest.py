"""Shared fixtures: the real bundled embedding model once per session, temp homes, no network.

`--backend=server` runs the tests marked `stores` (the integration suites that read or write the
vector store or the learner database) and those marked `server` against a Chroma server and
PostgreSQL (tests/servers.py starts both); every other test is deselected. Without it, the
`server` tests are skipped with the command that runs them.
"""

from __future__ import annotations

import dataclasses
import gc
import ipaddress
import os
import shutil
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from assistant.chat.engine import ChatEngine
from assistant.container import Assistant, build_assistant
from assistant.container_chat import build_chat_engine
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.frameworks.translations import Translations
from assistant.learners import db as learner_db
from assistant.retrieval.embeddings import Embedder, make_embedder
from assistant.settings import BUNDLED_KNOWLEDGE, Settings
from tests.fakes.engine import demo_school
from tests.fakes.retriever import FakeRetriever, knowledge_chunks

REPO = Path(__file__).resolve().parents[1]
CASE_SAMPLES = REPO / "tests" / "data" / "case"  # copies of ../shared/case-samples
VECTORS_TABLE = "CREATE TABLE IF NOT EXISTS embedding_cache (key TEXT PRIMARY KEY, vector BLOB)"


BACKEND_OPTION = "--backend"
NOT_IN_SERVER_RUN = ("unit", "pages", "fuzz")  # no `stores` or `server` test in them
SERVER_ONLY = pytest.mark.skip(reason="needs the servers: run `python3 -m pytest --backend=server`")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        BACKEND_OPTION,
        choices=("embedded", "server"),
        default="embedded",
        help="embedded (default): Chroma and SQLite in temporary folders; server: the `stores` "
        "and `server` tests against a Chroma server and PostgreSQL started for the run",
    )


def server_run(config: pytest.Config) -> bool:
    return bool(config.getoption(BACKEND_OPTION) == "server")


def pytest_configure(config: pytest.Config) -> None:
    if server_run(config):  # before any test module reads it (tests.servers.embedded_only)
        os.environ["WAYPOINT_TEST_BACKEND"] = "server"
        if not config.pluginmanager.has_plugin("tests.servers"):
            config.pluginmanager.import_plugin("tests.servers")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The server run does not collect the folders that hold no `stores` or `server` test."""
    if server_run(config) and collection_path.parent == REPO / "tests":
        return collection_path.name in NOT_IN_SERVER_RUN or None
    return None


def pytest_report_header(config: pytest.Config) -> str | None:
    if not server_run(config):
        return None
    return (
        "backend: server (Chroma server + PostgreSQL): the `stores` and `server` tests only; "
        f"{', '.join(f'tests/{n}' for n in NOT_IN_SERVER_RUN)} not collected"
    )


@pytest.hookimpl(trylast=True)  # after the folders' conftests have marked their tests
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not server_run(config):
        for item in items:
            if item.get_closest_marker("server"):
                item.add_marker(SERVER_ONLY)
        return
    wanted = [i for i in items if i.get_closest_marker("stores") or i.get_closest_marker("server")]
    kept = {id(i) for i in wanted}
    left_out = [i for i in items if id(i) not in kept]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = wanted


def pytest_collection_finish(session: pytest.Session) -> None:
    """The modules the tests imported stay for the whole run: moved out of the garbage
    collector's sight, each full collection walks only what the tests create (it walked about a
    million objects, some twenty times a run)."""
    gc.freeze()


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to reach beyond this machine."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple) and address:
            host = str(address[0])
            try:
                allowed = ipaddress.ip_address(host).is_loopback
            except ValueError:
                allowed = host == "localhost"
            if not allowed:
                raise RuntimeError(f"test tried to reach {host}: the network is off limits")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


_REAL_MIGRATIONS: list[str] = []  # the test under way, while it is marked `migrations`


def _new_sqlite_file(engine: Any) -> Path | None:
    """The file of a SQLite engine when it does not exist yet (or is empty), else None."""
    database = engine.url.database or ""
    if engine.url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:"):
        return None
    path = Path(database).expanduser()
    return path if not path.exists() or path.stat().st_size == 0 else None


@pytest.fixture(scope="session", autouse=True)
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A new SQLite learner database starts as a copy of one the real migrations built once
    this session, instead of running the Alembic migrations again (about half a second each).
    A database that exists already (an older revision, say) is migrated for real, and so is
    every database of a test marked `migrations`."""
    template = tmp_path_factory.mktemp("migrated") / "waypoint.sqlite3"
    built = learner_db.LearnerDatabase(f"sqlite:///{template}")
    built.engine  # noqa: B018 - the real migrations
    built.dispose()  # the last connection closed: the write-ahead log is folded in
    real_migrate = learner_db.migrate

    def migrate(engine: Any) -> None:
        target = None if _REAL_MIGRATIONS else _new_sqlite_file(engine)
        if target is None:
            real_migrate(engine)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, target)  # at the newest revision: nothing left to do

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(learner_db, "migrate", migrate)
        yield


@pytest.fixture(scope="session", autouse=True)
def _bundled_catalog_once() -> Iterator[None]:
    """The frameworks, practice index and translations of the bundled knowledge alone (no
    recorded files), which every assistant reads, are read from the files once this session:
    the bundled files do not change while the tests run. Each load still returns a catalog and
    translations of its own, built from them. Any other folder, or recorded framework files,
    is read from the files every time."""
    bundled = BUNDLED_KNOWLEDGE.resolve()
    real_catalog, real_translations = FrameworkCatalog.load, Translations.load
    read: dict[str, Any] = {}

    def load_catalog(knowledge_dir: Path, recorded_files: Any = ()) -> FrameworkCatalog:
        recorded = list(recorded_files)
        if recorded or knowledge_dir.resolve() != bundled:
            return real_catalog(knowledge_dir, recorded)
        if "catalog" not in read:
            read["catalog"] = real_catalog(knowledge_dir)
        first: FrameworkCatalog = read["catalog"]
        own = first.problems[: len(first.problems) - len(first.practice.problems)]
        return FrameworkCatalog(first.frameworks, first.practice, own)

    def load_translations(knowledge_dir: Path) -> Translations:
        if knowledge_dir.resolve() != bundled:
            return real_translations(knowledge_dir)
        if "translations" not in read:
            read["translations"] = real_translations(knowledge_dir)
        return dataclasses.replace(read["translations"])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FrameworkCatalog, "load", load_catalog)
        patch.setattr(Translations, "load", load_translations)
        yield


def real_migrations() -> bool:
    """Whether the test under way is marked `migrations`."""
    return bool(_REAL_MIGRATIONS)


@pytest.fixture(autouse=True)
def _real_migrations(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("migrations") is None:
        yield
        return
    _REAL_MIGRATIONS.append(request.node.nodeid)
    yield
    _REAL_MIGRATIONS.clear()


@pytest.fixture(scope="session")
def case_samples() -> Path:
    if not CASE_SAMPLES.is_dir():
        pytest.skip("tests/data/case is missing")
    return CASE_SAMPLES


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real bundled all-MiniLM-L6-v2, loaded once."""
    return make_embedder("all-MiniLM-L6-v2", batch_size=64)


def make_settings(home: Path, **overrides: Any) -> Settings:
    """Test settings for `home`. With WAYPOINT_TEST_BACKEND=server they point at the Chroma
    and PostgreSQL servers (tests/servers.py), with a collection and a database of this home's
    own, so tests stay isolated and reopening a home finds its index again."""
    if os.environ.get("WAYPOINT_TEST_BACKEND", "").strip().lower() == "server":
        from tests.servers import isolated_settings

        overrides = {**isolated_settings(home), **overrides}
    return Settings(profile="test", home=home, **overrides)


@pytest.fixture
def assistant(tmp_path: Path, embedder: Embedder) -> Iterator[Assistant]:
    built = build_assistant(make_settings(tmp_path / "home"), embedder=embedder)
    yield built
    built.records.close()


def _copy_vectors(source: Path, target: Path) -> None:
    """Add the rows of source's embedding cache (an index.sqlite3) to target's."""
    with closing(sqlite3.connect(target)) as conn, conn:
        conn.execute(VECTORS_TABLE)
        conn.execute("ATTACH DATABASE ? AS source", (str(source),))
        conn.execute("INSERT OR IGNORE INTO embedding_cache SELECT * FROM source.embedding_cache")


def seed_vectors(built: Assistant, source: Assistant) -> None:
    """Give `built`'s embedding cache every vector `source`'s holds (the same model, as the
    `embedder` fixture): an index of the same texts is then built without running the model on
    them, while chunking, storing and everything else runs as usual."""
    built.records  # noqa: B018 - its tables first, as a new home has them
    _copy_vectors(source.settings.index_db, built.settings.index_db)


@pytest.fixture(scope="session")
def bundled_assistant(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    embedder: Embedder,
    case_samples: Path,
) -> Assistant:
    """One index of the bundled knowledge plus the shared CASE samples, built once.

    The vectors of its passages are kept in pytest's cache folder (keyed by model and text, as
    in every index), so the next run, such as the `--backend=server` run after the embedded
    one, indexes the same texts without embedding them again."""
    home = tmp_path_factory.mktemp("bundled-home")
    built = build_assistant(make_settings(home), embedder=embedder)
    cache = getattr(request.config, "cache", None)  # None with -p no:cacheprovider
    shared = cache.mkdir("waypoint") / "embedding_cache.sqlite3" if cache else None
    if shared is not None and shared.is_file():
        _copy_vectors(shared, built.settings.index_db)
    report = built.indexer.ingest([BUNDLED_KNOWLEDGE, case_samples])
    assert report.problems == [], report.problems
    if shared is not None:
        _copy_vectors(built.settings.index_db, shared)
    return built


@pytest.fixture(scope="session")
def demo_assistant(bundled_assistant: Assistant) -> Assistant:
    """The bundled index plus the demo school loaded into the learner database."""
    from assistant.demo.load import load_demo
    from assistant.learners.access import LOCAL_ADMIN

    load_demo(
        bundled_assistant.roster_importer,
        bundled_assistant.evidence_importer,
        bundled_assistant.overrides,
        LOCAL_ADMIN,
        interventions=lambda path: bundled_assistant.interventions.import_file(
            path, allow_future=True
        ),
    )
    return bundled_assistant


@pytest.fixture(scope="session")
def fake_retriever() -> FakeRetriever:
    """The bundled knowledge, chunked as `waypoint ingest` does, searched in memory."""
    return FakeRetriever(knowledge_chunks())


@pytest.fixture(scope="session")
def fake_school(
    tmp_path_factory: pytest.TempPathFactory, fake_retriever: FakeRetriever
) -> Iterator[Assistant]:
    """The demo school in a fresh SQLite database, over the fake retriever and embedder."""
    school = demo_school(tmp_path_factory.mktemp("fake-school") / "home", fake_retriever)
    yield school
    school.records.close()
    school.learner_db.dispose()


@pytest.fixture(scope="session")
def fake_engine(fake_school: Assistant) -> ChatEngine:
    """The conversation engine as production composes it, over the fakes: answers in well
    under a second, no model or vector store loaded."""
    return build_chat_engine(fake_school)
