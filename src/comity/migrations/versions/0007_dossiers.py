"""request dossiers: drafts, issued versions, files, reference sequence

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 14:00:00

Besides the tables, this revision installs triggers that make an issued
dossier immutable at the database level (the service has no UPDATE path for
one either): an issued or superseded dossier row may only go from `issued` to
`superseded` (nothing else in the row changes), its entries cannot be added,
changed or removed, and stored-file rows are never updated or deleted.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
# The brief said 0006 after 0005; the tracking revision took 0006 first, so this
# one chains after it (the two touch different tables).
down_revision = "0006"
branch_labels = None
depends_on = None

_FROZEN = "dossier is issued and frozen: it never changes (issue a new version with revise)"
# Columns of `dossiers` that must stay the same when an issued dossier is superseded.
_KEPT = (
    "id",
    "reference",
    "kind",
    "channel",
    "host",
    "addressee_key",
    "addressee",
    "sender",
    "languages",
    "skipped_languages",
    "priority",
    "version",
    "supersedes_id",
    "created_by",
    "created_at",
    "issued_by",
    "issued_at",
    "issue_date",
)

# Built from the constants above only; nothing from outside reaches these statements.
_SQLITE = [
    f"""CREATE TRIGGER dossiers_frozen_update BEFORE UPDATE ON dossiers
    WHEN OLD.state <> 'draft' AND NOT (OLD.state = 'issued' AND NEW.state = 'superseded'
      AND {" AND ".join(f"NEW.{c} IS OLD.{c}" for c in _KEPT)})
    BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END""",
    f"""CREATE TRIGGER dossiers_frozen_delete BEFORE DELETE ON dossiers
    WHEN OLD.state <> 'draft' BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END""",
    f"""CREATE TRIGGER dossier_items_frozen_insert BEFORE INSERT ON dossier_items
    WHEN (SELECT state FROM dossiers WHERE id = NEW.dossier_id) <> 'draft'
    BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END""",  # noqa: S608 - constants only
    f"""CREATE TRIGGER dossier_items_frozen_update BEFORE UPDATE ON dossier_items
    WHEN (SELECT state FROM dossiers WHERE id = OLD.dossier_id) <> 'draft'
      OR (SELECT state FROM dossiers WHERE id = NEW.dossier_id) <> 'draft'
    BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END""",  # noqa: S608 - constants only
    f"""CREATE TRIGGER dossier_items_frozen_delete BEFORE DELETE ON dossier_items
    WHEN (SELECT state FROM dossiers WHERE id = OLD.dossier_id) <> 'draft'
    BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END""",  # noqa: S608 - constants only
    f"""CREATE TRIGGER dossier_files_frozen_insert BEFORE INSERT ON dossier_files
    WHEN (SELECT state FROM dossiers WHERE id = NEW.dossier_id) <> 'draft'
    BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END""",  # noqa: S608 - constants only
    f"""CREATE TRIGGER dossier_files_frozen_update BEFORE UPDATE ON dossier_files
    BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END""",
    f"""CREATE TRIGGER dossier_files_frozen_delete BEFORE DELETE ON dossier_files
    BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END""",
]
_SQLITE_DROP = [
    "dossiers_frozen_update",
    "dossiers_frozen_delete",
    "dossier_items_frozen_insert",
    "dossier_items_frozen_update",
    "dossier_items_frozen_delete",
    "dossier_files_frozen_insert",
    "dossier_files_frozen_update",
    "dossier_files_frozen_delete",
]

_PG = [
    f"""CREATE FUNCTION comity_dossiers_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.state = 'draft' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END IF;
      IF TG_OP = 'UPDATE' AND OLD.state = 'issued' AND NEW.state = 'superseded'
         AND (to_jsonb(NEW) - 'state' - 'superseded_at')
           = (to_jsonb(OLD) - 'state' - 'superseded_at') THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION '{_FROZEN}';
    END $$""",
    f"""CREATE FUNCTION comity_dossier_children_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_TABLE_NAME = 'dossier_files' AND TG_OP <> 'INSERT' THEN
        RAISE EXCEPTION '{_FROZEN}';
      END IF;
      IF TG_OP <> 'INSERT' AND
         (SELECT state FROM dossiers WHERE id = OLD.dossier_id) <> 'draft' THEN
        RAISE EXCEPTION '{_FROZEN}';
      END IF;
      IF TG_OP <> 'DELETE' AND
         (SELECT state FROM dossiers WHERE id = NEW.dossier_id) <> 'draft' THEN
        RAISE EXCEPTION '{_FROZEN}';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$""",  # noqa: S608 - constants only
    """CREATE TRIGGER dossiers_frozen BEFORE UPDATE OR DELETE ON dossiers
    FOR EACH ROW EXECUTE FUNCTION comity_dossiers_guard()""",
    """CREATE TRIGGER dossier_items_frozen BEFORE INSERT OR UPDATE OR DELETE ON dossier_items
    FOR EACH ROW EXECUTE FUNCTION comity_dossier_children_guard()""",
    """CREATE TRIGGER dossier_files_frozen BEFORE INSERT OR UPDATE OR DELETE ON dossier_files
    FOR EACH ROW EXECUTE FUNCTION comity_dossier_children_guard()""",
]
_PG_DROP = [
    "DROP TRIGGER IF EXISTS dossier_files_frozen ON dossier_files",
    "DROP TRIGGER IF EXISTS dossier_items_frozen ON dossier_items",
    "DROP TRIGGER IF EXISTS dossiers_frozen ON dossiers",
    "DROP FUNCTION IF EXISTS comity_dossier_children_guard()",
    "DROP FUNCTION IF EXISTS comity_dossiers_guard()",
]


def upgrade() -> None:
    op.create_table(
        "dossier_sequences",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_dossier_sequences")),
    )
    op.create_table(
        "dossiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=48), nullable=False),
        sa.Column("host", sa.String(length=8), nullable=True),
        sa.Column("addressee_key", sa.String(length=300), nullable=False),
        sa.Column("addressee", sa.JSON(), nullable=False),
        sa.Column("sender", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("skipped_languages", sa.JSON(), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["dossiers.id"], name=op.f("fk_dossiers_supersedes_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossiers")),
        sa.UniqueConstraint("reference", name=op.f("uq_dossiers_reference")),
    )
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossiers_addressee_key"), ["addressee_key"])
        batch_op.create_index(batch_op.f("ix_dossiers_state"), ["state"])
    op.create_table(
        "dossier_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("attribution_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attribution_id"],
            ["attributions.id"],
            name=op.f("fk_dossier_items_attribution_id_attributions"),
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_dossier_items_dossier_id_dossiers")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_dossier_items_item_id_items")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_dossier_items_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_items")),
        sa.UniqueConstraint("dossier_id", "proposal_id", name=op.f("uq_dossier_items_dossier_id")),
    )
    with op.batch_alter_table("dossier_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossier_items_dossier_id"), ["dossier_id"])
        batch_op.create_index(batch_op.f("ix_dossier_items_item_id"), ["item_id"])
        batch_op.create_index(batch_op.f("ix_dossier_items_proposal_id"), ["proposal_id"])
    op.create_table(
        "dossier_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_dossier_files_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_files")),
        sa.UniqueConstraint(
            "dossier_id", "format", "language", name=op.f("uq_dossier_files_dossier_id")
        ),
    )
    with op.batch_alter_table("dossier_files", schema=None) as batch_op:
        batch_op.create_index("ix_dossier_files_sha256", ["sha256"])
    statements = _PG if op.get_bind().dialect.name == "postgresql" else _SQLITE
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _PG_DROP:
            op.execute(statement)
    else:
        for name in _SQLITE_DROP:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("dossier_files", schema=None) as batch_op:
        batch_op.drop_index("ix_dossier_files_sha256")
    op.drop_table("dossier_files")
    with op.batch_alter_table("dossier_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_items_proposal_id"))
        batch_op.drop_index(batch_op.f("ix_dossier_items_item_id"))
        batch_op.drop_index(batch_op.f("ix_dossier_items_dossier_id"))
    op.drop_table("dossier_items")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossiers_state"))
        batch_op.drop_index(batch_op.f("ix_dossiers_addressee_key"))
    op.drop_table("dossiers")
    op.drop_table("dossier_sequences")
