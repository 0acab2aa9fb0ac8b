"""Notice to the content provider (Regulation (EU) 2021/784, Art. 11): was it informed,
when and by whom; or did the requesting side ask that it not be, why and until when.

Comity does not inform anyone itself: the host does, or the centre by letter.
This records what happened, so that `comity complaint notices` can list the
requests acted on with no record either way, and non-disclosure periods that
have ended. A non-disclosure request belongs to removal-order requests only
(as on the dossier's issue form, comity.dossiers.schemas.check_non_disclosure).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.complaints.models import ProviderNotice
from comity.complaints.service import request_for
from comity.core import audit
from comity.core.db import utcnow
from comity.core.errors import BadInput, Refused
from comity.tracking.models import Dispatch, MonitorState, TrackedRequest
from comity.tracking.outcome import removal_day
from comity.users.service import require

__all__ = ["BY", "notice_status", "record_informed", "record_non_disclosure"]

BY = ("host", "centre")
_EU_ORDER = "eu_removal_order_request"


def _log(
    session: Session, actor: str, action: str, n: ProviderNotice, item: int, **data: Any
) -> None:
    audit.record(
        session=session,
        actor=actor,
        action=action,
        object_type="item",
        object_id=item,
        state={"notice": n.id, "kind": n.kind},
        data={"notice": n.id, **data},
    )


def record_informed(
    *,
    session: Session,
    actor: str | None,
    item_id: int,
    on: date,
    by: str,
    ref: str | None = None,
) -> ProviderNotice:
    """The content provider was informed on `on` by the host or by the centre."""
    user = require(session=session, actor=actor, action="track")
    if by not in BY:
        raise BadInput(f"--by-whom: '{by}' is not valid; valid: {', '.join(BY)}", field="by")
    if on > utcnow().date():
        raise BadInput(f"--on: {on} is in the future", field="on")
    request, dispatch = request_for(session, item_id, ref)
    if on < dispatch.sent_on:
        raise BadInput(f"--on: {on} is before the request was sent ({dispatch.sent_on})")
    notice = ProviderNotice(
        request_id=request.id,
        kind="informed",
        informed_on=on,
        informed_by=by,
        recorded_by=user.name,
    )
    session.add(notice)
    session.flush()
    _log(session, user.name, "notice.informed", notice, item_id, on=on.isoformat(), by=by)
    return notice


def record_non_disclosure(
    *,
    session: Session,
    actor: str | None,
    item_id: int,
    reason: str,
    until: date,
    ref: str | None = None,
) -> ProviderNotice:
    """The requesting side asked that the content provider not be informed until `until`."""
    user = require(session=session, actor=actor, action="track")
    if not reason or not reason.strip():
        raise BadInput("--reason: a non-disclosure request states its reason", field="reason")
    request, dispatch = request_for(session, item_id, ref)
    if dispatch.channel != _EU_ORDER:
        raise Refused(
            f"dossier {dispatch.dossier_ref} is a {dispatch.channel}: Article 11(3) of "
            "Regulation (EU) 2021/784 concerns removal orders only"
        )
    if until <= dispatch.sent_on:
        raise BadInput(f"--until: {until} is not after the request was sent ({dispatch.sent_on})")
    notice = ProviderNotice(
        request_id=request.id,
        kind="non_disclosure",
        reason=reason.strip(),
        until=until,
        recorded_by=user.name,
    )
    session.add(notice)
    session.flush()
    _log(
        session,
        user.name,
        "notice.non_disclosure",
        notice,
        item_id,
        reason=notice.reason,
        until=until.isoformat(),
    )
    return notice


def notice_status(*, session: Session, today: date | None = None) -> list[dict[str, Any]]:
    """Every request acted on (removed) with what is known of the notice to the provider."""
    day = today or utcnow().date()
    notes: dict[int, list[ProviderNotice]] = {}
    for n in session.scalars(select(ProviderNotice).order_by(ProviderNotice.id)):
        notes.setdefault(n.request_id, []).append(n)
    rows = session.execute(
        select(TrackedRequest, Dispatch.dossier_ref, Dispatch.channel, MonitorState.verdict)
        .join(Dispatch, Dispatch.id == TrackedRequest.dispatch_id)
        .outerjoin(MonitorState, MonitorState.item_id == TrackedRequest.item_id)
        .order_by(TrackedRequest.id)
    )
    out = []
    for request, ref, channel, verdict in rows:
        mine = notes.get(request.id, [])
        if removal_day(request, verdict) is None and not mine:
            continue
        informed = next((n for n in mine if n.kind == "informed"), None)
        secret = next((n for n in reversed(mine) if n.kind == "non_disclosure"), None)
        if informed is not None:
            status = "informed"
        elif secret is not None and secret.until is not None and secret.until >= day:
            status = "non_disclosure"
        elif secret is not None:
            status = "non_disclosure_ended"
        else:
            status = "not_recorded"
        out.append(
            {
                "item_id": request.item_id,
                "dossier": ref,
                "channel": channel,
                "status": status,
                "informed_on": informed.informed_on.isoformat()
                if informed and informed.informed_on
                else None,
                "informed_by": informed.informed_by if informed else None,
                "non_disclosure_until": secret.until.isoformat()
                if secret and secret.until
                else None,
                "non_disclosure_reason": secret.reason if secret else None,
            }
        )
    return out
