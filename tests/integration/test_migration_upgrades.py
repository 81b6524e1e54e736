"""Learner databases made by older versions upgrade to the newest schema with Alembic, keeping
their data: each test builds a SQLite file at an old revision with the real migrations, writes
rows the way that version did, and opens it with this version (which migrates it for real).

They came from the unit files of the features the migrations added (test_api, test_credentials,
test_identity, test_leader_role): each runs the whole chain of migrations, about a second."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import column, create_engine, insert, select, table, text

from assistant.learners.db import MIGRATIONS_DIR, LearnerDatabase, User, migrate


def head() -> str | None:
    """The newest migration (later ones than 0006 come on top of it)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


# the API and LTI tables (test_api.py) --------------------------------------------------------
def test_an_existing_database_upgrades_to_the_api_tables_keeping_its_data(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, inspect, text

    from assistant.learners.db import MIGRATIONS_DIR, LearnerDatabase

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0004")  # the schema before this change
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO users (id, name, role, demo) VALUES ('t1', 'T', 'teacher', 0)")
        )
    engine.dispose()
    upgraded = LearnerDatabase(url)
    tables = set(inspect(upgraded.engine).get_table_names())
    assert {"api_tokens", "lti_platforms", "lti_user_links", "lti_nonces", "lti_handoffs"} <= tables
    with upgraded.session() as session:
        assert session.scalar(text("SELECT name FROM users WHERE id = 't1'")) == "T"
    upgraded.dispose()


# issued credentials (test_credentials.py) ----------------------------------------------------
def test_the_migration_adds_the_table_to_an_existing_database_without_losing_data(
    tmp_path: Path,
) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import column, create_engine, insert, inspect, table

    from assistant.learners.db import MIGRATIONS_DIR, LearnerDatabase

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0003")
    engine = create_engine(url)
    users = table("users", column("id"), column("role"), column("name"))
    learners = table("learners", column("id"), column("name"), column("grade"))
    with engine.begin() as connection:
        connection.execute(insert(users).values(id="t9", role="teacher", name="Tara"))
        connection.execute(insert(learners).values(id="L9", name="Lee Nine", grade="7"))
    engine.dispose()
    db = LearnerDatabase(url)
    assert "issued_credentials" in inspect(db.engine).get_table_names()
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT id, name FROM learners").all() == [
            ("L9", "Lee Nine")
        ]
        assert connection.exec_driver_sql("SELECT id FROM users").all() == [("t9",)]
    db.dispose()


# demo accounts (test_identity.py) ------------------------------------------------------------
def _old_database(tmp_path: Path, users: list[tuple[str, str, str]]) -> str:
    """A learner database at revision 0002 (before demo users were marked) with these users."""
    from alembic import command
    from alembic.config import Config

    from assistant.learners.db import MIGRATIONS_DIR

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0002")
    old_users = table("users", column("id"), column("role"), column("name"))
    engine = create_engine(url)
    with engine.begin() as connection:
        for user_id, role, name in users:
            connection.execute(insert(old_users).values(id=user_id, role=role, name=name))
    engine.dispose()
    return url


def _marked(url: str) -> dict[str, bool]:
    engine = create_engine(url)
    migrate(engine)
    with engine.begin() as connection:
        found = {row[0]: bool(row[1]) for row in connection.execute(select(User.id, User.demo))}
    engine.dispose()
    return found


def test_an_existing_demo_school_keeps_its_demo_accounts_after_the_upgrade(
    tmp_path: Path,
) -> None:
    url = _old_database(
        tmp_path, [("admin.reyes", "admin", "Dana Reyes"), ("t.okafor", "teacher", "Amara Okafor")]
    )
    assert _marked(url) == {"admin.reyes": True, "t.okafor": True}


def test_an_existing_database_with_any_other_user_gets_no_demo_accounts(tmp_path: Path) -> None:
    url = _old_database(
        tmp_path, [("admin.reyes", "admin", "Dana Reyes"), ("principal", "admin", "Real Person")]
    )
    assert _marked(url) == {"admin.reyes": False, "principal": False}


# the leader role (test_leader_role.py) -------------------------------------------------------
def test_a_0005_database_upgrades_to_the_leader_role_keeping_its_data(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine
    from sqlalchemy.exc import IntegrityError

    from assistant.learners.db import MIGRATIONS_DIR

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0005")  # the schema before this change
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO users (id, name, role, demo) VALUES ('t1', 'Tess', 'teacher', 0)")
        )
        connection.execute(text("INSERT INTO learners (id, name, grade) VALUES ('A', 'Anna', '6')"))
        connection.execute(
            text(
                "INSERT INTO evidence (learner_id, competency_id, competency_code, score, level, "
                "observed_at, evidence_type, source, note) VALUES ('A', 'x', 'M.6.RP.1', 3, 3, "
                "'2026-10-01 00:00:00', 'quiz', 'K', '')"
            )
        )
    with pytest.raises(IntegrityError), engine.begin() as connection:  # no leader at 0005
        connection.execute(text("INSERT INTO users (id, role) VALUES ('l0', 'leader')"))
    engine.dispose()
    upgraded = LearnerDatabase(url)
    with upgraded.session() as session:
        assert session.scalar(text("SELECT name FROM users WHERE id = 't1'")) == "Tess"
        assert session.scalar(text("SELECT level FROM evidence WHERE learner_id = 'A'")) == 3
        session.add(User(id="lead", name="Lee", role="leader"))
    with pytest.raises(IntegrityError), upgraded.session() as session:  # still checked
        session.add(User(id="x", name="X", role="overlord"))
    with upgraded.session() as session:
        assert session.get(User, "lead") is not None
        assert session.scalar(text("SELECT version_num FROM alembic_version")) == head()
    upgraded.dispose()
