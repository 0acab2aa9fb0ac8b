"""access: API token scopes and expiry, forced password change

Tokens made before this revision could do everything their user could, on
every route, for ever. They keep working for 30 days with the `read` scope
only, so that machines can be given new, scoped tokens in that time; nothing
is silently widened.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 18:30:00
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from comity.core.db import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_GRACE = timedelta(days=30)


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scopes", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    tokens = sa.table(
        "api_tokens", sa.column("scopes", sa.String()), sa.column("expires_at", UTCDateTime())
    )
    op.execute(tokens.update().values(scopes="read", expires_at=datetime.now(UTC) + _GRACE))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("scopes", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column(
            "expires_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )
    # Plain ALTER TABLE, never a batch copy: on SQLite, recreating `users` would
    # cascade-delete every session and token that points at it.
    op.add_column(
        "users",
        sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("users", "must_change_password")  # SQLite 3.35+ drops columns in place
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
        batch_op.drop_column("scopes")
