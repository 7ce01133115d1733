"""Access codes: whether staff may see that a code was used, revealed in batches.

A code's used flag is exact (it refuses a second use); ``revealed`` is what
staff pages show, and flips for a whole batch of at least k codes at once
(survey.services.anonymity). Codes already used are revealed, as before.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("access_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revealed", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE access_codes SET revealed = used")


def downgrade() -> None:
    with op.batch_alter_table("access_codes", schema=None) as batch_op:
        batch_op.drop_column("revealed")
