"""The funnel from report to removal, rebuilt from the audit chain's `item.state` events.

Each item counts once per stage it reached: the furthest main-line state it
ever entered (from its history, not only its current state), because an item
can move on to a side state (rejected, withdrawn) after getting far, and the
enrichment steps may be skipped forward (reported -> assessed), so "reached
assessed" must include items that never entered `attributed`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.cases.states import MAIN_LINE
from comity.core.audit import AuditEvent
from comity.intake.models import Item

__all__ = ["funnel"]

_RANK = {state: index for index, state in enumerate(MAIN_LINE)}


def funnel(
    *, session: Session, since: datetime | None = None, until: datetime | None = None
) -> list[dict[str, Any]]:
    """[{stage, items}] in main-line order, over the items reported in [since, until)."""
    cohort = select(Item.id, Item.state)
    if since is not None:
        cohort = cohort.where(Item.created_at >= since)
    if until is not None:
        cohort = cohort.where(Item.created_at < until)
    furthest: dict[str, int] = {}
    for item_id, state in session.execute(cohort):
        furthest[str(item_id)] = _RANK.get(state, 0)
    if furthest:
        events = select(AuditEvent.object_id, AuditEvent.data).where(
            AuditEvent.action == "item.state", AuditEvent.object_type == "item"
        )
        if since is not None:
            # An item's events all come after its report, so this only trims.
            events = events.where(AuditEvent.at >= since)
        for object_id, data in session.execute(events):
            if object_id in furthest:
                rank = _RANK.get(str((data or {}).get("to")), -1)
                if rank > furthest[object_id]:
                    furthest[object_id] = rank
    counts = [0] * len(MAIN_LINE)
    for rank in furthest.values():
        counts[rank] += 1
    # Cumulative from the end: reaching stage k means having passed every earlier one.
    reached, running = [0] * len(MAIN_LINE), 0
    for index in range(len(MAIN_LINE) - 1, -1, -1):
        running += counts[index]
        reached[index] = running
    return [{"stage": s, "items": n} for s, n in zip(MAIN_LINE, reached, strict=True)]
