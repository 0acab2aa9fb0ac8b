"""Dispatch, acknowledgements, answers, deadlines and reminders (keyword-only services).

Requests are keyed by the issued dossier's reference and the item ids it
carries. Each item's deadline comes from `comity.tracking.deadlines`: the
shortest of a binding legal time limit (from the item's stored assessment for
that host, with its meaning), the channel's operational expectation and the
priority cap, counted from the moment of dispatch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.cases.states import TRANSITIONS, transition
from comity.core import audit
from comity.core.db import utcnow
from comity.core.errors import BadInput, NotFound, Refused
from comity.intake.models import Item, ItemConduct
from comity.tracking import deadlines
from comity.tracking.models import Dispatch, TrackedRequest
from comity.users.service import require

__all__ = [
    "CHANNELS",
    "DECISIONS",
    "REASONS",
    "acknowledge",
    "dispatch_dict",
    "get_dispatch",
    "overdue",
    "record_answer",
    "record_dispatch",
    "reminder_text",
    "tracked_request",
]

CHANNELS = (
    "diplomatic_request",
    "mla_request",
    "eu_removal_order_request",
    "provider_referral",
    "registrar_notice",
)
DECISIONS = ("removed", "geo_blocked", "restricted", "refused", "partial", "no_reply")
REASONS = (
    "no_offence_under_host_law",
    "insufficient_evidence",
    "protected_expression",
    "outside_jurisdiction",
    "not_against_terms",
    "other",
)
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def get_dispatch(*, session: Session, ref: str) -> Dispatch:
    found = session.scalar(select(Dispatch).where(Dispatch.dossier_ref == ref))
    if found is None:
        raise NotFound(f"dossier {ref!r} has no recorded dispatch (see: comity track dispatch)")
    return found


def record_dispatch(
    *,
    session: Session,
    actor: str | None,
    ref: str,
    item_ids: Sequence[int],
    channel: str,
    host: str,
    addressee: str,
    sent_on: date | None = None,
    provider: str | None = None,
    channel_reference: str | None = None,
    note_number: str | None = None,
    sent_at: datetime | None = None,
    ticket_number: str | None = None,
) -> Dispatch:
    """Record that the dossier `ref` was sent; every item gets its deadline; items become `sent`.

    The deadline counts from `sent_at` (or see `deadlines.dispatch_moment`).
    """
    user = require(session=session, actor=actor, action="track")
    if channel not in CHANNELS:
        raise BadInput(f"--channel: '{channel}' is not a channel; valid: {', '.join(CHANNELS)}")
    if not _COUNTRY.match(host):
        raise BadInput(f"--host: '{host}' must be an ISO 3166-1 alpha-2 code such as DE")
    if not ref.strip() or not addressee.strip():
        raise BadInput("--ref and --addressee must not be blank")
    if not item_ids:
        raise BadInput("--item: give the ids of the items the dossier carries")
    if session.scalar(select(Dispatch.id).where(Dispatch.dossier_ref == ref)) is not None:
        raise Refused(f"dossier {ref!r} was already recorded as dispatched")
    ticket_number = _ticket(session, ref, ticket_number)
    now = utcnow()
    start, _ = deadlines.dispatch_moment(sent_on=sent_on, sent_at=sent_at, now=now)
    dispatch = Dispatch(
        dossier_ref=ref,
        channel=channel,
        host_country=host,
        addressee=addressee.strip(),
        provider=provider,
        sent_on=start.date() if sent_at is not None else (sent_on or now.date()),
        channel_reference=channel_reference,
        note_number=note_number,
        ticket_number=ticket_number,
        recorded_by=user.name,
        recorded_at=now,
    )
    session.add(dispatch)
    session.flush()
    for item_id in dict.fromkeys(item_ids):
        item = session.get(Item, item_id)
        if item is None:
            raise NotFound(f"item {item_id} does not exist (see: comity items list)")
        limits = deadlines.limits_for(session, item.id, host, channel)
        allowed = deadlines.allowed(item.priority, channel, limits).allowed
        conduct = session.scalar(select(ItemConduct.conduct).where(ItemConduct.item_id == item.id))
        session.add(
            TrackedRequest(
                dispatch_id=dispatch.id,
                item_id=item.id,
                conduct=conduct,
                due_at=start + allowed if allowed else None,
            )
        )
        if "sent" in TRANSITIONS.get(item.state, frozenset()):
            transition(
                session=session,
                item=item,
                to="sent",
                actor=user.name,
                reason=f"dossier {ref} dispatched",
            )
    audit.record(
        session=session,
        actor=user.name,
        action="dossier.dispatch",
        object_type="dossier",
        object_id=ref,
        state=dispatch_dict(session, dispatch),
        data={
            "channel": channel,
            "host": host,
            "note_number": note_number,
            "ticket_number": ticket_number,
            "items": list(item_ids),
            "counted_from": start.isoformat(),
        },
    )
    return dispatch


def _ticket(session: Session, ref: str, ticket: str | None) -> str | None:
    """The portal's ticket number: required for a portal referral, refused for anything else.

    The platform answers under its ticket number only; a portal referral
    recorded without it could not be followed up.
    """
    from comity.dossiers.models import DossierRecord

    ticket = (ticket or "").strip() or None
    if ticket is not None and (len(ticket) > 128 or not ticket.isprintable()):
        raise BadInput("--ticket: at most 128 printable characters", field="ticket_number")
    kind = session.scalar(select(DossierRecord.kind).where(DossierRecord.reference == ref))
    if kind == "portal_referral" and ticket is None:
        raise BadInput(
            f"--ticket: dossier {ref} was typed into the platform's portal: record the ticket "
            "number the portal gave",
            field="ticket_number",
        )
    if kind != "portal_referral" and ticket is not None:
        raise BadInput(
            f"--ticket: only a portal referral has a portal ticket number ({ref} is "
            f"{kind or 'not an issued dossier'})",
            field="ticket_number",
        )
    return ticket


def acknowledge(
    *, session: Session, actor: str | None, ref: str, on: date, reference: str | None = None
) -> Dispatch:
    user = require(session=session, actor=actor, action="track")
    dispatch = get_dispatch(session=session, ref=ref)
    dispatch.acknowledged_on, dispatch.acknowledgement_ref = on, reference
    audit.record(
        session=session,
        actor=user.name,
        action="dossier.acknowledged",
        object_type="dossier",
        object_id=ref,
        state=dispatch_dict(session, dispatch),
        data={"on": on.isoformat(), "reference": reference},
    )
    return dispatch


def tracked_request(*, session: Session, ref: str, item_id: int) -> TrackedRequest:
    """The request for `item_id` in dispatched dossier `ref`, or NotFound."""
    dispatch = get_dispatch(session=session, ref=ref)
    request = session.scalar(
        select(TrackedRequest).where(
            TrackedRequest.dispatch_id == dispatch.id, TrackedRequest.item_id == item_id
        )
    )
    if request is None:
        raise NotFound(f"item {item_id} is not in dossier {ref}")
    return request


def record_answer(
    *,
    session: Session,
    actor: str | None,
    ref: str,
    item_id: int,
    decision: str,
    on: date,
    reason: str | None = None,
    countries: Sequence[str] = (),
    answer_ref: str | None = None,
    note: str | None = None,
) -> TrackedRequest:
    """The host's decision on one item; a refusal needs a reason code, a geo-block countries."""
    user = require(session=session, actor=actor, action="track")
    if decision not in DECISIONS:
        raise BadInput(f"--decision: '{decision}' is not valid; valid: {', '.join(DECISIONS)}")
    if decision == "refused" and reason not in REASONS:
        raise BadInput(f"--reason: a refusal needs a reason code; valid: {', '.join(REASONS)}")
    if decision != "refused" and reason is not None:
        raise BadInput("--reason: only a refusal carries a reason code")
    bad = [c for c in countries if not _COUNTRY.match(c)]
    if bad:
        raise BadInput(f"--country: '{bad[0]}' must be an ISO 3166-1 alpha-2 code")
    if decision == "geo_blocked" and not countries:
        raise BadInput("--country: say where access was disabled (e.g. --country KZ)")
    request = tracked_request(session=session, ref=ref, item_id=item_id)
    request.decision, request.reason, request.decided_on = decision, reason, on
    request.countries = ",".join(countries) or None
    request.answer_ref, request.note = answer_ref, note
    item = session.get_one(Item, item_id)
    if decision != "no_reply" and "answered" in TRANSITIONS.get(item.state, frozenset()):
        transition(
            session=session, item=item, to="answered", actor=user.name, reason=f"{ref}: {decision}"
        )
    audit.record(
        session=session,
        actor=user.name,
        action="request.answer",
        object_type="item",
        object_id=item_id,
        state={"dossier": ref, "decision": decision, "reason": reason},
        data={
            "dossier": ref,
            "decision": decision,
            "reason": reason,
            "countries": list(countries),
            "answer_ref": answer_ref,
        },
    )
    return request


