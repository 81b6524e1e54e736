"""The leader role (a principal or coach): read-only school-wide figures.

Revision ID: 0006
Revises: 0005
Create Date: 2027-01-11
"""

from __future__ import annotations

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

OLD_ROLES = "role IN ('student', 'parent', 'teacher', 'admin')"
NEW_ROLES = "role IN ('student', 'parent', 'teacher', 'leader', 'admin')"


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("ck_users_role", type_="check")
        batch_op.create_check_constraint("ck_users_role", NEW_ROLES)


def downgrade() -> None:
    """Refused while a leader exists: the old constraint has no place for one."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("ck_users_role", type_="check")
        batch_op.create_check_constraint("ck_users_role", OLD_ROLES)
