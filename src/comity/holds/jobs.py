"""The daily run that records expired deconfliction holds (scheduled by comity.jobs.queue).

Holds stop blocking on their date without it (the safeguard compares with the
clock); this run puts the expiry in the audit chain, as `system`.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from comity.core.db import session_scope, utcnow

__all__ = ["HOLDS_EXPIRE_CRON", "expire_due"]

log = logging.getLogger("comity.jobs")
# Hour and minute (UTC): just after midnight, so a hold ending yesterday is recorded early.
HOLDS_EXPIRE_CRON = ("0", "7")


def expire_due(engine: Engine) -> list[int]:
    from comity.holds.service import expire_holds

    with session_scope(engine) as session:
        expired = expire_holds(session=session, now=utcnow())
    if expired:
        log.info("deconfliction holds expired: %s", expired)
    return expired
