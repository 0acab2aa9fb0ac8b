"""Tracking tables: monitor checks and each item's latest verdict; dispatches and answers.

Requests are keyed by the dossier's reference string and the item id: the
dossier tables (another domain) issue the reference; tracking records what
happened to it after it left the building.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from comity.core.db import Base, UTCDateTime, utcnow

__all__ = ["Dispatch", "MonitorCheck", "MonitorState", "TrackedRequest"]


class MonitorCheck(Base):
    """One liveness check of an item's URL (append-only history)."""

    __tablename__ = "monitor_checks"
    __table_args__ = (Index("ix_monitor_checks_item_checked", "item_id", "checked_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), nullable=False)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    verdict: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[int | None] = mapped_column(Integer)
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[str | None] = mapped_column(Text)
    previous_verdict: Mapped[str | None] = mapped_column(String(16))
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))
    # A check made by a background job carries the job's key: a rerun of the
    # same job cannot store the check twice (unique, NULL for interactive runs).
    job_key: Mapped[str | None] = mapped_column(String(160), unique=True)


class MonitorState(Base):
    """The latest verdict per item, and when it is next due (what `--due` selects)."""

    __tablename__ = "monitor_state"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    verdict: Mapped[str] = mapped_column(String(16), nullable=False)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    since: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    next_due_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    last_check_id: Mapped[int] = mapped_column(Integer, nullable=False)


class Dispatch(Base):
    """An issued dossier as sent: when, by which channel, under which references."""

    __tablename__ = "dispatches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_ref: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    channel: Mapped[str] = mapped_column(String(40), nullable=False)
    host_country: Mapped[str] = mapped_column(String(2), nullable=False, index=True)
    addressee: Mapped[str] = mapped_column(Text, nullable=False)
    provider: Mapped[str | None] = mapped_column(String(128))
    sent_on: Mapped[date] = mapped_column(Date, nullable=False)
    channel_reference: Mapped[str | None] = mapped_column(String(128))
    note_number: Mapped[str | None] = mapped_column(String(128))
    # The ticket number a platform's portal gave a portal referral (migration 0013).
    ticket_number: Mapped[str | None] = mapped_column(String(128))
    acknowledged_on: Mapped[date | None] = mapped_column(Date)
    acknowledgement_ref: Mapped[str | None] = mapped_column(String(128))
    recorded_by: Mapped[str] = mapped_column(String(64), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class TrackedRequest(Base):
    """One item of a dispatched dossier: its deadline and the host's decision."""

    __tablename__ = "tracked_requests"
    __table_args__ = (UniqueConstraint("dispatch_id", "item_id", name="uq_tracked_requests_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(
        ForeignKey("dispatches.id", ondelete="CASCADE"), nullable=False, index=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True
    )
    conduct: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    decision: Mapped[str | None] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(String(40))
    countries: Mapped[str | None] = mapped_column(String(256))  # geo_blocked: where
    decided_on: Mapped[date | None] = mapped_column(Date)
    answer_ref: Mapped[str | None] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # seen gone by the monitor
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The host's own notice that it put the content back (migration 0018).
    reinstated_on: Mapped[date | None] = mapped_column(Date)


# Registers the listener that marks the days of stored figures these rows move.
import comity.reports.models  # noqa: E402, F401
