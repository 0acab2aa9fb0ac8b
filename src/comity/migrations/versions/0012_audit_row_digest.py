"""audit events carry the digest of their object's rows after the change

`comity audit verify` compares each audited object's current rows with the
digest in its last event. Older events keep no digest (NULL): their objects
are reported as not covered, and their hashes are unchanged because an absent
digest is left out of the hashed body.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 18:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("row_digest", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("row_digest")
