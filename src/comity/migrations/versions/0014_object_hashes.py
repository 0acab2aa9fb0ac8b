"""object_hashes: SHA-256, MD5, PDQ and TLSH of every object in an evidence WARC

PDQ rows carry their 256 bits as 16 indexed 16-bit chunks (c0..c15) so that a
near-duplicate lookup is a few index probes in any process (see
comity.evidence.similar).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_CHUNKS = 16


def upgrade() -> None:
    op.create_table(
        "object_hashes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "item_id", sa.Integer(), sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "evidence_id",
            sa.Integer(),
            sa.ForeignKey("evidence.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("algorithm", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=160), nullable=True),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        *(sa.Column(f"c{i}", sa.Integer(), nullable=True) for i in range(_CHUNKS)),
    )
    op.create_index("ix_object_hashes_item_id", "object_hashes", ["item_id"])
    op.create_index("ix_object_hashes_evidence_id", "object_hashes", ["evidence_id"])
    op.create_index("ix_object_hashes_algorithm_value", "object_hashes", ["algorithm", "value"])
    for i in range(_CHUNKS):
        op.create_index(f"ix_object_hashes_c{i}", "object_hashes", [f"c{i}"])


def downgrade() -> None:
    op.drop_table("object_hashes")
