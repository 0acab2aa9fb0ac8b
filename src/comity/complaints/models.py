"""Complaints against a request and their review; notice to the content provider; legal holds.

A complaint is about one tracked request (one item of one dispatched dossier):
an item that was never requested has nothing to complain about. `state` moves
received -> under_review -> upheld | rejected, only through the service, each
move audited; the reviewer is never the person who approved the request.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from comity.core.db import Base, UTCDateTime, utcnow

__all__ = ["COMPLAINT_STATES", "Complaint", "LegalHold", "ProviderNotice"]

COMPLAINT_STATES = ("received", "under_review", "upheld", "rejected")


class Complaint(Base):
    """A content provider's or uploader's complaint about a request, and its outcome."""

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True
    )
    request_id: Mapped[int] = mapped_column(
        ForeignKey("tracked_requests.id", ondelete="CASCADE"), nullable=False, index=True
    )
    complainant_role: Mapped[str] = mapped_column(String(24), nullable=False)
    complainant: Mapped[str] = mapped_column(Text, nullable=False)
    route: Mapped[str] = mapped_column(String(24), nullable=False)
    received_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    grounds: Mapped[str] = mapped_column(Text, nullable=False)
    decision_due_on: Mapped[date] = mapped_column(Date, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="received", index=True)
    reviewer: Mapped[str | None] = mapped_column(String(64))
    review_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_on: Mapped[date | None] = mapped_column(Date)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # Upheld: the withdrawal notice drafted to the addressee, and the day it was sent.
    addressee_notice: Mapped[str | None] = mapped_column(Text)
    addressee_told_on: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class ProviderNotice(Base):
    """Article 11 of Regulation (EU) 2021/784: was the content provider informed, and when;
    or did the requesting side ask that it not be (reason, expiry)."""

    __tablename__ = "provider_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("tracked_requests.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # informed | non_disclosure
    informed_on: Mapped[date | None] = mapped_column(Date)
    informed_by: Mapped[str | None] = mapped_column(String(16))  # host | centre
    reason: Mapped[str | None] = mapped_column(Text)
    until: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class LegalHold(Base):
    """Suspends deletion: of one item's data, or (item_id NULL) a minimum period for a kind."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str | None] = mapped_column(String(16))  # a data kind, or NULL: every kind
    min_days: Mapped[int | None] = mapped_column(Integer)
    until: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    placed_by: Mapped[str] = mapped_column(String(64), nullable=False)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    released_by: Mapped[str | None] = mapped_column(String(64))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
