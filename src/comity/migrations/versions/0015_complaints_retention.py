"""complaints, provider_notices, legal_holds (issue 18: after the request)

New tables only: no batch mode, nothing rebuilt (see 0013 on SQLite cascades).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def _fk(table: str, nullable: bool = False) -> sa.Column[int]:
    column = "item_id" if table == "items" else "request_id"
    return sa.Column(
        column,
        sa.Integer(),
        sa.ForeignKey(f"{table}.id", ondelete="CASCADE"),
        nullable=nullable,
    )


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("items"),
        _fk("tracked_requests"),
        sa.Column("complainant_role", sa.String(length=24), nullable=False),
        sa.Column("complainant", sa.Text(), nullable=False),
        sa.Column("route", sa.String(length=24), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("decision_due_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reviewer", sa.String(length=64), nullable=True),
        sa.Column("review_started_at", _TZ, nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("addressee_notice", sa.Text(), nullable=True),
        sa.Column("addressee_told_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", _TZ, nullable=False),
    )
    for column in ("item_id", "request_id", "received_on", "state"):
        op.create_index(f"ix_complaints_{column}", "complaints", [column])
    op.create_table(
        "provider_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("tracked_requests"),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("informed_on", sa.Date(), nullable=True),
        sa.Column("informed_by", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", _TZ, nullable=False),
    )
    op.create_index("ix_provider_notices_request_id", "provider_notices", ["request_id"])
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("items", nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("min_days", sa.Integer(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_by", sa.String(length=64), nullable=False),
        sa.Column("placed_at", _TZ, nullable=False),
        sa.Column("released_by", sa.String(length=64), nullable=True),
        sa.Column("released_at", _TZ, nullable=True),
    )
    op.create_index("ix_legal_holds_item_id", "legal_holds", ["item_id"])


def downgrade() -> None:
    op.drop_table("legal_holds")
    op.drop_table("provider_notices")
    op.drop_table("complaints")
