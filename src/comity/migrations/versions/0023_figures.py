"""figures: counts per day for the dashboard, statistics and transparency report (issue 19)

Every existing day is marked, so the first read recomputes it and stores it
(or run `comity stats rebuild` once after upgrading a large database).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 07:40:00
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "figures",
        sa.Column("family", sa.String(16), primary_key=True),
        sa.Column("dim", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(24), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("bucket", sa.String(64), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_table(
        "figure_marks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("family", sa.String(16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
    )
    op.create_index("ix_figure_marks_family_day", "figure_marks", ["family", "day"])
    # Existing rows: mark their days (read live, then stored, until rebuilt).
    op.execute(
        "INSERT INTO figure_marks (family, day) SELECT DISTINCT 'requests', sent_on FROM dispatches"
    )
    for family, table, column in (
        ("funnel", "items", "created_at"),
        ("proposed", "proposals", "proposed_at"),
        ("decided", "proposals", "decided_at"),
    ):
        rows = op.get_bind().execute(
            sa.text(f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL")  # noqa: S608
        )
        days = sorted({_utc_day(value) for (value,) in rows})
        if days:
            op.bulk_insert(
                sa.table("figure_marks", sa.column("family"), sa.column("day", sa.Date())),
                [{"family": family, "day": d} for d in days],
            )


def _utc_day(value: object) -> date:

    if isinstance(value, str):  # SQLite returns the stored text
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).date()


def downgrade() -> None:
    op.drop_index("ix_figure_marks_family_day", "figure_marks")
    op.drop_table("figure_marks")
    op.drop_table("figures")
