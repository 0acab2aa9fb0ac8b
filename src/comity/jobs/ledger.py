"""The job ledger: enqueue once, claim with a lease, finish with the result, reap the lost.

A job is (kind, object id, version). Enqueueing inserts its ledger row if
absent and hands only the key to the queue. A worker claims the row with a
conditional UPDATE (queued, or running with an expired lease), so a duplicate
delivery finds nothing to claim and does nothing. The handler commits its
domain result and `finish` in one transaction: killed before that commit,
nothing is visible and the lease expires; `reap` puts the key back on the
queue, and the rerun stores the result once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from comity.core.db import session_scope, utcnow
from comity.jobs.models import JobRun

__all__ = [
    "LEASE",
    "Finisher",
    "JobRun",
    "claim",
    "ensure",
    "finish",
    "job_key",
    "release",
    "stale_keys",
]

LEASE = timedelta(minutes=10)


def job_key(kind: str, object_id: str | int, version: str | int) -> str:
    return f"{kind}:{object_id}:{version}"


def ensure(
    *,
    engine: Engine,
    kind: str,
    object_id: str | int,
    version: str | int,
    params: dict[str, Any] | None = None,
) -> tuple[str, bool]:
    """The job's key, and whether it still needs running (False: done already)."""
    key = job_key(kind, object_id, version)
    with session_scope(engine) as session:
        dialect = session.get_bind().dialect.name
        builder = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(
            builder(JobRun)
            .values(
                key=key,
                kind=kind,
                object_id=str(object_id),
                version=str(version),
                params=params or {},
                state="queued",
                attempts=0,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=[JobRun.key])
        )
        state = session.scalar(select(JobRun.state).where(JobRun.key == key))
    return key, state not in ("done", "failed")


def claim(*, engine: Engine, key: str, lease: timedelta = LEASE) -> JobRun | None:
    """Take the job if nobody holds it; None if it is done, failed or held by a live worker."""
    now = utcnow()
    with session_scope(engine) as session:
        outcome = session.execute(
            update(JobRun)
            .where(JobRun.key == key)
            .where(
                (JobRun.state == "queued")
                | ((JobRun.state == "running") & (JobRun.lease_until < now))
            )
            .values(state="running", lease_until=now + lease, attempts=JobRun.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if cast("CursorResult[Any]", outcome).rowcount != 1:
            return None
        job = session.get_one(JobRun, key)
        session.expunge(job)
        return job


def finish(session: Session, key: str, result: dict[str, Any]) -> None:
    """Mark the job done in the caller's transaction (the one holding the result)."""
    session.execute(
        update(JobRun)
        .where(JobRun.key == key)
        .values(state="done", finished_at=utcnow(), result=result, lease_until=None)
        .execution_options(synchronize_session=False)
    )


def release(*, engine: Engine, key: str, error: str, final: bool) -> None:
    """After a failure: back to queued for a retry, or failed when retries are spent."""
    with session_scope(engine) as session:
        session.execute(
            update(JobRun)
            .where(JobRun.key == key, JobRun.state == "running")
            .values(state="failed" if final else "queued", error=error[:2000], lease_until=None)
            .execution_options(synchronize_session=False)
        )


def stale_keys(*, engine: Engine, queued_for: timedelta = LEASE) -> list[str]:
    """Jobs a dead worker held (lease expired) or that sat queued too long (lost message)."""
    now = utcnow()
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(JobRun.key).where(
                    ((JobRun.state == "running") & (JobRun.lease_until < now))
                    | ((JobRun.state == "queued") & (JobRun.created_at < now - queued_for))
                )
            )
        )


# handlers call it with their session and result, inside the transaction holding the result
Finisher = Callable[[Session, dict[str, Any]], None]
JobRun = JobRun
