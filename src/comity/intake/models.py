"""Items (one per canonical URL) and the reports that name them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from comity.core.db import Base, UTCDateTime, utcnow

__all__ = ["Item", "ItemConduct", "Report"]


class Item(Base):
    """One piece of content, identified by its canonical URL.

    `url_key` (SHA-256 of the canonical URL) carries the uniqueness because
    PostgreSQL cannot index arbitrarily long text in a b-tree.
    """

    __tablename__ = "items"
    # The worklist reads one priority level at a time, newest first, with or
    # without a state filter (comity.web.queries, bench/results/web.md).
    __table_args__ = (
        Index("ix_items_priority_id", "priority", "id"),
        Index("ix_items_state_priority_id", "state", "priority", "id"),
        # the figures' refresh reads a day's items (migration 0025)
        Index("ix_items_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, nullable=False)
    url_key: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    host: Mapped[str] = mapped_column(String(253), nullable=False, index=True)
    registrable_domain: Mapped[str | None] = mapped_column(String(253), index=True)
    state: Mapped[str] = mapped_column(String(24), nullable=False, default="reported")
    priority: Mapped[str] = mapped_column(String(16), nullable=False, default="standard")
    # the organisation the content is of: an id of the organisations register (no FK: KB data)
    org_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class ItemConduct(Base):
    """The conduct codes reported for an item (derived from its reports, kept for queries)."""

    __tablename__ = "item_conducts"
    # Filtering the worklist by conduct looks items up by conduct.
    __table_args__ = (Index("ix_item_conducts_conduct", "conduct", "item_id"),)

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    conduct: Mapped[str] = mapped_column(String(64), primary_key=True)


class Report(Base):
    """One report of a URL. Reporting the same thing twice is one report (`fingerprint`)."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True
    )
    raw_url: Mapped[str] = mapped_column(Text, nullable=False)
    conduct: Mapped[str] = mapped_column(String(64), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    reported_by: Mapped[str] = mapped_column(String(64), nullable=False)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)


# Registers the listener that marks the days of stored figures these rows move.
import comity.reports.models  # noqa: E402, F401
