"""Complaints about a request: receipt, review by someone other than the approver, outcome.

- `receive`: a content provider's, uploader's or host's complaint about an item
  that a dispatched dossier requested (an item never requested is refused);
  the decision is due by the `decision` step of data/deadlines.yaml.
- `start_review` / `decide`: a legal reviewer who did not approve the request
  (four eyes, again) reviews it; the outcome is upheld (the item is withdrawn,
  its open proposals too, and a withdrawal notice to the addressee is drafted)
  or rejected, with reasons either way.
- `tell_addressee`: the day the withdrawal notice left.

Every step writes an audit event on the item (so the case file shows it).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.cases.groups import withdraw_checked
from comity.cases.models import Proposal
from comity.cases.states import TRANSITIONS
from comity.complaints import deadlines
from comity.complaints.models import Complaint
from comity.core import audit
from comity.core.db import utcnow
from comity.core.errors import BadInput, NotFound, Refused
from comity.intake.models import Item
from comity.tracking.models import Dispatch, TrackedRequest
from comity.users.service import require

__all__ = [
    "FIGURES",
    "OUTCOMES",
    "ROLES",
    "ROUTES",
    "complaint_dict",
    "complaint_figures",
    "complaints_for",
    "decide",
    "get_complaint",
    "list_complaints",
    "receive",
    "request_for",
    "start_review",
    "tell_addressee",
]

ROLES = ("content_provider", "uploader", "host")
ROUTES = ("email", "post", "host_forwarded", "portal", "in_person", "court")
OUTCOMES = ("upheld", "rejected")
# The reports' complaint figures, in the order they list them.
FIGURES = (
    "received",
    "content_provider",
    "uploader",
    "host",
    "reviewed",
    "upheld",
    "rejected",
    "pending",
    "decided_late",
    "before_a_court",
)


def _text(value: str | None, field: str) -> str:
    if value is None or not value.strip():
        raise BadInput(f"{field}: required, and must not be blank", field=field.lstrip("-"))
    return value.strip()


def _choice(value: str, valid: tuple[str, ...], field: str) -> str:
    if value not in valid:
        raise BadInput(
            f"{field}: '{value}' is not valid; valid: {', '.join(valid)}", field=field.lstrip("-")
        )
    return value


def request_for(session: Session, item_id: int, ref: str | None) -> tuple[TrackedRequest, Dispatch]:
    """The request for the item (dossier `ref`, or the latest): refused if none."""
    query = (
        select(TrackedRequest, Dispatch)
        .join(Dispatch, Dispatch.id == TrackedRequest.dispatch_id)
        .where(TrackedRequest.item_id == item_id)
        .order_by(Dispatch.sent_on.desc(), TrackedRequest.id.desc())
    )
    if ref:
        query = query.where(Dispatch.dossier_ref == ref)
    row = session.execute(query.limit(1)).first()
    if row is None:
        if ref:
            raise Refused(f"item {item_id} is not in dossier {ref}: no request to complain about")
        raise Refused(
            f"item {item_id} was never requested: no dispatched dossier asked for it, so there "
            "is no request to complain about"
        )
    return row[0], row[1]


def _log(session: Session, actor: str, action: str, c: Complaint, **data: Any) -> None:
    audit.record(
        session=session,
        actor=actor,
        action=action,
        object_type="item",
        object_id=c.item_id,
        state={"complaint": c.id, "state": c.state},
        data={"complaint": c.id, "state": c.state, **data},
    )


def receive(
    *,
    session: Session,
    actor: str | None,
    item_id: int,
    complainant_role: str,
    complainant: str,
    route: str,
    received_on: date,
    grounds: str,
    ref: str | None = None,
) -> Complaint:
    """Record a complaint about the request for `item_id` (the latest, or dossier `ref`)."""
    user = require(session=session, actor=actor, action="track")
    _choice(complainant_role, ROLES, "--from-role")
    _choice(route, ROUTES, "--route")
    who, why = _text(complainant, "--complainant"), _text(grounds, "--grounds")
    if received_on > utcnow().date():
        raise BadInput(f"--received: {received_on} is in the future", field="received")
    if session.get(Item, item_id) is None:
        raise NotFound(f"item {item_id} does not exist")
    request, dispatch = request_for(session, item_id, ref)
    if received_on < dispatch.sent_on:
        raise BadInput(
            f"--received: {received_on} is before the request was sent ({dispatch.sent_on})",
            field="received",
        )
    complaint = Complaint(
        item_id=item_id,
        request_id=request.id,
        complainant_role=complainant_role,
        complainant=who,
        route=route,
        received_on=received_on,
        grounds=why,
        decision_due_on=deadlines.due("decision", received_on),
        state="received",
        recorded_by=user.name,
    )
    session.add(complaint)
    session.flush()
    _log(
        session,
        user.name,
        "complaint.received",
        complaint,
        dossier=dispatch.dossier_ref,
        role=complainant_role,
        route=route,
        received_on=received_on.isoformat(),
        due_on=complaint.decision_due_on.isoformat(),
    )
    return complaint


def get_complaint(*, session: Session, complaint_id: int) -> Complaint:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(f"complaint {complaint_id} does not exist")
    return complaint


def _approvers(session: Session, item_id: int) -> set[str]:
    """Who approved a request for this item (any approved proposal that went out)."""
    return {
        name
        for name in session.scalars(
            select(Proposal.decided_by).where(
                Proposal.item_id == item_id, Proposal.state == "approved"
            )
        )
        if name
    }


def _check_reviewer(session: Session, complaint: Complaint, name: str) -> None:
    if name in _approvers(session, complaint.item_id):
        raise Refused(
            f"{name} approved the request for item {complaint.item_id}: a complaint about it "
            "is reviewed by another legal reviewer"
        )
    if complaint.state in OUTCOMES:
        raise Refused(f"complaint {complaint.id} is already {complaint.state}")
    if complaint.reviewer and complaint.reviewer != name:
        raise Refused(f"complaint {complaint.id} is under review by {complaint.reviewer}")


def start_review(*, session: Session, actor: str | None, complaint_id: int) -> Complaint:
    """Take the complaint for review (the reviewer must not be the original approver)."""
    user = require(session=session, actor=actor, action="review")
    complaint = get_complaint(session=session, complaint_id=complaint_id)
    _check_reviewer(session, complaint, user.name)
    if complaint.state == "under_review":
        return complaint
    complaint.state, complaint.reviewer = "under_review", user.name
    complaint.review_started_at = utcnow()
    _log(session, user.name, "complaint.review", complaint)
    return complaint


def _notice(session: Session, complaint: Complaint, reason: str) -> str:
    request = session.get_one(TrackedRequest, complaint.request_id)
    dispatch = session.get_one(Dispatch, request.dispatch_id)
    url = session.get_one(Item, complaint.item_id).url
    refs = ", ".join(r for r in (dispatch.note_number, dispatch.channel_reference) if r)
    return (
        f"To: {dispatch.addressee}\n"
        f"Subject: Withdrawal of our request {dispatch.dossier_ref}"
        + (f" ({refs})" if refs else "")
        + "\n\n"
        f"Following a complaint received on {complaint.received_on.isoformat()} and its "
        f"review, we withdraw our request {dispatch.dossier_ref} as it concerns item "
        f"{complaint.item_id} ({url}). Reason: {reason} We ask that no further action be "
        "taken on our request for this item; any measure taken on its basis alone may be "
        "lifted."
    )


def decide(
    *,
    session: Session,
    actor: str | None,
    complaint_id: int,
    outcome: str,
    reason: str,
    on: date | None = None,
) -> Complaint:
    """Uphold (withdraw the request, draft the notice) or reject, with reasons."""
    user = require(session=session, actor=actor, action="review")
    _choice(outcome, OUTCOMES, "--outcome")
    why = _text(reason, "--reason")
    day = on or utcnow().date()
    complaint = get_complaint(session=session, complaint_id=complaint_id)
    _check_reviewer(session, complaint, user.name)
    if day < complaint.received_on or day > utcnow().date():
        raise BadInput(
            f"--on: {day} is before the complaint was received or in the future", field="on"
        )
    if complaint.state == "received":
        start_review(session=session, actor=user.name, complaint_id=complaint_id)
    item = session.get_one(Item, complaint.item_id)
    withdrawn = False
    if outcome == "upheld":
        complaint.addressee_notice = _notice(session, complaint, why)
        if "withdrawn" in TRANSITIONS[item.state]:
            withdraw_checked(
                session=session,
                item=item,
                actor=user.name,
                reason=f"complaint {complaint.id} upheld: {why}",
            )
            withdrawn = True
    complaint.state, complaint.decided_on, complaint.decision_reason = outcome, day, why
    _log(
        session,
        user.name,
        f"complaint.{outcome}",
        complaint,
        reason=why,
        decided_on=day.isoformat(),
        late=day > complaint.decision_due_on,
        item_withdrawn=withdrawn,
    )
    return complaint


def tell_addressee(
    *, session: Session, actor: str | None, complaint_id: int, on: date | None = None
) -> Complaint:
    """Record the day the withdrawal notice was sent to the addressee."""
    user = require(session=session, actor=actor, action="track")
    complaint = get_complaint(session=session, complaint_id=complaint_id)
    if complaint.state != "upheld":
        raise Refused(
            f"complaint {complaint.id} is {complaint.state}: only an upheld complaint's "
            "withdrawal is sent to the addressee"
        )
    day = on or utcnow().date()
    if complaint.decided_on and day < complaint.decided_on:
        raise BadInput(f"--on: {day} is before the decision ({complaint.decided_on})", field="on")
    complaint.addressee_told_on = day
    _log(session, user.name, "complaint.addressee_told", complaint, on=day.isoformat())
    return complaint


def _due(c: Complaint, today: date) -> dict[str, Any]:
    if c.state in OUTCOMES:
        told_due = deadlines.due("tell_addressee", c.decided_on) if c.decided_on else None
        pending = c.state == "upheld" and c.addressee_told_on is None
        return {
            "step": "tell_addressee" if pending else None,
            "due_on": told_due.isoformat() if pending and told_due else None,
            "overdue": bool(pending and told_due and today > told_due),
        }
    return {
        "step": "decision",
        "due_on": c.decision_due_on.isoformat(),
        "overdue": today > c.decision_due_on,
    }


def complaint_dict(session: Session, c: Complaint, today: date | None = None) -> dict[str, Any]:
    request = session.get_one(TrackedRequest, c.request_id)
    dispatch = session.get_one(Dispatch, request.dispatch_id)
    return {
        "id": c.id,
        "item_id": c.item_id,
        "dossier": dispatch.dossier_ref,
        "addressee": dispatch.addressee,
        "host": dispatch.host_country,
        "complainant_role": c.complainant_role,
        "complainant": c.complainant,
        "route": c.route,
        "received_on": c.received_on.isoformat(),
        "grounds": c.grounds,
        "state": c.state,
        "decision_due_on": c.decision_due_on.isoformat(),
        "reviewer": c.reviewer,
        "decided_on": c.decided_on.isoformat() if c.decided_on else None,
        "decision_reason": c.decision_reason,
        "addressee_notice": c.addressee_notice,
        "addressee_told_on": c.addressee_told_on.isoformat() if c.addressee_told_on else None,
        "recorded_by": c.recorded_by,
        "next": _due(c, today or utcnow().date()),
    }


def list_complaints(
    *, session: Session, state: str | None = None, item_id: int | None = None
) -> list[dict[str, Any]]:
    """Complaints, oldest first (the order they are due), as dicts."""
    query = select(Complaint).order_by(Complaint.received_on, Complaint.id)
    if state is not None:
        query = query.where(
            Complaint.state == _choice(state, (*OUTCOMES, "received", "under_review"), "--state")
        )
    if item_id is not None:
        query = query.where(Complaint.item_id == item_id)
    return [complaint_dict(session, c) for c in session.scalars(query)]


def complaints_for(*, session: Session, item_id: int) -> list[dict[str, Any]]:
    """One item's complaints (the case file's section)."""
    return list_complaints(session=session, item_id=item_id)


def complaint_figures(*, session: Session, start: date, end: date) -> dict[str, int]:
    """Complaints received in [start, end] and what came of them (as known today)."""
    out: Counter[str] = Counter()
    rows = session.execute(
        select(
            Complaint.complainant_role,
            Complaint.route,
            Complaint.state,
            Complaint.decided_on,
            Complaint.decision_due_on,
        ).where(Complaint.received_on >= start, Complaint.received_on <= end)
    )
    for role, route, state, decided_on, due_on in rows:
        out["received"] += 1
        out[role] += 1
        out["before_a_court"] += route == "court"
        if state in OUTCOMES:
            out["reviewed"] += 1
            out[state] += 1
            out["decided_late"] += decided_on is not None and decided_on > due_on
        else:
            out["pending"] += 1
    return {k: out[k] for k in FIGURES}