def overdue(*, session: Session, now: datetime | None = None) -> list[dict[str, Any]]:
    """Requests past their deadline with no decision yet, most overdue first."""
    now = now or utcnow()
    rows = session.execute(
        select(TrackedRequest, Dispatch)
        .join(Dispatch, Dispatch.id == TrackedRequest.dispatch_id)
        .where(TrackedRequest.decision.is_(None), TrackedRequest.due_at.is_not(None))
        .where(TrackedRequest.due_at < now, TrackedRequest.removed_at.is_(None))
        .order_by(TrackedRequest.due_at)
    ).all()
    out = []
    for request, dispatch in rows:
        assert request.due_at is not None
        late = now - request.due_at
        out.append(
            {
                "dossier": dispatch.dossier_ref,
                "item_id": request.item_id,
                "channel": dispatch.channel,
                "host": dispatch.host_country,
                "addressee": dispatch.addressee,
                "due_at": request.due_at.isoformat(),
                "days_overdue": round(late / timedelta(days=1), 1),
                "reminder": reminder_text(dispatch, [request], now=now),
            }
        )
    return out


def reminder_text(dispatch: Dispatch, requests: Sequence[TrackedRequest], *, now: datetime) -> str:
    """A follow-up note to draft (a person reviews and sends it)."""
    refs = ", ".join(
        r for r in (dispatch.note_number, dispatch.ticket_number, dispatch.channel_reference) if r
    )
    items = ", ".join(str(r.item_id) for r in requests)
    return (
        f"To: {dispatch.addressee}\n"
        f"Subject: Follow-up to our request {dispatch.dossier_ref}"
        + (f" ({refs})" if refs else "")
        + "\n\n"
        f"On {dispatch.sent_on.isoformat()} we transmitted request {dispatch.dossier_ref} "
        f"through the {dispatch.channel.replace('_', ' ')} channel concerning item(s) {items}. "
        f"As of {now.date().isoformat()} we have not received a decision. We would be grateful "
        "to be informed of the action taken or of any further information you require."
    )


