"""The paper form's PDF is made by the report worker: a job remembers the page it prints.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_digest", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_report_jobs_source_digest"), ["source_digest"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_jobs_source_digest"))
        batch_op.drop_column("source_digest")
