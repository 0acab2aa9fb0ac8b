"""items: the organisation the content is of (an id of the organisations register)

Nullable: most items are not tied to one organisation, and the id refers to
knowledge-base data (knowledge/_organisations/), not to a table, so there is
no foreign key; the service checks the id against the register on entry.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("org_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # SQLite >= 3.35 drops a column in place; a batch copy of `items` would break the
    # foreign keys that point at it
    op.drop_column("items", "org_id")
