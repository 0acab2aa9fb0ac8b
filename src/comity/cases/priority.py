"""Priority: threat to life first, then crisis, then standard — in every queue.

The right to life comes first: a threat-to-life item is at the top of every
worklist and review queue, the engine ranks channels by speed for it, and its
deadlines are the shortest (`deadline_for`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from comity.cases.models import Proposal
from comity.cases.states import OPEN_STATES
from comity.core import audit
from comity.core.db import utcnow
from comity.core.errors import BadInput
from comity.intake.models import Item
from comity.intake.service import get_item
from comity.users.service import require

__all__ = [
    "ANSWER_WITHIN",
    "PRIORITIES",
    "PRIORITY_CAP",
    "REVIEW_WITHIN",
    "deadline_for",
    "ordered_worklist",
    "priority_rank",
    "review_queue",
    "set_priority",
]

PRIORITIES = ("threat_to_life", "crisis", "standard")

# Operational (not legal) time to an answer per channel when the host's law sets
# no time limit: the knowledge base's `prior_days` rounded to whole working
# expectations (diplomatic notes ~2 months, MLA ~4 months, an EU removal order
# request 2 days for the authority to issue the order, a provider 3 days, a
# registrar 2 weeks). A legal time limit from the assessment always wins.
ANSWER_WITHIN: dict[str, timedelta] = {
    "diplomatic_request": timedelta(days=60),
    "mla_request": timedelta(days=120),
    "eu_removal_order_request": timedelta(days=2),
    "provider_referral": timedelta(days=3),
    "registrar_notice": timedelta(days=14),
}
# The longest any deadline may be for a priority: a threat to life is chased
# (and escalated) every 24 hours whatever the channel; a crisis every 3 days.
PRIORITY_CAP: dict[str, timedelta | None] = {
    "threat_to_life": timedelta(hours=24),
    "crisis": timedelta(hours=72),
    "standard": None,
}
# How soon a proposal must be reviewed: 1 hour, 8 hours, 5 days.
REVIEW_WITHIN: dict[str, timedelta] = {
    "threat_to_life": timedelta(hours=1),
    "crisis": timedelta(hours=8),
    "standard": timedelta(days=5),
}


def check_priority(level: str) -> str:
    if level not in PRIORITIES:
        raise BadInput(
            f"priority: '{level}' is not valid; valid: {', '.join(PRIORITIES)}", field="priority"
        )
    return level


def priority_rank() -> Any:
    """An SQL expression ordering items by priority (0 = most urgent)."""
    return case(
        {level: rank for rank, level in enumerate(PRIORITIES)}, value=Item.priority, else_=99
    )


def deadline_for(priority: str, channel: str, time_limit: float | None) -> timedelta | None:
    """Time allowed for an answer to a request on `channel` (None: no answer expected).

    The shortest of: a legal time limit in hours that binds the answer
    (`time_limit`: the host authority's or the treaty's, never a provider's
    limit after an order, see `comity.tracking.deadlines`), the channel's
    operational expectation (`ANSWER_WITHIN`), and the priority's cap
    (`PRIORITY_CAP`). For example a threat-to-life MLA request gets 24 hours, a
    standard one 120 days, and an EU removal-order request 2 days (the
    provider's one hour runs only once the host's authority issues the order).
    """
    check_priority(priority)
    if channel == "no_action":
        return None
    candidates = [ANSWER_WITHIN.get(channel, timedelta(days=30))]
    if time_limit is not None:
        candidates.append(timedelta(hours=time_limit))
    cap = PRIORITY_CAP[priority]
    if cap is not None:
        candidates.append(cap)
    return min(candidates)


def set_priority(
    *, session: Session, item_id: int, level: str, reason: str | None, actor: str | None
) -> Item:
    """Set an item's priority (audited with the reason)."""
    user = require(session=session, actor=actor, action="prioritise")
    check_priority(level)
    if reason is None or not reason.strip():
        raise BadInput("--reason: required, and must not be blank")
    item = get_item(session=session, item_id=item_id)
    before = item.priority
    if before == level:
        return item
    now = utcnow()
    session.execute(
        update(Item)
        .where(Item.id == item.id)
        .values(priority=level, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    item.priority, item.updated_at = level, now
    audit.record(
        session=session,
        actor=user.name,
        action="item.priority",
        object_type="item",
        object_id=item.id,
        state={"url": item.url, "state": item.state, "priority": level},
        data={"from": before, "to": level, "reason": reason.strip()},
    )
    return item


def ordered_worklist(
    *, session: Session, states: Sequence[str] = OPEN_STATES, limit: int = 200
) -> list[Item]:
    """Open items, most urgent first, then oldest first."""
    return list(
        session.scalars(
            select(Item)
            .where(Item.state.in_(list(states)))
            .order_by(priority_rank(), Item.created_at, Item.id)
            .limit(limit)
        )
    )


def review_queue(*, session: Session, limit: int = 200) -> list[tuple[Proposal, Item]]:
    """Proposals waiting for a decision: item priority first, then oldest proposal."""
    rows = session.execute(
        select(Proposal, Item)
        .join(Item, Item.id == Proposal.item_id)
        .where(Proposal.state == "proposed")
        .order_by(priority_rank(), Proposal.proposed_at, Proposal.id)
        .limit(limit)
    ).all()
    return [(p, i) for p, i in rows]
