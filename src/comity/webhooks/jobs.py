"""Webhook deliveries on the job queue: one job per delivery, retried with backoff.

A failed attempt raises, so huey puts the job back with a growing delay (the
queue's RETRIES and RETRY_BACKOFF: 2, 4, 8, 16 s); each delivery is its own job,
so a slow or failing endpoint holds one worker slot for at most its timeout and
never the deliveries queued behind it. After the last retry the delivery is
marked failed (it stays in the log, and `POST /api/v1/webhooks/deliveries/{id}/retry`
can send it again). A refusal before any connection (a private address, a
disabled subscription) is final at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from comity.core.db import session_scope
from comity.core.settings import get_settings
from comity.jobs.ledger import Finisher, JobRun
from comity.webhooks.deliver import attempt
from comity.webhooks.events import fan_out
from comity.webhooks.models import WebhookDelivery

if TYPE_CHECKING:
    from comity.jobs.queue import Queue

__all__ = ["WebhookNotDelivered", "dispatch_pending", "webhook_job"]


class WebhookNotDelivered(Exception):
    """Raised into the queue so that it retries the delivery later."""


def webhook_job(engine: Engine, job: JobRun, finish: Finisher) -> dict[str, Any]:
    from comity.jobs.queue import RETRIES

    delivery_id = int(job.object_id)
    outcome = attempt(engine=engine, settings=get_settings(), delivery_id=delivery_id)
    result = {
        "delivered": outcome.delivered,
        "status_code": outcome.status_code,
        "error": outcome.error,
    }
    if outcome.delivered or outcome.permanent:
        with session_scope(engine) as session:
            finish(session, result)
        return result
    if job.attempts > RETRIES:
        with session_scope(engine) as session:
            row = session.get(WebhookDelivery, delivery_id)
            if row is not None:
                row.state = "failed"
    raise WebhookNotDelivered(f"delivery {delivery_id}: {outcome.error}")


def dispatch_pending(queue: Queue) -> list[int]:
    """Fan new events out to deliveries and put each on the queue (the periodic task)."""
    ids = fan_out(queue.engine)
    for delivery_id in ids:
        queue.submit("webhook", delivery_id, 1)
    return ids
