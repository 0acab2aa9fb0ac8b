"""The periodic head export the job queue runs (comity.jobs.queue schedules it hourly)."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine

from comity.core.db import read_session, utcnow
from comity.core.settings import Settings
from comity.integrity import head as heads

__all__ = ["HEAD_EXPORT_CRON_MINUTE", "export_periodic_head"]

log = logging.getLogger("comity.jobs")
# Minute of every hour at which the queue exports a signed head (README, "Audit").
HEAD_EXPORT_CRON_MINUTE = "7"


def export_periodic_head(settings: Settings, engine: Engine) -> Path | None:
    """Sign and write the current head into the head folder; None when no key is set."""
    if settings.audit_signing_key is None:
        log.warning("audit head not exported: COMITY_AUDIT_SIGNING_KEY is not set")
        return None
    key = heads.load_private_key(settings.audit_signing_key)
    folder = settings.audit_head_dir or settings.home / "audit-heads"
    path = heads.periodic_path(folder, utcnow())
    with read_session(engine) as session:
        heads.export_head(session, key, path)
    log.info("audit head exported to %s", path)
    return path
