"""The deconfliction hold register: enter, approve (four eyes), release, expire, list.

Every change is audited from here. The holder's identity (agency, contact) is
shown only to roles with `deconflict_identity` (comity.users.roles says why);
the others see that a hold exists, its scope, date and basis. The audit event's
readable `data` leaves the identity out too; the chained state digest covers it.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from comity.cases import states
from comity.core import audit
from comity.core.db import utcnow
from comity.core.errors import BadInput, NotFound, Refused
from comity.core.settings import get_settings
from comity.holds.models import HOLD_STATES, SCOPE_KINDS, DeconflictionHold
from comity.users.roles import allowed
from comity.users.service import SYSTEM, require

__all__ = [
    "add_hold",
    "approve_hold",
    "expire_holds",
    "get_hold",
    "hold_dict",
    "list_holds",
    "normalise_scope",
    "release_hold",
    "show_hold",
    "with_holders",
]

_HEX64 = re.compile(r"[0-9a-f]{64}")


def _text(value: str | None, field: str) -> str:
    if value is None or not value.strip():
        raise BadInput(f"{field}: required, and must not be blank", field=field)
    return value.strip()


def normalise_scope(kind: str, value: str) -> str:
    """The stored form of a scope: one validator per kind (STYLE.md 6)."""
    value = _text(value, "scope")
    if kind in ("sha256", "pdq"):
        # PDQ is 256 bits as 64 hex digits, the same text shape as a SHA-256.
        hexed = value.lower()
        if not _HEX64.fullmatch(hexed):
            raise BadInput(f"--{kind}: expected 64 hexadecimal digits", field="scope")
        return hexed
    if kind in ("url", "url_prefix"):
        from comity.urls import canonicalize

        return canonicalize(value, allow=get_settings().fetch_allow).url
    if kind == "domain":
        from comity.urls import registrable_domain

        domain = registrable_domain(value.lower().rstrip("."))
        if domain is None:
            raise BadInput(f"--domain: {value!r} is not a registrable domain", field="scope")
        return domain
    if kind == "org":
        from comity.intake.orgs import check_org

        return check_org(value, field="scope")
    raise BadInput(
        f"scope kind {kind!r}: valid kinds are {', '.join(SCOPE_KINDS)}", field="scope_kind"
    )


def get_hold(*, session: Session, hold_id: int) -> DeconflictionHold:
    hold = session.get(DeconflictionHold, hold_id)
    if hold is None:
        raise NotFound(f"deconfliction hold {hold_id} does not exist")
    return hold


def _at(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def hold_dict(hold: DeconflictionHold, *, identity: bool) -> dict[str, Any]:
    """The JSON form of a hold; without `identity`, who asked is withheld."""
    return {
        "id": hold.id,
        "scope_kind": hold.scope_kind,
        "scope_value": hold.scope_value,
        "agency": hold.agency if identity else None,
        "contact": hold.contact if identity else None,
        "identity_withheld": not identity,
        "legal_basis": hold.legal_basis,
        "reason": hold.reason,
        "until": hold.until.isoformat(),
        "state": hold.state,
        "entered_by": hold.entered_by,
        "entered_at": _at(hold.entered_at),
        "approved_by": hold.approved_by,
        "approved_at": _at(hold.approved_at),
        "ended_by": hold.ended_by,
        "ended_at": _at(hold.ended_at),
        "end_reason": hold.end_reason,
    }


def _record(
    session: Session, actor: str, action: str, hold: DeconflictionHold, **data: Any
) -> None:
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action=f"deconfliction_hold.{action}",
        object_type="deconfliction_hold",
        object_id=hold.id,
        state=hold_dict(hold, identity=True),
        data={
            "scope": f"{hold.scope_kind}:{hold.scope_value}",
            "until": hold.until.isoformat(),
            "legal_basis": hold.legal_basis,
            **data,
        },
    )


def add_hold(
    *,
    session: Session,
    actor: str | None,
    scope_kind: str,
    scope_value: str,
    agency: str,
    contact: str | None,
    legal_basis: str,
    reason: str,
    until: date,
    now: datetime | None = None,
) -> DeconflictionHold:
    """Enter a hold; it is pending (blocks nothing) until another person approves it."""
    user = require(session=session, actor=actor, action="deconflict")
    now = now or utcnow()
    if until < now.date():
        raise BadInput(f"--until: {until} has passed", field="until")
    hold = DeconflictionHold(
        scope_kind=scope_kind,
        scope_value=normalise_scope(scope_kind, scope_value),
        agency=_text(agency, "agency"),
        contact=contact.strip() if contact and contact.strip() else None,
        legal_basis=_text(legal_basis, "legal_basis"),
        reason=_text(reason, "reason"),
        until=until,
        state="pending",
        entered_by=user.name,
        entered_at=now,
    )
    session.add(hold)
    _record(session, user.name, "add", hold)
    return hold


def _move(
    session: Session, hold: DeconflictionHold, frm: tuple[str, ...], values: dict[str, Any]
) -> None:
    """Change the hold only if it is still in one of `frm` (concurrent changes: one lands)."""
    landed = states.rows_changed(
        session.execute(
            update(DeconflictionHold)
            .where(DeconflictionHold.id == hold.id, DeconflictionHold.state.in_(frm))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    )
    if landed != 1:
        raise Refused(f"deconfliction hold {hold.id} was changed by someone else meanwhile")
    for key, value in values.items():
        setattr(hold, key, value)


def approve_hold(
    *, session: Session, actor: str | None, hold_id: int, now: datetime | None = None
) -> DeconflictionHold:
    """Approve a pending hold: four eyes, so never by the person who entered it."""
    user = require(session=session, actor=actor, action="deconflict")
    hold = get_hold(session=session, hold_id=hold_id)
    now = now or utcnow()
    if hold.state != "pending":
        raise Refused(
            f"deconfliction hold {hold.id} is {hold.state}: only a pending hold is approved"
        )
    if hold.entered_by == user.name:
        raise Refused(
            f"four eyes: {user.name} entered deconfliction hold {hold.id} and may not approve it"
        )
    if hold.until < now.date():
        raise Refused(f"deconfliction hold {hold.id} ran out on {hold.until}")
    _move(
        session,
        hold,
        ("pending",),
        {"state": "active", "approved_by": user.name, "approved_at": now},
    )
    _record(session, user.name, "approve", hold)
    return hold


def release_hold(
    *,
    session: Session,
    actor: str | None,
    hold_id: int,
    reason: str | None,
    now: datetime | None = None,
) -> DeconflictionHold:
    """End a hold before its date (the agency no longer needs it), with a reason."""
    user = require(session=session, actor=actor, action="deconflict")
    why = _text(reason, "reason")
    hold = get_hold(session=session, hold_id=hold_id)
    if hold.state not in ("pending", "active"):
        raise Refused(f"deconfliction hold {hold.id} is already {hold.state}")
    values = {
        "state": "released",
        "ended_by": user.name,
        "ended_at": now or utcnow(),
        "end_reason": why,
    }
    _move(session, hold, ("pending", "active"), values)
    _record(session, user.name, "release", hold, reason=why)
    return hold


def expire_holds(*, session: Session, now: datetime, actor: str = SYSTEM) -> list[int]:
    """Record as expired every pending or active hold whose date has passed; ids expired."""
    rows = list(
        session.scalars(
            select(DeconflictionHold)
            .where(
                DeconflictionHold.state.in_(("pending", "active")),
                DeconflictionHold.until < now.date(),
            )
            .order_by(DeconflictionHold.id)
        )
    )
    expired = []
    for hold in rows:
        values = {
            "state": "expired",
            "ended_by": actor,
            "ended_at": now,
            "end_reason": "date passed",
        }
        try:
            _move(session, hold, ("pending", "active"), values)
        except Refused:  # released meanwhile
            continue
        _record(session, actor, "expire", hold)
        expired.append(hold.id)
    return expired


def list_holds(
    *,
    session: Session,
    actor: str | None,
    state: str | None = None,
    before: int | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Holds, newest first (ids below `before`, at most `limit`); who asked only for those
    who may see it."""
    user = require(session=session, actor=actor, action="read")
    query = select(DeconflictionHold).order_by(DeconflictionHold.id.desc()).limit(limit)
    if state is not None:
        if state not in HOLD_STATES:
            raise BadInput(f"--state: valid states are {', '.join(HOLD_STATES)}", field="state")
        query = query.where(DeconflictionHold.state == state)
    if before is not None:
        query = query.where(DeconflictionHold.id < before)
    identity = allowed(user.role, "deconflict_identity")
    return [hold_dict(h, identity=identity) for h in session.scalars(query)]


def show_hold(*, session: Session, actor: str | None, hold_id: int) -> dict[str, Any]:
    """One hold as `actor` may see it."""
    user = require(session=session, actor=actor, action="read")
    hold = get_hold(session=session, hold_id=hold_id)
    return hold_dict(hold, identity=allowed(user.role, "deconflict_identity"))


def with_holders(*, session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`rows` (holds without who asked) with who asked: for a viewer who may see it."""
    return [hold_dict(get_hold(session=session, hold_id=int(r["id"])), identity=True) for r in rows]
