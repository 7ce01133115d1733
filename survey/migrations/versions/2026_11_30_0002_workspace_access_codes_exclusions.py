"""Organiser workspace: archived status, opening window, access codes, exclusions, login throttling.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 02:53:57.077283
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("used", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_access_codes_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_access_codes_code")),
    )
    with op.batch_alter_table("access_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_codes_programme_id"), ["programme_id"], unique=False)

    op.create_table(
        "exclusions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"], ["responses.id"], name=op.f("fk_exclusions_response_id_responses"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_exclusions_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exclusions")),
    )
    with op.batch_alter_table("exclusions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exclusions_response_id"), ["response_id"], unique=False)

    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("access_mode", sa.String(length=8), server_default="link", nullable=False))
        batch_op.add_column(sa.Column("series", sa.String(length=100), server_default="", nullable=False))
        batch_op.drop_constraint(op.f("ck_programmes_status_known"), type_="check")
        batch_op.create_check_constraint("status_known", "status IN ('draft', 'open', 'closed', 'archived')")
        batch_op.create_check_constraint("access_mode_known", "access_mode IN ('link', 'codes')")
        batch_op.create_check_constraint(
            "window_ordered", "closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at"
        )

    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paper_number", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("excluded", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_unique_constraint(
            batch_op.f("uq_responses_programme_id_paper_number"), ["programme_id", "paper_number"]
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")

    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_responses_programme_id_paper_number"), type_="unique")
        batch_op.drop_column("excluded")
        batch_op.drop_column("paper_number")

    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_programmes_window_ordered"), type_="check")
        batch_op.drop_constraint(op.f("ck_programmes_access_mode_known"), type_="check")
        batch_op.drop_constraint(op.f("ck_programmes_status_known"), type_="check")
        batch_op.create_check_constraint("status_known", "status IN ('draft', 'open', 'closed')")
        batch_op.drop_column("series")
        batch_op.drop_column("access_mode")
        batch_op.drop_column("closes_at")
        batch_op.drop_column("opens_at")

    with op.batch_alter_table("exclusions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exclusions_response_id"))

    op.drop_table("exclusions")
    with op.batch_alter_table("access_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_codes_programme_id"))

    op.drop_table("access_codes")
