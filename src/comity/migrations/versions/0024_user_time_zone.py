"""users.time_zone: the IANA zone a user reads dates in (NULL: the installation's)

Plain ALTER TABLE, never batch mode: users is a parent table (web sessions, API
tokens), and a batch rebuild on SQLite would cascade deletes to them (see 0013
and 0018). ADD/DROP COLUMN need SQLite 3.35 or later.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 10:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("time_zone", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "time_zone")
