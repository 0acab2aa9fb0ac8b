"""What needs a liaison officer now because the monitor contradicts the record.

Two cases, each with a drafted follow-up to the addressee (a person reviews and
sends it; nothing is sent from here):
- *disputed*: the host answered "removed" and the monitor still sees the content;
- *reinstated*: the monitor saw the content gone and now sees it again at the same URL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from comity.core.db import utcnow
from comity.intake.models import Item
from comity.tracking.models import Dispatch, MonitorState, TrackedRequest
from comity.tracking.outcome import ONLINE, disputed

__all__ = ["attention", "followup_text"]


def followup_text(
    *, kind: str, dispatch: Dispatch, request: TrackedRequest, url: str, seen: datetime
) -> str:
    """The follow-up to draft for a disputed answer or a reinstatement."""
    refs = ", ".join(r for r in (dispatch.note_number, dispatch.channel_reference) if r)
    head = (
        f"To: {dispatch.addressee}\n"
        f"Subject: Follow-up to our request {dispatch.dossier_ref}"
        + (f" ({refs})" if refs else "")
        + "\n\n"
    )
    if kind == "disputed":
        said = request.decided_on.isoformat() if request.decided_on else "an earlier date"
        body = (
            f"On {said} you informed us that the content of item {request.item_id} ({url}), "
            f"subject of our request {dispatch.dossier_ref}, had been removed. Our verification "
            f"on {seen.date().isoformat()} shows that it is still accessible at the same address."
        )
    else:
        gone = request.removed_at.date().isoformat() if request.removed_at else "an earlier date"
        body = (
            f"Following our request {dispatch.dossier_ref}, the content of item "
            f"{request.item_id} ({url}) was no longer accessible on {gone}. Our verification on "
            f"{seen.date().isoformat()} shows that it is accessible again at the same address."
        )
    return (
        head
        + body
        + (
            " We would be grateful to be informed of the action taken or of any further "
            "information you require."
        )
    )


def attention(*, session: Session, now: datetime | None = None) -> list[dict[str, Any]]:
    """Disputed answers and reinstatements, oldest check first, each with its draft."""
    now = now or utcnow()
    rows = session.execute(
        select(TrackedRequest, Dispatch, MonitorState, Item.url, Item.state)
        .join(Dispatch, Dispatch.id == TrackedRequest.dispatch_id)
        .join(MonitorState, MonitorState.item_id == TrackedRequest.item_id)
        .join(Item, Item.id == TrackedRequest.item_id)
        .where(MonitorState.verdict.in_(sorted(ONLINE)))
        .where(or_(TrackedRequest.decision == "removed", TrackedRequest.removed_at.is_not(None)))
        .order_by(MonitorState.since, TrackedRequest.id)
    ).all()
    out = []
    for request, dispatch, state, url, item_state in rows:
        kind = "disputed" if disputed(request, state.verdict) else "reinstated"
        out.append(
            {
                "kind": kind,
                "item_id": request.item_id,
                "item_state": item_state,
                "url": url,
                "dossier": dispatch.dossier_ref,
                "channel": dispatch.channel,
                "host": dispatch.host_country,
                "addressee": dispatch.addressee,
                "verdict": state.verdict,
                "online_since": state.since.isoformat(),
                "followup": followup_text(
                    kind=kind, dispatch=dispatch, request=request, url=url, seen=state.checked_at
                ),
            }
        )
    return out
