"""The learner database: the engine and session factory, and migrations.

SQLite under WAYPOINT_HOME by default, any SQLAlchemy URL by setting. The schema is created and
upgraded by Alembic (migrations/ beside this file) on first use. The tables are in `tables`,
`db_connect` and `db_teams` (all registered by `schema`); the learner tables are named here too,
where the code that reads and writes them has always imported them from.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from assistant.errors import StoreUnavailableError
from assistant.learners.base import COMPETENCY_ID, ID, Base
from assistant.learners.schema import METADATA
from assistant.learners.tables import (
    AUDIT_ACTIONS,
    ROLES,
    AuditRow,
    BktParameters,
    ClassFocus,
    ClassTeacher,
    Enrolment,
    Evidence,
    EvidenceImport,
    Feedback,
    Guardianship,
    IssuedCredential,
    LeaderSnapshot,
    Learner,
    LearnerAttribute,
    MasteryEstimateRow,
    MasteryOverride,
    SchoolClass,
    User,
)

__all__ = [
    "AUDIT_ACTIONS",
    "COMPETENCY_ID",
    "ID",
    "METADATA",
    "MIGRATIONS_DIR",
    "ROLES",
    "AuditRow",
    "Base",
    "BktParameters",
    "ClassFocus",
    "ClassTeacher",
    "Enrolment",
    "Evidence",
    "EvidenceImport",
    "Feedback",
    "Guardianship",
    "IssuedCredential",
    "LeaderSnapshot",
    "Learner",
    "LearnerAttribute",
    "LearnerDatabase",
    "MasteryEstimateRow",
    "MasteryOverride",
    "SchoolClass",
    "User",
    "connection_url",
    "migrate",
]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x5761_7970  # PostgreSQL advisory lock held while migrating ("Wayp")
PG_CONNECT_TIMEOUT = 10  # seconds


class LearnerDatabase:
    """Owns the engine; migrates the schema to the latest revision on first use."""

    def __init__(self, url: str, *, create: bool = True) -> None:
        """`create`: a SQLite file that does not exist yet may be created (else refused)."""
        self.url = url
        self.create = create
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                if not self.create:
                    _require_sqlite_file(self.url)
                try:
                    engine = _make_engine(self.url)
                    migrate(engine)
                except (SQLAlchemyError, OSError) as exc:
                    raise StoreUnavailableError(
                        f"the learner database cannot be opened: {_short(exc)}"
                    ) from exc
                self._engine = engine
                self._sessions = sessionmaker(engine, expire_on_commit=False)
            return self._engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        self.engine  # noqa: B018 - builds and migrates on first use
        assert self._sessions is not None
        try:
            with self._sessions() as session, session.begin():
                yield session
        except OperationalError as exc:
            raise StoreUnavailableError(
                f"the learner database is unavailable: {_short(exc)}"
            ) from exc

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200]


def connection_url(url: str) -> URL:
    """The URL to connect with: `postgres://` and a driverless `postgresql://` mean psycopg 3,
    the PostgreSQL driver Waypoint is tested with (SQLAlchemy's default is psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _make_engine(url: str) -> Engine:
    parsed = connection_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {}
    libpq = parsed.get_backend_name() == "postgresql" and parsed.get_driver_name().startswith(
        "psycopg"
    )
    if libpq and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT  # a server that is down fails fast
    try:
        return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    except ImportError as exc:
        driver = parsed.get_driver_name()
        hint = " (pip install 'psycopg[binary]')" if driver == "psycopg" else ""
        raise StoreUnavailableError(
            f"the learner database needs the {driver} driver, which is not installed{hint}"
        ) from exc


def _require_sqlite_file(url: str) -> None:
    """Refuse a SQLite URL whose file does not exist, naming it (other databases: no check)."""
    parsed = connection_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return
    if database.startswith("file:"):  # a SQLite URI: its mode says what may happen
        return
    path = Path(database).expanduser()
    if not path.is_file():
        raise StoreUnavailableError(
            f"the learner database {path} does not exist (WAYPOINT_DATABASE_URL names it): "
            "check the path, or set WAYPOINT_DATABASE_CREATE=true to create an empty one there"
        )


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten with zeros
    # Readers don't wait for a writer, and a commit (every audited read writes one) costs an
    # append to the log instead of a sync of the whole file; still atomic and durable on a crash
    # of the process (a power cut may lose the last commits, not corrupt the file).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@functools.cache
def _head_revision() -> str | None:
    """The newest revision of the migrations shipped with the package: their scripts are read
    once per process, not at every database opened."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest Alembic revision (a no-op when it is current)."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    url = engine.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    head = _head_revision()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Replicas starting together: one migrates, the others wait and find it done.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        if MigrationContext.configure(connection).get_current_revision() == head:
            return
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
