"""deconfliction_holds: content another agency asks to stay online until a date

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 04:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "deconfliction_holds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scope_kind", sa.String(16), nullable=False),
        sa.Column("scope_value", sa.Text(), nullable=False),
        sa.Column("agency", sa.Text(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("entered_by", sa.String(64), nullable=False),
        sa.Column("entered_at", _TZ, nullable=False),
        sa.Column("approved_by", sa.String(64), nullable=True),
        sa.Column("approved_at", _TZ, nullable=True),
        sa.Column("ended_by", sa.String(64), nullable=True),
        sa.Column("ended_at", _TZ, nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_deconfliction_holds_until", "deconfliction_holds", ["until"])
    op.create_index("ix_deconfliction_holds_state", "deconfliction_holds", ["state"])


def downgrade() -> None:
    op.drop_index("ix_deconfliction_holds_state", "deconfliction_holds")
    op.drop_index("ix_deconfliction_holds_until", "deconfliction_holds")
    op.drop_table("deconfliction_holds")
