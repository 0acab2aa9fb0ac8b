"""dispatches record the ticket number a platform's portal gave a portal referral

A portal referral is typed into the platform's web form; the portal answers
with its own ticket number, which is what the platform quotes back. It is kept
apart from `channel_reference` (any reference of the channel) so that a portal
referral can be refused at dispatch without one.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, never batch mode: on SQLite a batch rebuild drops the old
# `dispatches` table, and with foreign keys on that cascades to every tracked
# request (ON DELETE CASCADE). ADD/DROP COLUMN need SQLite 3.35 or later.


def upgrade() -> None:
    op.add_column("dispatches", sa.Column("ticket_number", sa.String(length=128), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE dispatches DROP COLUMN ticket_number")
