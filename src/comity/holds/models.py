"""The deconfliction hold register.

A hold names one scope (`scope_kind`, `scope_value`, normalised on entry) and
who asked for it. `state` moves pending -> active (a second person approved)
-> released | expired, only through the service, each move audited. A hold
blocks only while active *and* `until` has not passed: the check compares with
the clock, so a hold stops blocking on its date even before the expiry job
records it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from comity.core.db import Base, UTCDateTime, utcnow

__all__ = ["HOLD_STATES", "SCOPE_KINDS", "DeconflictionHold"]

HOLD_STATES = ("pending", "active", "released", "expired")
# sha256 / pdq: content, matched like content groups; url: one canonical URL;
# url_prefix: an account or channel (Comity keeps no account model, so an
# account is the canonical URL prefix of its pages); domain: a registrable
# domain; org: an id of the organisations register.
SCOPE_KINDS = ("sha256", "pdq", "url", "url_prefix", "domain", "org")


class DeconflictionHold(Base):
    __tablename__ = "deconfliction_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    scope_value: Mapped[str] = mapped_column(Text, nullable=False)
    agency: Mapped[str] = mapped_column(Text, nullable=False)  # sensitive: see service
    contact: Mapped[str | None] = mapped_column(Text)  # sensitive: see service
    legal_basis: Mapped[str] = mapped_column(Text, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    until: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="pending", index=True)
    entered_by: Mapped[str] = mapped_column(String(64), nullable=False)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by: Mapped[str | None] = mapped_column(String(64))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(Text)
