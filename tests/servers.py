"""Real servers for the server-mode tests: a Chroma server and a PostgreSQL cluster.

Used in two ways:

- The `servers` fixture (session scope) starts both in a temporary folder, waits until they
  answer, and stops and removes them at the end. tests/server/test_server_mode.py uses it to
  run the integration suite against them in a subprocess.
- As a pytest plugin (`-p tests.servers`) with WAYPOINT_TEST_BACKEND=server: every session,
  module and test gets its own Chroma collection and its own PostgreSQL database through the
  WAYPOINT_ environment, so tests that build Settings themselves are isolated as well as those
  that use tests.conftest.make_settings. The plugin starts the servers itself unless
  WAYPOINT_TEST_POSTGRES_URL and WAYPOINT_CHROMA_PORT already point at running ones:

      WAYPOINT_TEST_BACKEND=server python -m pytest tests/integration -p tests.servers

PostgreSQL comes from the distribution's server package (initdb and pg_ctl, found in
/usr/lib/postgresql/<version>/bin or on PATH); when run as root the cluster is created and run
as the `postgres` OS user, since initdb refuses root. Chroma's server is the `chroma run` of the
installed chromadb, so client and server versions always match.
"""

from __future__ import annotations

import glob
import hashlib
import importlib.util
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HOST = "127.0.0.1"
STARTUP_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0
BACKEND_ENV = "WAYPOINT_TEST_BACKEND"
POSTGRES_URL_ENV = "WAYPOINT_TEST_POSTGRES_URL"  # an admin URL: databases are created from it
PG_USER = "waypoint"
PG_OS_USER = "postgres"
INITDB_OPTIONS = ("-E", "UTF8", "--no-locale", "--no-sync")
# Room for the connection pools of many tests; a test cluster also needs no durability.
SERVER_OPTIONS = "-c max_connections=400"
NOT_DURABLE = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
CHROMA_MAIN = "import sys; from chromadb.cli.cli import app; sys.argv[0] = 'chroma'; app()"


class ServerUnavailable(RuntimeError):
    """A server cannot be started here: its message names what is missing."""


def server_backend() -> bool:
    """True when the tests should run against the servers (WAYPOINT_TEST_BACKEND=server)."""
    return os.environ.get(BACKEND_ENV, "").strip().lower() == "server"


