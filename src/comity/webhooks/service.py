"""Webhook subscriptions: add, disable, read, and the delivery log (admin: `settings`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.core import audit
from comity.core.errors import BadInput, NotFound, Refused
from comity.users.service import require
from comity.webhooks.events import EVENT_TYPES, start_cursor
from comity.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from comity.webhooks.signing import new_secret

__all__ = [
    "delivery_log",
    "disable",
    "get_subscription",
    "retry_delivery",
    "subscribe",
    "subscription_state",
]


def subscription_state(sub: WebhookSubscription) -> dict[str, Any]:
    """The public form (never the secret)."""
    return {
        "id": sub.id,
        "url": sub.url,
        "events": sub.events,
        "description": sub.description,
        "active": sub.active,
        "created_by": sub.created_by,
        "created_at": sub.created_at,
    }


def _check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput("url: an http:// or https:// URL with a host", field="url")
    if parts.username or parts.password:
        raise BadInput("url: no credentials in the URL (the signature authenticates)", field="url")
    return url.strip()


def _check_events(events: list[str]) -> list[str]:
    wanted = list(dict.fromkeys(e.strip() for e in events))
    if not wanted:
        raise BadInput("events: name at least one event (or '*')", field="events")
    unknown = [e for e in wanted if e != "*" and e not in EVENT_TYPES]
    if unknown:
        raise BadInput(
            f"events: unknown {', '.join(unknown)}; valid: {', '.join(EVENT_TYPES)} or *",
            field="events",
        )
    return wanted


def subscribe(
    *, session: Session, actor: str, url: str, events: list[str], description: str | None = None
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its signing secret (shown once)."""
    acting = require(session=session, actor=actor, action="settings").name
    start_cursor(session)
    secret = new_secret()
    sub = WebhookSubscription(
        url=_check_url(url),
        secret=secret,
        events=_check_events(events),
        description=description,
        active=True,
        created_by=acting,
    )
    session.add(sub)
    session.flush()
    audit.record(
        session=session,
        actor=acting,
        action="webhook.subscribe",
        object_type="webhook",
        object_id=sub.id,
        state={"url": sub.url, "events": sub.events, "active": True},
        data={"url": sub.url, "events": sub.events},
    )
    return sub, secret


def get_subscription(*, session: Session, subscription_id: int) -> WebhookSubscription:
    sub = session.get(WebhookSubscription, subscription_id)
    if sub is None:
        raise NotFound(f"webhook {subscription_id} does not exist")
    return sub


def disable(*, session: Session, actor: str, subscription_id: int) -> WebhookSubscription:
    acting = require(session=session, actor=actor, action="settings").name
    sub = get_subscription(session=session, subscription_id=subscription_id)
    if not sub.active:
        raise Refused(f"webhook {subscription_id} is already disabled")
    sub.active = False
    audit.record(
        session=session,
        actor=acting,
        action="webhook.disable",
        object_type="webhook",
        object_id=sub.id,
        state={"url": sub.url, "events": sub.events, "active": False},
    )
    return sub


def delivery_log(
    *, session: Session, subscription_id: int, before: int | None, limit: int
) -> list[dict[str, Any]]:
    """Deliveries newest first (limit + 1 rows, for the cursor), each with its attempts."""
    get_subscription(session=session, subscription_id=subscription_id)
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    rows = session.scalars(query).all()
    attempts: dict[int, list[dict[str, Any]]] = {r.id: [] for r in rows}
    for a in session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(list(attempts)))
        .order_by(WebhookAttempt.id)
    ):
        attempts[a.delivery_id].append(
            {"at": a.at, "status_code": a.status_code, "error": a.error, "ms": a.duration_ms}
        )
    return [
        {
            "id": r.id,
            "message_id": r.message_id,
            "event_type": r.event_type,
            "state": r.state,
            "attempts": attempts[r.id],
            "created_at": r.created_at,
            "delivered_at": r.delivered_at,
            "payload": r.payload,
        }
        for r in rows
    ]


def retry_delivery(*, session: Session, actor: str, delivery_id: int) -> WebhookDelivery:
    """Put a failed delivery back to pending (the caller queues it)."""
    acting = require(session=session, actor=actor, action="settings").name
    row = session.get(WebhookDelivery, delivery_id)
    if row is None:
        raise NotFound(f"webhook delivery {delivery_id} does not exist")
    if row.state != "failed":
        raise Refused(
            f"webhook delivery {delivery_id} is {row.state}; only a failed one is retried"
        )
    row.state = "pending"
    audit.record(
        session=session,
        actor=acting,
        action="webhook.retry",
        object_type="webhook_delivery",
        object_id=row.id,
        state={"state": "pending", "attempts": row.attempts},
    )
    return row
