"""The huey queue: SQLite in the data folder by default, Redis when COMITY_QUEUE_URL says so.

Only job keys travel on the queue; the ledger (`job_runs`) is the truth. Any
number of workers on any number of machines can share a Redis queue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import Engine

from comity.core.db import get_engine
from comity.core.errors import BadInput
from comity.core.settings import Settings, get_settings
from comity.jobs import ledger

__all__ = ["Queue", "get_queue", "make_huey"]

log = logging.getLogger("comity.jobs")
# huey retries a failed job (exception in the handler) with a growing delay:
# 2 s, 4 s, 8 s, 16 s; then the ledger marks it failed.
RETRIES, RETRY_DELAY, RETRY_BACKOFF = 4, 2, 2.0

Handler = Callable[[Engine, ledger.JobRun, ledger.Finisher], dict[str, Any]]


def make_huey(settings: Settings) -> Huey:
    url = settings.queue_url
    if not url:
        settings.home.mkdir(parents=True, exist_ok=True)
        return SqliteHuey("comity", filename=str((settings.home / "queue.db").resolve()))
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("comity", url=url)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey("comity", filename=str(path))
    raise BadInput(
        "COMITY_QUEUE_URL: use redis://host:port/db or sqlite:///path (empty: the data folder)"
    )


class Queue:
    """A huey instance with Comity's one task (run a ledger job) and the periodic schedule."""

    def __init__(self, settings: Settings, *, lease: timedelta = ledger.LEASE) -> None:
        from comity.jobs.handlers import HANDLERS, schedule_due_monitoring

        self.settings = settings
        self.lease = lease
        self.huey = make_huey(settings)
        self._handlers: dict[str, Handler] = HANDLERS

        def run_job(key: str) -> dict[str, Any] | None:
            return self.run(key)

        def schedule() -> None:
            self.reap()
            schedule_due_monitoring(self)

        task = self.huey.task(
            retries=RETRIES,
            retry_delay=RETRY_DELAY,
            retry_backoff=RETRY_BACKOFF,
            name="comity.run_job",
        )
        self._run_job: Any = task(run_job)
        self.huey.periodic_task(crontab(minute="*/15"), name="comity.schedule")(schedule)

        def export_head() -> None:
            from comity.integrity.jobs import export_periodic_head

            export_periodic_head(self.settings, self.engine)

        def webhooks() -> None:
            from comity.webhooks.jobs import dispatch_pending

            dispatch_pending(self)

        # New audit events become webhook deliveries within a minute.
        self.huey.periodic_task(crontab(minute="*"), name="comity.webhooks")(webhooks)

        def retention() -> None:
            from comity.complaints.jobs import run_periodic_retention

            run_periodic_retention(self.settings, self.engine)

        from comity.complaints.jobs import RETENTION_CRON

        hour, minute = RETENTION_CRON
        self.huey.periodic_task(crontab(hour=hour, minute=minute), name="comity.retention")(
            retention
        )

        def holds() -> None:
            from comity.holds.jobs import expire_due

            expire_due(self.engine)

        from comity.holds.jobs import HOLDS_EXPIRE_CRON

        hour, minute = HOLDS_EXPIRE_CRON
        self.huey.periodic_task(crontab(hour=hour, minute=minute), name="comity.holds_expire")(
            holds
        )
        from comity.integrity.jobs import HEAD_EXPORT_CRON_MINUTE

        self.huey.periodic_task(crontab(minute=HEAD_EXPORT_CRON_MINUTE), name="comity.audit_head")(
            export_head
        )

    @property
    def engine(self) -> Engine:
        return get_engine(self.settings.resolved_database_url)

    def submit(
        self,
        kind: str,
        object_id: str | int,
        version: str | int,
        params: dict[str, Any] | None = None,
    ) -> tuple[str, bool]:
        """Record the job and put it on the queue; (key, False) if it had run already."""
        if kind not in self._handlers:
            raise BadInput(
                f"job kind {kind!r}: valid kinds are {', '.join(sorted(self._handlers))}"
            )
        key, pending = ledger.ensure(
            engine=self.engine, kind=kind, object_id=object_id, version=version, params=params
        )
        if pending:
            self._run_job(key)
        return key, pending

    def run(self, key: str) -> dict[str, Any] | None:
        """Run one job if it can be claimed (a duplicate delivery returns None)."""
        engine = self.engine
        job = ledger.claim(engine=engine, key=key, lease=self.lease)
        if job is None:
            return None
        handler = self._handlers[job.kind]

        def finish(session: Any, result: dict[str, Any]) -> None:
            ledger.finish(session, key, result)

        try:
            return handler(engine, job, finish)
        except Exception as exc:
            final = job.attempts > RETRIES
            ledger.release(
                engine=engine, key=key, error=f"{type(exc).__name__}: {exc}", final=final
            )
            log.warning("job %s failed (attempt %d): %s", key, job.attempts, exc)
            raise

    def reap(self) -> list[str]:
        """Put jobs held by dead workers (or lost from the queue) back on the queue."""
        keys = ledger.stale_keys(engine=self.engine, queued_for=self.lease)
        for key in keys:
            self._run_job(key)
        return keys


@lru_cache(maxsize=4)
def _queue_for(settings: Settings) -> Queue:
    return Queue(settings)


def get_queue() -> Queue:
    return _queue_for(get_settings())
