"""attributions and assessments

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 12:57:55.772021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assessed_by", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=2), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("conduct", sa.String(length=64), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("kb_version", sa.String(length=64), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_assessments_item_id_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index("ix_assessments_item", ["item_id", "assessed_at"], unique=False)

    op.create_table(
        "attributions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dns_status", sa.String(length=32), nullable=True),
        sa.Column("countries", sa.String(length=256), nullable=False),
        sa.Column("asns", sa.String(length=256), nullable=False),
        sa.Column("cdn", sa.String(length=128), nullable=True),
        sa.Column("platform", sa.String(length=128), nullable=True),
        sa.Column("moved", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_attributions_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attributions")),
    )
    with op.batch_alter_table("attributions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attributions_item_observed", ["item_id", "observed_at"], unique=False
        )

    op.create_table(
        "attribution_ips",
        sa.Column("attribution_id", sa.Integer(), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("registrable_domain", sa.String(length=253), nullable=True),
        sa.Column("cdn", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["attribution_id"],
            ["attributions.id"],
            name=op.f("fk_attribution_ips_attribution_id_attributions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attribution_id", "ip", name=op.f("pk_attribution_ips")),
    )
    with op.batch_alter_table("attribution_ips", schema=None) as batch_op:
        batch_op.create_index("ix_attribution_ips_ip", ["ip"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("attribution_ips", schema=None) as batch_op:
        batch_op.drop_index("ix_attribution_ips_ip")

    op.drop_table("attribution_ips")
    with op.batch_alter_table("attributions", schema=None) as batch_op:
        batch_op.drop_index("ix_attributions_item_observed")

    op.drop_table("attributions")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_assessments_item")

    op.drop_table("assessments")
