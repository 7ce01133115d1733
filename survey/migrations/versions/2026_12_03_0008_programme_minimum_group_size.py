"""Programme minimum group size: below it, reports and the dashboard show a group's count only.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("minimum_group_size", sa.Integer(), server_default="5", nullable=False))
        batch_op.create_check_constraint("minimum_group_size_at_least_3", "minimum_group_size >= 3")


def downgrade() -> None:
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_programmes_minimum_group_size_at_least_3"), type_="check")
        batch_op.drop_column("minimum_group_size")
