"""content_members: items linked into content groups by matching captured objects
(issue 17: exact SHA-256 or PDQ within a distance)

A new table only: no parent table is altered (so no SQLite batch rebuild).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 01:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "content_members",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("matched_item_id", sa.Integer(), nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("algorithm", sa.String(length=8), nullable=True),
        sa.Column("distance", sa.Integer(), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["matched_item_id"], ["items.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["evidence_id"], ["evidence.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("item_id"),
    )
    op.create_index("ix_content_members_group_id", "content_members", ["group_id"])


def downgrade() -> None:
    op.drop_index("ix_content_members_group_id", table_name="content_members")
    op.drop_table("content_members")
