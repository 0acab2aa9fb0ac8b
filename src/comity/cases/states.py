"""The item state machine: the table of allowed moves, and the one function that moves.

An item travels reported -> captured -> attributed -> assessed -> proposed ->
approved | rejected -> in_dossier -> sent -> answered -> verified -> closed;
it may be withdrawn from any open state, and an approval that waits too long
expires. The table below is the whole rule; `transition` enforces it, writes
the audit event in the caller's transaction, and refuses anything else naming
what is allowed from the current state.

"Advance only": the enrichment steps (capture, attribution, assessment) may be
repeated at any time (a page re-captured, a host re-attributed), but they never
move an item backwards. `advance` is what those steps call: it moves the item
forward when the table allows it and is a no-op when the item is already at or
past the target on the main line (or in a side state such as `rejected`).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result, update
from sqlalchemy.orm import Session

from comity.core import audit
from comity.core.db import utcnow
from comity.core.errors import BadInput, Refused
from comity.intake.models import Item

__all__ = [
    "MAIN_LINE",
    "OPEN_STATES",
    "STATES",
    "TERMINAL",
    "TRANSITIONS",
    "advance",
    "allowed_from",
    "check_state",
    "rows_changed",
    "transition",
]

# The main line, in order; its index is the "rank" that `advance` compares.
MAIN_LINE: tuple[str, ...] = (
    "reported",
    "captured",
    "attributed",
    "assessed",
    "proposed",
    "approved",
    "in_dossier",
    "sent",
    "answered",
    "verified",
    "closed",
)
STATES: tuple[str, ...] = (*MAIN_LINE, "rejected", "withdrawn", "expired", "reinstated")
TERMINAL: frozenset[str] = frozenset({"closed", "withdrawn"})
OPEN_STATES: tuple[str, ...] = tuple(s for s in STATES if s not in TERMINAL)

# current state -> states it may move to. Why the non-obvious edges exist:
# - the enrichment steps may be skipped forward (an assessment needs only the
#   conduct and a host country; a missing capture is then a safeguard finding
#   at review, not a dead end);
# - rejected and expired items may be proposed again (another host, channel or
#   fresh evidence), or closed;
# - an answered request may need a new proposal (the host refused, the content
#   moved), and a sent one may be verified removed before any answer comes;
# - withdrawn is reachable from every open state: a report can turn out wrong
#   at any point, and withdrawing is always the lawful, cautious move;
# - a verified removal whose content the monitor finds online again at the same
#   URL is reinstated (the host put it back, or never removed it everywhere): the
#   case reopens for a follow-up proposal, or is verified again when it goes.
_FORWARD: dict[str, tuple[str, ...]] = {
    "reported": ("captured", "attributed", "assessed"),
    "captured": ("attributed", "assessed"),
    "attributed": ("assessed",),
    "assessed": ("proposed",),
    "proposed": ("approved", "rejected"),
    "approved": ("in_dossier", "expired"),
    "rejected": ("proposed", "closed"),
    "expired": ("proposed", "closed"),
    "in_dossier": ("sent", "approved"),  # taken out of a dossier before dispatch
    "sent": ("answered", "verified"),
    "answered": ("verified", "proposed", "closed"),
    "verified": ("closed", "reinstated"),
    "reinstated": ("proposed", "verified", "closed"),
    "closed": (),
    "withdrawn": (),
}
TRANSITIONS: dict[str, frozenset[str]] = {
    state: frozenset(nexts) | (frozenset() if state in TERMINAL else frozenset({"withdrawn"}))
    for state, nexts in _FORWARD.items()
}
# Side states count as far along as the main-line state they branch from, so a
# re-capture of a rejected item leaves it rejected.
_RANK: dict[str, int] = {s: i for i, s in enumerate(MAIN_LINE)} | {
    "rejected": MAIN_LINE.index("approved"),
    "expired": MAIN_LINE.index("approved"),
    "reinstated": MAIN_LINE.index("verified"),
    "withdrawn": len(MAIN_LINE),
}


def rows_changed(result: Result[Any]) -> int:
    """Rows an UPDATE changed (the check behind every conditional UPDATE here)."""
    return cast("CursorResult[Any]", result).rowcount


def check_state(state: str, *, field: str = "state") -> str:
    if state not in STATES:
        raise BadInput(f"{field}: '{state}' is not a state; valid: {', '.join(STATES)}")
    return state


def allowed_from(state: str) -> list[str]:
    """The states reachable from `state` in one move, in main-line order."""
    return [s for s in STATES if s in TRANSITIONS.get(state, frozenset())]


def transition(
    *,
    session: Session,
    item: Item,
    to: str,
    actor: str,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> Item:
    """Move `item` to `to` if the table allows it; audit it in the same transaction.

    The UPDATE is conditional on the state the caller saw, so two concurrent
    moves of one item cannot both succeed (the loser is refused, not lost).
    """
    check_state(to, field="to")
    current = item.state
    if to not in TRANSITIONS.get(current, frozenset()):
        allowed = allowed_from(current)
        raise Refused(
            f"item {item.id} is {current}: it cannot become {to}; allowed from {current}: "
            + (", ".join(allowed) if allowed else "nothing (final state)")
        )
    now = utcnow()
    moved = rows_changed(
        session.execute(
            update(Item)
            .where(Item.id == item.id, Item.state == current)
            .values(state=to, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    if moved != 1:
        raise Refused(f"item {item.id} changed while this was decided; look again and retry")
    item.state, item.updated_at = to, now
    audit.record(
        session=session,
        actor=actor,
        action="item.state",
        object_type="item",
        object_id=item.id,
        state={"url": item.url, "state": to, "priority": item.priority},
        data={"from": current, "to": to, "reason": reason, **(data or {})},
    )
    return item


def advance(
    *, session: Session, item: Item, to: str, actor: str, reason: str | None = None
) -> bool:
    """Move forward to `to` if allowed; never backwards. True if the item moved.

    For repeatable steps (capture, attribution, assessment): an item already at
    or past `to`, or in a final state, stays where it is.
    """
    check_state(to, field="to")
    if item.state in TERMINAL or item.state == to:
        return False
    if to in TRANSITIONS[item.state]:
        transition(session=session, item=item, to=to, actor=actor, reason=reason)
        return True
    if _RANK[item.state] >= _RANK[to]:
        return False
    allowed = allowed_from(item.state)
    raise Refused(
        f"item {item.id} is {item.state}: it cannot advance to {to}; allowed from "
        f"{item.state}: {', '.join(allowed)}"
    )
