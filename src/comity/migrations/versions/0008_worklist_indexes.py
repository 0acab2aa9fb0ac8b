"""worklist indexes: items by (priority, id), conducts by code, audit events by object

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 14:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_items_priority_id", "items", ["priority", "id"])
    op.create_index("ix_item_conducts_conduct", "item_conducts", ["conduct", "item_id"])
    op.create_index("ix_audit_events_object", "audit_events", ["object_type", "object_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_object", table_name="audit_events")
    op.drop_index("ix_item_conducts_conduct", table_name="item_conducts")
    op.drop_index("ix_items_priority_id", table_name="items")
