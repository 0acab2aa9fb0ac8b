"""Stored attributions: time-stamped observations of where an item was served from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from comity.core.db import Base, UTCDateTime

__all__ = ["AttributionIp", "AttributionRecord"]


class AttributionRecord(Base):
    """One observation. Re-attributing adds a row; nothing is overwritten (history)."""

    __tablename__ = "attributions"
    __table_args__ = (Index("ix_attributions_item_observed", "item_id", "observed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), nullable=False)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    dns_status: Mapped[str | None] = mapped_column(String(32))
    # Comma-separated, sorted: the footprint compared to flag a move.
    countries: Mapped[str] = mapped_column(String(256), nullable=False, default="")
    asns: Mapped[str] = mapped_column(String(256), nullable=False, default="")
    cdn: Mapped[str | None] = mapped_column(String(128))
    platform: Mapped[str | None] = mapped_column(String(128))
    moved: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)


class AttributionIp(Base):
    """Which registrable domain was seen on which address: the basis of collateral counts."""

    __tablename__ = "attribution_ips"

    attribution_id: Mapped[int] = mapped_column(
        ForeignKey("attributions.id", ondelete="CASCADE"), primary_key=True
    )
    ip: Mapped[str] = mapped_column(String(45), primary_key=True)
    registrable_domain: Mapped[str | None] = mapped_column(String(253))
    cdn: Mapped[str | None] = mapped_column(String(128))

    __table_args__ = (Index("ix_attribution_ips_ip", "ip"),)
