"""Drop the index of answers by (question_id, item, number).

It was meant for the counts per scale point, but those are counted per
programme, from its responses (unique (programme_id, paper_number)) to their
answers (unique (response_id, question_id, item)): EXPLAIN of the tallies'
query shows those two on SQLite and PostgreSQL, with or without this index.
It cost every stored response one scattered index entry per answer, and
loading a report's data was no faster with it (bench/README.md).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 07:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_index("ix_answers_question_item_number")


def downgrade() -> None:
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.create_index("ix_answers_question_item_number", ["question_id", "item", "number"], unique=False)
