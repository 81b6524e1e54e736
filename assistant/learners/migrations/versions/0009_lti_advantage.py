"""LTI Advantage: a course's service URLs (NRPS memberships, AGS line items and the scopes the
platform granted) and the learners a mentor follows (`role_scope_mentor`).

Revision ID: 0009
Revises: 0008
Create Date: 2027-01-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

PLATFORM = "lti_platforms.id"


def upgrade() -> None:
    op.create_table(
        "lti_class_services",
        sa.Column("platform_id", sa.Integer(), sa.ForeignKey(PLATFORM), primary_key=True),
        sa.Column("context_id", sa.String(length=255), primary_key=True),
        sa.Column("memberships_url", sa.String(length=500), nullable=True),
        sa.Column("lineitems_url", sa.String(length=500), nullable=True),
        sa.Column("ags_scopes", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "lti_mentees",
        sa.Column("platform_id", sa.Integer(), sa.ForeignKey(PLATFORM), primary_key=True),
        sa.Column("mentor_id", sa.String(length=64), primary_key=True),
        sa.Column("learner_sub", sa.String(length=255), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("lti_mentees")
    op.drop_table("lti_class_services")
