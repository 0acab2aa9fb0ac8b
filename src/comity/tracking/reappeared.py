"""`reappeared`: a removed item whose content is found again at another URL (issue 17).

The evidence domain links items into content groups when a new capture matches
an earlier one (comity.evidence.groups); this is what tracking does then. Every
other member of the group that the monitor saw removed gets the verdict
`reappeared`: a check row saying where the content came back, the item's
latest verdict, and an `item.monitor` audit event like any verdict change.

The verdict stays while the item's own URL stays gone: the monitor keeps
`reappeared` rather than flipping back to `removed` (the removal at that URL
is not news; the copy is, and the copy's item is monitored on its own).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.core import audit
from comity.core.db import utcnow
from comity.evidence.models import ContentMember
from comity.intake.models import Item
from comity.tracking.models import MonitorCheck, MonitorState

__all__ = ["REAPPEARED", "mark_reappeared"]

REAPPEARED = "reappeared"


def mark_reappeared(session: Session, actor: str, item_id: int, group_id: int) -> list[int]:
    """Mark the group's removed members `reappeared` because `item_id` joined it."""
    copy_url = session.scalars(select(Item.url).where(Item.id == item_id)).one()
    members = select(ContentMember.item_id).where(
        ContentMember.group_id == group_id, ContentMember.item_id != item_id
    )
    states = list(
        session.scalars(
            select(MonitorState)
            .where(MonitorState.item_id.in_(members), MonitorState.verdict == "removed")
            .order_by(MonitorState.item_id)
        )
    )
    from comity.tracking.monitor import RECHECK_AFTER

    now = utcnow()
    for state in states:
        detail = f"the same content was captured at {copy_url} (item {item_id})"
        check = MonitorCheck(
            item_id=state.item_id,
            checked_at=now,
            verdict=REAPPEARED,
            detail=detail[:2000],
            previous_verdict=state.verdict,
        )
        session.add(check)
        session.flush()
        audit.record(
            session=session,
            actor=actor,
            action="item.monitor",
            object_type="item",
            object_id=state.item_id,
            state={"item_id": state.item_id, "verdict": REAPPEARED, "check": check.id},
            data={
                "from": state.verdict,
                "to": REAPPEARED,
                "status": None,
                "detail": detail,
                "copy_item_id": item_id,
                "group_id": group_id,
            },
        )
        state.verdict = REAPPEARED
        state.checked_at = state.since = now
        state.next_due_at = now + RECHECK_AFTER[REAPPEARED]
        state.last_check_id = check.id
    return [s.item_id for s in states]
