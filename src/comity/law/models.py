"""Stored assessments: what the engine answered for an item, with the law's version."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from comity.core.db import Base, UTCDateTime

__all__ = ["StoredAssessment"]


class StoredAssessment(Base):
    __tablename__ = "assessments"
    __table_args__ = (Index("ix_assessments_item", "item_id", "assessed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), nullable=False)
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    assessed_by: Mapped[str] = mapped_column(String(64), nullable=False)
    host: Mapped[str] = mapped_column(String(2), nullable=False)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    conduct: Mapped[str] = mapped_column(String(64), nullable=False)
    on_date: Mapped[date] = mapped_column(Date, nullable=False)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    kb_version: Mapped[str] = mapped_column(String(64), nullable=False)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
