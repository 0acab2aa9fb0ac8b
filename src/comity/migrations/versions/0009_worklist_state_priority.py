"""worklist: items by (state, priority, id) instead of by state alone

The worklist pages through one priority level at a time, newest first
(comity.web.queries); with a state filter each level is then one index range
read backwards. The composite index also serves every query on state alone,
so the single-column index goes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 15:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_items_state_priority_id", "items", ["state", "priority", "id"])
    op.drop_index("ix_items_state", table_name="items")


def downgrade() -> None:
    op.create_index("ix_items_state", "items", ["state"])
    op.drop_index("ix_items_state_priority_id", table_name="items")
