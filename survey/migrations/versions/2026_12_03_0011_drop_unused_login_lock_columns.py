"""Drop users.failed_logins and users.locked_until: sign-in throttling moved to survey.web.limits.

Nothing has read or written them since the rate limits replaced the account lock
(a lock any stranger could set kept the owner out). The downgrade adds them back
empty, as revision 0002 made them: no lock and no count, which is what they held.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
