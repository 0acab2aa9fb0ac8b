"""What needs a liaison officer now because the monitor contradicts the record.

Three cases, each with a drafted follow-up to the addressee (a person reviews and
sends it; nothing is sent from here):
- *disputed*: the host answered "removed" and the monitor still sees the content;
- *reinstated*: the monitor saw the content gone and now sees it again at the same URL;
- *reappeared*: the monitor saw the content gone and the same content was captured
  at another URL (a member of its content group, issue 17), still online there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from comity.core.db import utcnow
from comity.evidence.models import ContentMember
from comity.intake.models import Item
from comity.tracking.models import Dispatch, MonitorState, TrackedRequest
from comity.tracking.outcome import ONLINE, disputed, removal_day
from comity.tracking.reappeared import REAPPEARED

__all__ = ["attention", "followup_text"]

# A copy the monitor sees gone is no longer news. `unreachable` and `challenge`
# say nothing either way (comity.tracking.outcome), so such a copy stays listed.
_COPY_GONE = frozenset({"removed", "legal_block", REAPPEARED})
_CLOSING = (
    " We would be grateful to be informed of the action taken or of any further "
    "information you require."
)


def followup_text(
    *,
    kind: str,
    dispatch: Dispatch,
    request: TrackedRequest,
    url: str,
    seen: datetime,
    copies: tuple[str, ...] = (),
) -> str:
    """The follow-up to draft for a disputed answer, a reinstatement or a re-upload."""
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
    elif kind == REAPPEARED:
        day = removal_day(request, REAPPEARED)
        gone = day.isoformat() if day else "an earlier date"
        body = (
            f"Following our request {dispatch.dossier_ref}, the content of item "
            f"{request.item_id} ({url}) was removed on {gone}. Our verification on "
            f"{seen.date().isoformat()} shows that the same content is accessible again at "
            f"another address: {', '.join(copies)}. We request its removal on the same "
            f"grounds as those set out in our request {dispatch.dossier_ref}."
        )
    else:
        gone = request.removed_at.date().isoformat() if request.removed_at else "an earlier date"
        body = (
            f"Following our request {dispatch.dossier_ref}, the content of item "
            f"{request.item_id} ({url}) was no longer accessible on {gone}. Our verification on "
            f"{seen.date().isoformat()} shows that it is accessible again at the same address."
        )
    return head + body + _CLOSING


def _copies(session: Session, item_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """item -> (copy item, URL) for the other members of its group not seen gone."""
    mine, other = aliased(ContentMember), aliased(ContentMember)
    rows = session.execute(
        select(mine.item_id, other.item_id, Item.url, MonitorState.verdict)
        .join(other, (other.group_id == mine.group_id) & (other.item_id != mine.item_id))
        .join(Item, Item.id == other.item_id)
        .outerjoin(MonitorState, MonitorState.item_id == other.item_id)
        .where(mine.item_id.in_(item_ids))
        .order_by(mine.item_id, other.linked_at, other.item_id)
    ).all()
    found: dict[int, list[tuple[int, str]]] = {}
    for item_id, copy_id, url, verdict in rows:
        if verdict not in _COPY_GONE:
            found.setdefault(item_id, []).append((copy_id, url))
    return found


def _rows(session: Session) -> list[Any]:
    online = MonitorState.verdict.in_(sorted(ONLINE)) & or_(
        TrackedRequest.decision == "removed", TrackedRequest.removed_at.is_not(None)
    )
    return list(
        session.execute(
            select(TrackedRequest, Dispatch, MonitorState, Item.url, Item.state)
            .join(Dispatch, Dispatch.id == TrackedRequest.dispatch_id)
            .join(MonitorState, MonitorState.item_id == TrackedRequest.item_id)
            .join(Item, Item.id == TrackedRequest.item_id)
            .where(online | (MonitorState.verdict == REAPPEARED))
            .order_by(MonitorState.since, TrackedRequest.id)
        ).all()
    )


def attention(*, session: Session, now: datetime | None = None) -> list[dict[str, Any]]:
    """Disputed answers, reinstatements and re-uploads, oldest first, each with its draft."""
    now = now or utcnow()
    rows = _rows(session)
    copies = _copies(session, [r[0].item_id for r in rows if r[2].verdict == REAPPEARED])
    out = []
    for request, dispatch, state, url, item_state in rows:
        found = copies.get(request.item_id, [])
        if state.verdict == REAPPEARED:
            if not found:  # every copy was removed too
                continue
            kind = REAPPEARED
        else:
            kind = "disputed" if disputed(request, state.verdict) else "reinstated"
        out.append(
            {
                "kind": kind,
                "item_id": request.item_id,
                "item_state": item_state,
                "url": url,
                "copies": [{"item_id": i, "url": u} for i, u in found],
                "copy_url": found[0][1] if found else None,
                "dossier": dispatch.dossier_ref,
                "channel": dispatch.channel,
                "host": dispatch.host_country,
                "addressee": dispatch.addressee,
                "verdict": state.verdict,
                "online_since": state.since.isoformat(),
                "followup": followup_text(
                    kind=kind,
                    dispatch=dispatch,
                    request=request,
                    url=url,
                    # a copy is seen when it is captured, not at the item's own recheck
                    seen=state.since if kind == REAPPEARED else state.checked_at,
                    copies=tuple(u for _, u in found),
                ),
            }
        )
    return out
