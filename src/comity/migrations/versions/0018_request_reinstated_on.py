"""tracked_requests.reinstated_on: the day a host said it put removed content back

Plain ALTER TABLE, never batch mode: tracked_requests is a parent table
(complaints, provider_notices), and a batch rebuild on SQLite would cascade
deletes to them (see 0013). ADD/DROP COLUMN need SQLite 3.35 or later.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 01:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tracked_requests", sa.Column("reinstated_on", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("tracked_requests", "reinstated_on")
