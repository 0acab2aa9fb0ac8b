"""hash_imports, external_hashes, external_matches: imported hash lists with their
provenance, and the captures they flagged (issue 17, hash exchange)

New tables only: no parent table is altered (so no SQLite batch rebuild).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 04:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_CHUNKS = 16


def upgrade() -> None:
    op.create_table(
        "hash_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "file_sha256", name="uq_hash_imports_file"),
    )
    op.create_table(
        "external_hashes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=160), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("conduct", sa.String(length=64), nullable=True),
        sa.Column("organisation", sa.String(length=64), nullable=True),
        sa.Column("organisation_name", sa.Text(), nullable=True),
        sa.Column("decision", sa.String(length=32), nullable=True),
        sa.Column("decided_on", sa.String(length=10), nullable=True),
        sa.Column("case_name", sa.Text(), nullable=True),
        *(sa.Column(f"c{i}", sa.Integer(), nullable=True) for i in range(_CHUNKS)),
        sa.ForeignKeyConstraint(["import_id"], ["hash_imports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "algorithm", "value", "reference", name="uq_external_hashes"),
    )
    op.create_index("ix_external_hashes_import_id", "external_hashes", ["import_id"])
    op.create_index("ix_external_hashes_algorithm_value", "external_hashes", ["algorithm", "value"])
    for i in range(_CHUNKS):
        op.create_index(f"ix_external_hashes_c{i}", "external_hashes", [f"c{i}"])
    op.create_table(
        "external_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("external_hash_id", sa.Integer(), nullable=False),
        sa.Column("object_url", sa.Text(), nullable=False),
        sa.Column("algorithm", sa.String(length=8), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=False),
        sa.Column("matched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["evidence_id"], ["evidence.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["external_hash_id"], ["external_hashes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("evidence_id", "external_hash_id", name="uq_external_matches"),
    )
    op.create_index("ix_external_matches_item_id", "external_matches", ["item_id"])
    op.create_index(
        "ix_external_matches_external_hash_id", "external_matches", ["external_hash_id"]
    )


def downgrade() -> None:
    op.drop_table("external_matches")
    op.drop_table("external_hashes")
    op.drop_table("hash_imports")
