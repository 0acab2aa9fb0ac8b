"""Which audit events an integrator is told about, and turning them into deliveries.

The audit chain is the outbox: every state change already writes an event in its
own transaction, so nothing can change without an event and an event never
exists for a change that rolled back. `fan_out` reads the events after
`WebhookCursor`, writes one delivery per (event, matching subscription) and moves
the cursor, in one transaction; the deliveries then go on the job queue. A
deadline passing changes no row, so `fan_out` also looks for requests that became
overdue (once per request: the delivery's `event_key` is unique per subscription).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comity.core.audit import AuditEvent
from comity.core.db import session_scope
from comity.webhooks.models import WebhookCursor, WebhookDelivery, WebhookSubscription

__all__ = ["ACTIONS", "EVENT_TYPES", "event_type", "fan_out", "start_cursor"]

EVENT_TYPES = (
    "item.reported",
    "proposal.decided",
    "dossier.issued",
    "answer.recorded",
    "deadline.passed",
    "removal.verified",
    "content.reappeared",
)
# audit action -> event type (item.state is split by the state it moved to)
ACTIONS = {
    "report.add": "item.reported",
    "proposal.approve": "proposal.decided",
    "proposal.reject": "proposal.decided",
    "dossier.issue": "dossier.issued",
    "request.answer": "answer.recorded",
    "item.state": None,
    "item.monitor": None,
}
# The same content back online: at the same URL (the item moves to `reinstated`) or as
# a copy elsewhere (the monitor's verdict `reappeared`, issue 17). One event type for
# both; the payload's `action` says which (item.state or item.monitor).
_ITEM_STATES = {"verified": "removal.verified", "reinstated": "content.reappeared"}
_VERDICTS = {"reappeared": "content.reappeared"}
_WINDOW = 10_000  # audit events read per fan-out: a backlog drains in several passes


def event_type(action: str, data: dict[str, Any]) -> str | None:
    if action == "item.state":
        return _ITEM_STATES.get(str(data.get("to")))
    if action == "item.monitor":
        return _VERDICTS.get(str(data.get("to")))
    return ACTIONS.get(action)


def start_cursor(session: Session) -> None:
    """Before the first subscription: start after the newest event (no history replayed)."""
    if session.get(WebhookCursor, 1) is None:
        newest = session.scalar(select(func.max(AuditEvent.seq))) or 0
        session.add(WebhookCursor(id=1, audit_seq=newest))
        session.flush()


def _message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def _payload(kind: str, at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    from fastapi.encoders import jsonable_encoder

    # The Standard Webhooks payload shape: type, timestamp, data.
    body = {"type": kind, "timestamp": at.astimezone(UTC).isoformat(), "data": data}
    encoded: dict[str, Any] = jsonable_encoder(body)
    return encoded


def _add(
    session: Session,
    subscriptions: list[WebhookSubscription],
    kind: str,
    key: str,
    payload: dict[str, Any],
) -> list[WebhookDelivery]:
    added = []
    for sub in subscriptions:
        if kind in sub.events or "*" in sub.events:
            delivery = WebhookDelivery(
                subscription_id=sub.id,
                event_key=key,
                message_id=_message_id(),
                event_type=kind,
                payload=payload,
                state="pending",
                attempts=0,
            )
            added.append(delivery)
    return added


def _from_audit(session: Session, subs: list[WebhookSubscription]) -> list[WebhookDelivery]:
    cursor = session.get(WebhookCursor, 1)
    if cursor is None:
        return []
    newest = session.scalar(select(func.max(AuditEvent.seq))) or 0
    upto = min(newest, cursor.audit_seq + _WINDOW)
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.seq > cursor.audit_seq,
            AuditEvent.seq <= upto,
            AuditEvent.action.in_(list(ACTIONS)),
        )
        .order_by(AuditEvent.seq)
    ).all()
    out = []
    for event in events:
        kind = event_type(event.action, event.data)
        if kind is None:
            continue
        data = {
            "audit_seq": event.seq,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "actor": event.actor,
            "details": event.data,
        }
        out += _add(session, subs, kind, f"audit:{event.seq}", _payload(kind, event.at, data))
    cursor.audit_seq = upto
    return out


def _overdue(session: Session, subs: list[WebhookSubscription]) -> list[WebhookDelivery]:
    from comity.tracking.service import overdue

    if not any("deadline.passed" in s.events or "*" in s.events for s in subs):
        return []
    seen = set(
        session.scalars(
            select(WebhookDelivery.event_key).where(WebhookDelivery.event_type == "deadline.passed")
        )
    )
    out = []
    now = datetime.now(UTC)
    for row in overdue(session=session):
        key = f"deadline:{row['dossier']}:{row['item_id']}"
        if key in seen:
            continue
        out += _add(session, subs, "deadline.passed", key, _payload("deadline.passed", now, row))
    return out


def fan_out(engine: Engine) -> list[int]:
    """Write the deliveries of new events; returns their ids (to put on the queue)."""
    with session_scope(engine) as session:
        subs = list(session.scalars(select(WebhookSubscription).where(WebhookSubscription.active)))
        if not subs:
            return []
        deliveries = _from_audit(session, subs) + _overdue(session, subs)
        session.add_all(deliveries)
        try:
            session.flush()
        except IntegrityError:  # another fan-out wrote the same events first
            session.rollback()
            return []
        return [d.id for d in deliveries]
