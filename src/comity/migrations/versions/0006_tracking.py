"""tracking: monitor checks and state, dispatches, tracked requests; the job ledger

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
# Chained after the newest revision present when written (0005 attribution and
# assessment); the dossier tables are not a dependency of these tables.
down_revision = "0005"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", _TZ, nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("finished_at", _TZ, nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_job_runs")),
    )
    op.create_index(op.f("ix_job_runs_state"), "job_runs", ["state"], unique=False)
    op.create_table(
        "monitor_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", _TZ, nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("previous_verdict", sa.String(length=16), nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("job_key", sa.String(length=160), nullable=True),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f("fk_monitor_checks_evidence_id_evidence"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_monitor_checks_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_checks")),
        sa.UniqueConstraint("job_key", name=op.f("uq_monitor_checks_job_key")),
    )
    op.create_index(
        "ix_monitor_checks_item_checked", "monitor_checks", ["item_id", "checked_at"], unique=False
    )
    op.create_table(
        "monitor_state",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("checked_at", _TZ, nullable=False),
        sa.Column("since", _TZ, nullable=False),
        sa.Column("next_due_at", _TZ, nullable=False),
        sa.Column("last_check_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_monitor_state_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_monitor_state")),
    )
    op.create_index(
        op.f("ix_monitor_state_next_due_at"), "monitor_state", ["next_due_at"], unique=False
    )
    op.create_table(
        "dispatches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_ref", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("host_country", sa.String(length=2), nullable=False),
        sa.Column("addressee", sa.Text(), nullable=False),
        sa.Column("provider", sa.String(length=128), nullable=True),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("channel_reference", sa.String(length=128), nullable=True),
        sa.Column("note_number", sa.String(length=128), nullable=True),
        sa.Column("acknowledged_on", sa.Date(), nullable=True),
        sa.Column("acknowledgement_ref", sa.String(length=128), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatches")),
        sa.UniqueConstraint("dossier_ref", name=op.f("uq_dispatches_dossier_ref")),
    )
    op.create_index(
        op.f("ix_dispatches_host_country"), "dispatches", ["host_country"], unique=False
    )
    op.create_table(
        "tracked_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("conduct", sa.String(length=64), nullable=True),
        sa.Column("due_at", _TZ, nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("countries", sa.String(length=256), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("answer_ref", sa.String(length=128), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("removed_at", _TZ, nullable=True),
        sa.Column("reminded_at", _TZ, nullable=True),
        sa.ForeignKeyConstraint(
            ["dispatch_id"],
            ["dispatches.id"],
            name=op.f("fk_tracked_requests_dispatch_id_dispatches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_tracked_requests_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracked_requests")),
        sa.UniqueConstraint("dispatch_id", "item_id", name="uq_tracked_requests_item"),
    )
    for column in ("decision", "dispatch_id", "due_at", "item_id"):
        op.create_index(
            op.f(f"ix_tracked_requests_{column}"), "tracked_requests", [column], unique=False
        )


def downgrade() -> None:
    for column in ("decision", "dispatch_id", "due_at", "item_id"):
        op.drop_index(op.f(f"ix_tracked_requests_{column}"), table_name="tracked_requests")
    op.drop_table("tracked_requests")
    op.drop_index(op.f("ix_dispatches_host_country"), table_name="dispatches")
    op.drop_table("dispatches")
    op.drop_index(op.f("ix_monitor_state_next_due_at"), table_name="monitor_state")
    op.drop_table("monitor_state")
    op.drop_index("ix_monitor_checks_item_checked", table_name="monitor_checks")
    op.drop_table("monitor_checks")
    op.drop_index(op.f("ix_job_runs_state"), table_name="job_runs")
    op.drop_table("job_runs")
