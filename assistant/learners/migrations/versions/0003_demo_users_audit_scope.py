"""Demo users are marked; audit rows may cover a scope (a class, a learner list) instead of one
learner, and refused attempts are recorded.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import csv

import sqlalchemy as sa
from alembic import op

from assistant.settings import BUNDLED_KNOWLEDGE

DEMO_ROSTER = BUNDLED_KNOWLEDGE / "demo" / "roster.csv"

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

OLD_ACTIONS = "action IN ('view', 'change', 'delete')"
NEW_ACTIONS = "action IN ('view', 'change', 'delete', 'refused')"


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("demo", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    _mark_existing_demo_school()
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint("ck_audit_log_action", type_="check")
        batch_op.create_check_constraint("ck_audit_log_action", NEW_ACTIONS)
        batch_op.alter_column("learner_id", existing_type=sa.String(length=64), nullable=True)
        batch_op.add_column(
            sa.Column("scope", sa.String(length=200), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("scope")
        batch_op.alter_column("learner_id", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint("ck_audit_log_action", type_="check")
        batch_op.create_check_constraint("ck_audit_log_action", OLD_ACTIONS)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("demo")


def _mark_existing_demo_school() -> None:
    """A database that holds the demo school and nothing else keeps its demo accounts: when
    every user matches a demo roster row (id, role and name), they are marked. A database with
    any other user is left unmarked, so no account of it is ever offered without a password."""
    if not DEMO_ROSTER.is_file():
        return
    with DEMO_ROSTER.open(encoding="utf-8", newline="") as handle:
        demo = {(row["user_id"], row["role"], row["name"]) for row in csv.DictReader(handle)}
    users = sa.table(
        "users", sa.column("id", sa.String), sa.column("role"), sa.column("name"), sa.column("demo")
    )
    bind = op.get_bind()
    rows = {
        (r[0], r[1], r[2]) for r in bind.execute(sa.select(users.c.id, users.c.role, users.c.name))
    }
    if rows and rows <= demo:
        bind.execute(sa.update(users).values(demo=True))
