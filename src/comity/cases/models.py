"""Cases (groups of items) and proposals (a request for review, then a decision)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from comity.core.db import Base, UTCDateTime, utcnow

__all__ = ["PROPOSAL_STATES", "Case", "CaseItem", "Proposal"]

PROPOSAL_STATES = ("proposed", "approved", "rejected", "expired", "withdrawn")


class Case(Base):
    """One operation, actor or campaign; items join it through `CaseItem`."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class CaseItem(Base):
    """Membership: an item may belong to several cases."""

    __tablename__ = "case_items"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_by: Mapped[str] = mapped_column(String(64), nullable=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Proposal(Base):
    """A proposed request for one item to one jurisdiction, and its four-eyes decision.

    The assessment is stored as the engine returned it (with the knowledge-base
    version), so a decision can always be read against the law as it was then.
    `state` only changes through a conditional UPDATE (see service.review).
    """

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True
    )
    host: Mapped[str] = mapped_column(String(8), nullable=False)
    role: Mapped[str] = mapped_column(String(24), nullable=False)
    channel: Mapped[str] = mapped_column(String(48), nullable=False)
    conduct: Mapped[str] = mapped_column(String(64), nullable=False)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    target: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    dual_criminality: Mapped[str] = mapped_column(String(16), nullable=False)
    assessment: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    kb_version: Mapped[str] = mapped_column(String(64), nullable=False)
    # Safeguard findings when proposed (review recomputes them: evidence ages).
    findings: Mapped[list[Any]] = mapped_column(JSON, nullable=False)
    # Hosting facts given explicitly when proposing (cdn, shared_host_domains).
    hosting: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    content_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="proposed", index=True)
    proposed_by: Mapped[str] = mapped_column(String(64), nullable=False)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)
    override_reason: Mapped[str | None] = mapped_column(Text)
    overridden: Mapped[list[Any] | None] = mapped_column(JSON)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


# Registers the listener that marks the days of stored figures these rows move.
import comity.reports.models  # noqa: E402, F401
