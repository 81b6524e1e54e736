"""Learner attributes a school imports for equity figures, and precomputed leader figures.

Revision ID: 0007
Revises: 0006
Create Date: 2027-01-18
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "learner_attributes",
        sa.Column("learner_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"]),
        sa.PrimaryKeyConstraint("learner_id", "name"),
    )
    with op.batch_alter_table("learner_attributes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learner_attributes_recorded_at"), ["recorded_at"], unique=False
        )
    op.create_table(
        "leader_snapshots",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("stamp", sa.String(length=300), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("leader_snapshots")
    with op.batch_alter_table("learner_attributes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learner_attributes_recorded_at"))
    op.drop_table("learner_attributes")
