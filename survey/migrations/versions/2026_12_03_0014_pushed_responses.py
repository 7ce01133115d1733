"""Responses a central service acknowledged, for the push from the field.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pushed_responses",
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("central", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_pushed_responses_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "central", name=op.f("pk_pushed_responses")),
    )


def downgrade() -> None:
    op.drop_table("pushed_responses")