# For a test about the embedded files themselves (damaging chroma/ or waypoint.sqlite3):
# `pytestmark = embedded_only` or `@embedded_only` skips it in the server-mode run.
embedded_only = pytest.mark.skipif(
    server_backend(), reason="about the embedded store's files; the server-mode run has none"
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# Chroma ---------------------------------------------------------------------------------------
@dataclass
class ChromaServer:
    host: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """Terminate the server; its data is thrown away, so it is killed if it lingers."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT)


def chroma_missing() -> str | None:
    """Why `chroma run` cannot work here, or None."""
    if importlib.util.find_spec("chromadb") is None:
        return "the chromadb package is not installed"
    if importlib.util.find_spec("chromadb_rust_bindings") is None:
        return "chromadb's server (chromadb_rust_bindings, behind `chroma run`) is not installed"
    return None


def _get(url: str, timeout: float) -> bytes:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=timeout) as response:
        body: bytes = response.read()
        return body


def start_chroma(workdir: Path, timeout: float = STARTUP_TIMEOUT) -> ChromaServer:
    """`chroma run` on a free loopback port with its data in workdir; waits for a heartbeat."""
    missing = chroma_missing()
    if missing:
        raise ServerUnavailable(missing)
    port = free_port()
    log = workdir / "chroma.log"
    command = [sys.executable, "-c", CHROMA_MAIN, "run", "--path", str(workdir / "chroma")]
    command += ["--host", HOST, "--port", str(port)]
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "NO_COLOR": "1"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
    server = ChromaServer(HOST, port, process, log)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"chroma run exited with {process.returncode}:\n{_tail(log)}")
        try:
            _get(f"http://{HOST}:{port}/api/v2/heartbeat", timeout=2)
            return server
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(
                    f"chroma run did not answer in {timeout:.0f} s:\n{_tail(log)}"
                ) from None
            time.sleep(0.2)


# PostgreSQL -----------------------------------------------------------------------------------
def postgres_bindir() -> Path | None:
    """The newest installed PostgreSQL server binaries (initdb, pg_ctl), or None."""

    def version(path: str) -> tuple[int, ...]:
        name = Path(path).parent.parent.name
        return tuple(int(part) for part in name.split(".") if part.isdigit())

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).resolve().parent if on_path else None


def postgres_missing() -> str | None:
    """Why a PostgreSQL cluster cannot be started here, or None."""
    bindir = postgres_bindir()
    if bindir is None or not (bindir / "pg_ctl").exists():
        return "PostgreSQL's initdb and pg_ctl (the Debian package `postgresql`) are not installed"
    if importlib.util.find_spec("psycopg") is None:
        return "the psycopg package (psycopg[binary], a dev dependency) is not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(PG_OS_USER)
        except KeyError:
            return f"running as root, and there is no `{PG_OS_USER}` OS user to run initdb as"
        if shutil.which("runuser") is None:
            return "running as root, and `runuser` is not installed to run initdb as postgres"
    return None


def _as_cluster_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", PG_OS_USER, "--", *command] if os.geteuid() == 0 else command


@dataclass
class PostgresServer:
    bindir: Path
    root: Path
    port: int
    host: str = HOST
    created: set[str] = field(default_factory=set)

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = PG_USER) -> str:
        """A SQLAlchemy URL (psycopg 3) for one database of this cluster."""
        return f"postgresql+psycopg://{PG_USER}@{self.host}:{self.port}/{database}"

    def stop(self) -> None:
        """Stop the cluster and remove its folder (it is thrown away)."""
        pg_ctl = str(self.bindir / "pg_ctl")
        subprocess.run(
            _as_cluster_owner(
                [pg_ctl, "-D", str(self.datadir), "-m", "immediate", "-w", "-t", "30", "stop"]
            ),
            cwd=self.root,
            capture_output=True,
            timeout=STOP_TIMEOUT + 10,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres(*, durable: bool = False, timeout: float = STARTUP_TIMEOUT) -> PostgresServer:
    """A throw-away cluster in a temporary folder, on a free loopback port; without fsync
    unless `durable` (benchmarks want PostgreSQL's default, crash-safe commits)."""
    missing = postgres_missing()
    if missing:
        raise ServerUnavailable(missing)
    bindir = postgres_bindir()
    assert bindir is not None
    root = Path(tempfile.mkdtemp(prefix="waypoint-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam(PG_OS_USER)
        os.chown(root, owner.pw_uid, owner.pw_gid)
    server = PostgresServer(bindir, root, free_port())

    def run(command: list[str], what: str) -> None:
        done = subprocess.run(
            _as_cluster_owner(command),
            cwd=root,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip()[-2000:]
            raise RuntimeError(f"{what} failed ({done.returncode}): {detail}")

    try:
        data = str(server.datadir)
        run(
            [str(bindir / "initdb"), "-D", data, "-U", PG_USER, "-A", "trust", *INITDB_OPTIONS],
            "initdb",
        )
        options = f"-h {HOST} -p {server.port} -k {root} {SERVER_OPTIONS}"
        if not durable:
            options += f" {NOT_DURABLE}"
        log = str(root / "postgres.log")
        wait = ["-w", "-t", str(int(timeout))]
        run(
            [str(bindir / "pg_ctl"), "-D", data, "-l", log, "-o", options, *wait, "start"], "pg_ctl"
        )
        create_database(server.url("postgres"), PG_USER)
    except BaseException:
        server.stop()
        raise
    return server


def _conninfo(sqlalchemy_url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(False)


def create_database(admin_url: str, name: str) -> str:
    """Create database `name` (if new) in the cluster of admin_url; its SQLAlchemy URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    with psycopg.connect(_conninfo(admin_url), autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if exists is None:
            with suppress(psycopg.errors.DuplicateDatabase):
                connection.execute(f'CREATE DATABASE "{name}"')
    url: str = make_url(admin_url).set(database=name).render_as_string(False)
    return url


# both -----------------------------------------------------------------------------------------
@dataclass
class RunningServers:
    chroma: ChromaServer
    postgres: PostgresServer

    def env(self) -> dict[str, str]:
        """The environment that points Waypoint (and tests.conftest) at these servers."""
        return {
            BACKEND_ENV: "server",
            POSTGRES_URL_ENV: self.postgres.url(),
            "WAYPOINT_VECTOR_STORE": "server",
            "WAYPOINT_CHROMA_HOST": self.chroma.host,
            "WAYPOINT_CHROMA_PORT": str(self.chroma.port),
            "WAYPOINT_DATABASE_URL": self.postgres.url(),
            "NO_PROXY": ",".join(filter(None, [os.environ.get("NO_PROXY"), HOST, "localhost"])),
        }

    def stop(self) -> None:
        try:
            self.chroma.stop()
        finally:
            self.postgres.stop()


def start_servers(workdir: Path, *, durable: bool = False) -> RunningServers:
    """Start PostgreSQL and Chroma; raises ServerUnavailable naming what is missing."""
    missing = [reason for reason in (postgres_missing(), chroma_missing()) if reason]
    if missing:
        raise ServerUnavailable("; ".join(missing))
    postgres = start_postgres(durable=durable)
    try:
        chroma = start_chroma(workdir)
    except BaseException:
        postgres.stop()
        raise
    return RunningServers(chroma, postgres)


def unavailable(reason: str) -> None:
    """Skip a test whose servers cannot run here; in CI (CI=true) fail it instead."""
    message = f"the server-mode tests cannot run: {reason}"
    if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServers]:
    """A Chroma server and a PostgreSQL cluster for the whole session."""
    try:
        running = start_servers(tmp_path_factory.mktemp("servers"))
    except ServerUnavailable as exc:
        unavailable(str(exc))
        raise  # not reached: unavailable() skips or fails
    try:
        yield running
    finally:
        running.stop()


# isolation in server mode ----------------------------------------------------------------------
def _name(key: str) -> str:
    return "wp" + hashlib.sha256(key.encode()).hexdigest()[:20]


def isolated_settings(home: Path) -> dict[str, Any]:
    """Settings overrides giving `home` its own collection and database (server mode).

    Derived from the folder, so reopening the same home (in this process, or in a `waypoint`
    subprocess started with WAYPOINT_HOME set to it) finds the same index and database."""
    admin_url = os.environ.get(POSTGRES_URL_ENV)
    if not admin_url or not os.environ.get("WAYPOINT_CHROMA_PORT"):
        raise RuntimeError(
            f"{BACKEND_ENV}=server needs running servers: run pytest with `-p tests.servers`, "
            f"or set {POSTGRES_URL_ENV} and WAYPOINT_CHROMA_HOST/PORT"
        )
    name = _name(str(home.resolve()))
    return {
        "vector_store": "server",
        "collection": name,
        "database_url": create_database(admin_url, name),
    }


class _HomePopen(subprocess.Popen):  # type: ignore[type-arg]
    """Popen that gives a child started with WAYPOINT_HOME=H the collection and database of
    make_settings(H), unless the caller set them itself (tests start the `waypoint` command
    and the app on a home they built in-process)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        env = kwargs.get("env")
        if env is not None and env.get("WAYPOINT_HOME"):
            own = isolated_settings(Path(env["WAYPOINT_HOME"]))
            env = dict(env)
            for key, field in (
                ("WAYPOINT_COLLECTION", "collection"),
                ("WAYPOINT_DATABASE_URL", "database_url"),
            ):
                if env.get(key) == os.environ.get(key):  # inherited, not chosen by the caller
                    env[key] = str(own[field])
            kwargs["env"] = env
        super().__init__(*args, **kwargs)


_scopes = itertools.count()


@contextmanager
def _own_store(scope: str) -> Iterator[None]:
    """WAYPOINT_COLLECTION and WAYPOINT_DATABASE_URL set to new ones while the block runs."""
    admin_url = os.environ[POSTGRES_URL_ENV]
    name = _name(f"{os.getpid()}-{scope}-{next(_scopes)}-{time.time_ns()}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAYPOINT_COLLECTION", name)
        patch.setenv("WAYPOINT_DATABASE_URL", create_database(admin_url, name))
        yield


@pytest.fixture(scope="session", autouse=True)
def _server_backend_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """With WAYPOINT_TEST_BACKEND=server: servers (started here unless given) for the session."""
    if not server_backend():
        yield
        return
    running: RunningServers | None = None
    if not (os.environ.get(POSTGRES_URL_ENV) and os.environ.get("WAYPOINT_CHROMA_PORT")):
        try:
            running = start_servers(tmp_path_factory.mktemp("servers"))
        except ServerUnavailable as exc:
            unavailable(str(exc))
            raise
    try:
        with pytest.MonkeyPatch.context() as patch:
            for key, value in running.env().items() if running else ():
                patch.setenv(key, value)
            patch.setattr(subprocess, "Popen", _HomePopen)
            with _own_store("session"):
                yield
    finally:
        if running is not None:
            running.stop()


@pytest.fixture(scope="module", autouse=True)
def _server_backend_module(_server_backend_session: None) -> Iterator[None]:
    if not server_backend():
        yield
        return
    with _own_store("module"):
        yield


@pytest.fixture(autouse=True)
def _server_backend_test(_server_backend_module: None) -> Iterator[None]:
    if not server_backend():
        yield
        return
    with _own_store("test"):
        yield
