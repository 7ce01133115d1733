"""Drop two indexes that repeat the first column of a unique constraint.

answers.response_id is the first column of unique (response_id, question_id,
item), and responses.programme_id of unique (programme_id, paper_number): those
indexes serve the same look-ups, and every stored answer paid for updating the
extra one.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 07:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answers_response_id"))
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_responses_programme_id"))


def downgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_responses_programme_id"), ["programme_id"], unique=False)
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answers_response_id"), ["response_id"], unique=False)
