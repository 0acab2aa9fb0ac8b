"""The daily retention run the job queue schedules (comity.jobs.queue)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine

from comity.core.errors import ComityError
from comity.core.settings import Settings

__all__ = ["RETENTION_CRON", "run_periodic_retention"]

log = logging.getLogger("comity.jobs")
# Hour and minute of the daily run (UTC), away from the hourly head export's minute.
RETENTION_CRON = ("3", "17")


def run_periodic_retention(settings: Settings, engine: Engine) -> dict[str, Any] | None:
    """One real (not dry) run as the account COMITY_USER names; None when it cannot run.

    A refusal (a period shorter than a legal hold, an account that may not run
    retention) is logged and nothing is deleted: it is the same refusal the
    command line gives, and a person must resolve it.
    """
    from comity.complaints.retention import run

    if not settings.user:
        log.warning("retention run skipped: set COMITY_USER to the account it acts as")
        return None
    try:
        summary = run(engine=engine, actor=settings.user, dry_run=False, settings=settings)
    except ComityError as exc:
        log.warning("retention run refused: %s", exc.message)
        return None
    log.info("retention run: %s", summary)
    return summary
