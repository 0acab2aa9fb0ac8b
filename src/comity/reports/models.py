"""Stored figures per day and the marks of days whose figures are stale (issue 19, item 2).

`figures` holds, for each family of figures and each day, counts per
dimension, key, figure name and bucket (see `comity.reports.figures`, which
explains the design). `figure_marks` is append-only: every transaction that
changes a source row a figure reads inserts one mark for the day it moves, in
the same transaction, so a mark is never lost and writers never wait on each
other for a shared counter row.

The listener below writes those marks for changes made through the ORM; bulk
statements that bypass it (intake's batch INSERT, the monitor's state upsert)
call `comity.reports.figures.mark` themselves.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, Index, Integer, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from comity.core.db import Base

__all__ = ["Figure", "FigureMark"]


class Figure(Base):
    """One stored count: family/dimension/name/day/key/bucket -> count."""

    __tablename__ = "figures"

    # Key order = how views read: one figure of one dimension over a range of days.
    family: Mapped[str] = mapped_column(String(16), primary_key=True)
    dim: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(24), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False)


class FigureMark(Base):
    """A day of a family whose stored figures may be stale (read live until refreshed)."""

    __tablename__ = "figure_marks"
    __table_args__ = (Index("ix_figure_marks_family_day", "family", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family: Mapped[str] = mapped_column(String(16), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)


@event.listens_for(Session, "after_flush")
def _mark_changed_days(session: Session, _context: Any) -> None:
    # After the flush: new rows have their ids and the attribute history still
    # shows what changed; the marks go in the same transaction as the change.
    from comity.reports.figures import marks_for_flush

    marks_for_flush(session)
