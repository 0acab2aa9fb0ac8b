"""Approvals expire: an approval not put in a dossier within `approval_valid_days`.

The scheduler calls `expire_stale` (and `comity review expire` does by hand):
the facts behind an approval age, so an old one must be reviewed again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from comity.cases import states
from comity.cases.models import Proposal
from comity.cases.service import proposal_digest
from comity.core import audit
from comity.intake.models import Item
from comity.intake.service import get_item
from comity.users.service import SYSTEM

__all__ = ["expire_stale"]


def expire_stale(*, session: Session, now: datetime, actor: str = SYSTEM) -> list[int]:
    """Expire approvals past `valid_until` that were not put in a dossier; ids expired."""
    waiting = ("proposed", "approved", "rejected", "expired")  # not yet in a dossier
    rows = list(
        session.scalars(
            select(Proposal)
            .join(Item, Item.id == Proposal.item_id)
            .where(
                Proposal.state == "approved",
                Proposal.valid_until <= now,
                Item.state.in_(waiting),
            )
            .order_by(Proposal.id)
        )
    )
    # Lock every item row first (PostgreSQL; SQLite's writer lock covers it) so
    # that no item lock is taken after the audit head: the deadlock-free order.
    if not rows:
        return []
    session.execute(
        select(Item.id)
        .where(Item.id.in_(sorted({p.item_id for p in rows})))
        .order_by(Item.id)
        .with_for_update()
    )
    expired = []
    for proposal in rows:
        landed = states.rows_changed(
            session.execute(
                update(Proposal)
                .where(Proposal.id == proposal.id, Proposal.state == "approved")
                .values(state="expired")
                .execution_options(synchronize_session=False)
            )
        )
        if landed != 1:
            continue
        proposal.state = "expired"
        item = get_item(session=session, item_id=proposal.item_id)
        still_valid = session.scalar(
            select(Proposal.id).where(
                Proposal.item_id == item.id,
                Proposal.state == "approved",
                Proposal.valid_until > now,
            )
        )
        if item.state == "approved" and still_valid is None:
            states.transition(
                session=session, item=item, to="expired", actor=actor, reason="approval expired"
            )
        audit.record(
            session=session,
            actor=actor,
            action="proposal.expire",
            object_type="proposal",
            object_id=proposal.id,
            state=proposal_digest(proposal),
            data={"item_id": item.id, "valid_until": proposal.valid_until},
        )
        expired.append(proposal.id)
    return expired
