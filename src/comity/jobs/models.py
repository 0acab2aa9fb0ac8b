"""The job ledger: one row per (kind, object, version), the source of truth for jobs.

huey's queue only carries the key. A job is claimed by a conditional UPDATE of
its row; the domain result and `state = done` commit in one transaction, so a
worker killed mid-job leaves a `running` row whose lease expires and which the
reaper puts back on the queue (nothing lost), and a rerun or a duplicate
delivery of a `done` job does nothing (nothing repeated).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from comity.core.db import Base, UTCDateTime, utcnow

__all__ = ["JOB_STATES", "JobRun"]

JOB_STATES = ("queued", "running", "done", "failed")


class JobRun(Base):
    __tablename__ = "job_runs"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    object_id: Mapped[str] = mapped_column(String(64), nullable=False)
    version: Mapped[str] = mapped_column(String(64), nullable=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    state: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
