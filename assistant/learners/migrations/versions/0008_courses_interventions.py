"""Teaching teams: courses that group classes, recorded interventions (a flexible group that met
or any intervention on a competency, with who attended) and a course team's go-to activity.

Revision ID: 0008
Revises: 0007
Create Date: 2027-01-19
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.String(length=64)
COMPETENCY_ID = sa.String(length=255)


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "course_classes",
        sa.Column("class_id", ID, nullable=False),
        sa.Column("course_id", ID, nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"]),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"]),
        sa.PrimaryKeyConstraint("class_id"),
    )
    with op.batch_alter_table("course_classes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_classes_course_id"), ["course_id"], unique=False
        )
    op.create_table(
        "interventions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("class_id", ID, nullable=False),
        sa.Column("competency_id", COMPETENCY_ID, nullable=False),
        sa.Column("activity", sa.String(length=200), nullable=False),
        sa.Column("met_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", ID, nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('group', 'intervention')", name="ck_interventions_kind"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("interventions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interventions_class_id"), ["class_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_interventions_competency_id"), ["competency_id"], unique=False
        )
    op.create_table(
        "intervention_learners",
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", ID, nullable=False),
        sa.ForeignKeyConstraint(["intervention_id"], ["interventions.id"]),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"]),
        sa.PrimaryKeyConstraint("intervention_id", "learner_id"),
    )
    with op.batch_alter_table("intervention_learners", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intervention_learners_learner_id"), ["learner_id"], unique=False
        )
    op.create_table(
        "team_go_to",
        sa.Column("course_id", ID, nullable=False),
        sa.Column("competency_id", COMPETENCY_ID, nullable=False),
        sa.Column("activity", sa.String(length=200), nullable=False),
        sa.Column("marked_by", ID, nullable=False),
        sa.Column("marked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"]),
        sa.PrimaryKeyConstraint("course_id", "competency_id"),
    )


def downgrade() -> None:
    op.drop_table("team_go_to")
    with op.batch_alter_table("intervention_learners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intervention_learners_learner_id"))
    op.drop_table("intervention_learners")
    with op.batch_alter_table("interventions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interventions_competency_id"))
        batch_op.drop_index(batch_op.f("ix_interventions_class_id"))
    op.drop_table("interventions")
    with op.batch_alter_table("course_classes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_classes_course_id"))
    op.drop_table("course_classes")
    op.drop_table("courses")