def dispatch_dict(session: Session, dispatch: Dispatch) -> dict[str, Any]:
    requests = session.scalars(
        select(TrackedRequest)
        .where(TrackedRequest.dispatch_id == dispatch.id)
        .order_by(TrackedRequest.item_id)
    ).all()
    items = [_request_dict(session, dispatch, r) for r in requests]
    return {
        "dossier": dispatch.dossier_ref,
        "channel": dispatch.channel,
        "host": dispatch.host_country,
        "addressee": dispatch.addressee,
        "provider": dispatch.provider,
        "sent_on": dispatch.sent_on.isoformat(),
        "channel_reference": dispatch.channel_reference,
        "note_number": dispatch.note_number,
        "ticket_number": dispatch.ticket_number,
        "acknowledged_on": dispatch.acknowledged_on.isoformat()
        if dispatch.acknowledged_on
        else None,
        "acknowledgement_ref": dispatch.acknowledgement_ref,
        "items": items,
        "warnings": [w for i in items if (w := i["warning"])],
    }


def _request_dict(session: Session, dispatch: Dispatch, r: TrackedRequest) -> dict[str, Any]:
    limits = deadlines.limits_for(session, r.item_id, dispatch.host_country, dispatch.channel)
    item = session.get(Item, r.item_id)
    basis = deadlines.allowed(item.priority, dispatch.channel, limits).basis if item else "unknown"
    warning = None
    if r.due_at is not None and r.due_at <= dispatch.recorded_at:
        warning = (
            f"item {r.item_id}: the answer was due {r.due_at.isoformat()}, before the dispatch "
            f"was recorded ({dispatch.recorded_at.isoformat()}): it is overdue from the start"
        )
    return {
        "item_id": r.item_id,
        "due_at": r.due_at.isoformat() if r.due_at else None,
        "time_zone": deadlines.TIME_ZONE,
        "due_basis": basis,
        "time_limits": limits,
        "warning": warning,
        "decision": r.decision,
        "reason": r.reason,
        "countries": r.countries,
        "decided_on": r.decided_on.isoformat() if r.decided_on else None,
        "removed_at": r.removed_at.isoformat() if r.removed_at else None,
    }
