"""Cases: named groups of items (one operation, actor or campaign), and withdrawal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from comity.cases import states
from comity.cases.models import Case, CaseItem, Proposal
from comity.core import audit
from comity.core.db import utcnow
from comity.core.errors import BadInput, NotFound
from comity.intake.models import Item
from comity.intake.service import get_item
from comity.users.service import require

__all__ = [
    "add_items",
    "case_detail",
    "case_state",
    "get_case",
    "list_cases",
    "new_case",
    "withdraw_checked",
    "withdraw_item",
]


def case_state(case: Case, items: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": case.id,
        "name": case.name,
        "description": case.description,
        "created_by": case.created_by,
        "created_at": case.created_at,
    }
    if items is not None:
        data["items"] = items
    return data


def get_case(*, session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"case {case_id} does not exist (comity case list shows them)")
    return case


def new_case(*, session: Session, name: str, description: str | None, actor: str | None) -> Case:
    user = require(session=session, actor=actor, action="case")
    name = name.strip()
    if not name or len(name) > 200:
        raise BadInput("case name: 1 to 200 characters")
    case = Case(name=name, description=description, created_by=user.name, created_at=utcnow())
    session.add(case)
    session.flush()
    audit.record(
        session=session,
        actor=user.name,
        action="case.new",
        object_type="case",
        object_id=case.id,
        state={"name": name, "description": description},
        data={"name": name},
    )
    return case


def add_items(
    *, session: Session, case_id: int, item_ids: Sequence[int], actor: str | None
) -> list[int]:
    """Add items to a case; returns the ids newly added (re-adding is a no-op)."""
    user = require(session=session, actor=actor, action="case")
    case = get_case(session=session, case_id=case_id)
    if not item_ids:
        raise BadInput("ITEM: give at least one item id")
    for item_id in item_ids:
        get_item(session=session, item_id=item_id)  # NotFound names the missing one
    present = set(
        session.scalars(
            select(CaseItem.item_id).where(
                CaseItem.case_id == case.id, CaseItem.item_id.in_(list(item_ids))
            )
        )
    )
    added = sorted(set(item_ids) - present)
    now = utcnow()
    for item_id in added:
        session.add(CaseItem(case_id=case.id, item_id=item_id, added_by=user.name, added_at=now))
    session.flush()
    if added:
        members = sorted(
            session.scalars(select(CaseItem.item_id).where(CaseItem.case_id == case.id))
        )
        audit.record(
            session=session,
            actor=user.name,
            action="case.add",
            object_type="case",
            object_id=case.id,
            state={"name": case.name, "items": members},
            data={"items": added},
        )
    return added


def list_cases(*, session: Session) -> list[dict[str, Any]]:
    counts = dict(
        session.execute(select(CaseItem.case_id, func.count()).group_by(CaseItem.case_id)).all()
    )
    return [
        case_state(c, counts.get(c.id, 0)) for c in session.scalars(select(Case).order_by(Case.id))
    ]


def case_detail(*, session: Session, case_id: int) -> dict[str, Any]:
    """The case and its items, most urgent first."""
    from comity.cases.priority import priority_rank

    case = get_case(session=session, case_id=case_id)
    items = session.scalars(
        select(Item)
        .join(CaseItem, CaseItem.item_id == Item.id)
        .where(CaseItem.case_id == case.id)
        .order_by(priority_rank(), Item.created_at, Item.id)
    ).all()
    return case_state(case) | {
        "items": [
            {
                "id": i.id,
                "url": i.url,
                "state": i.state,
                "priority": i.priority,
                "created_at": i.created_at,
            }
            for i in items
        ]
    }


def withdraw_item(*, session: Session, item_id: int, reason: str | None, actor: str | None) -> Item:
    """Withdraw an item from any open state; its open proposals are withdrawn too."""
    user = require(session=session, actor=actor, action="withdraw")
    if reason is None or not reason.strip():
        raise BadInput("--reason: required, and must not be blank")
    item = get_item(session=session, item_id=item_id)
    return withdraw_checked(session=session, item=item, actor=user.name, reason=reason.strip())


def withdraw_checked(*, session: Session, item: Item, actor: str, reason: str) -> Item:
    """The withdrawal itself, for a caller that has checked who may do it (an upheld
    complaint is decided by a legal reviewer, who may not withdraw an item by hand)."""
    why = reason
    if "withdrawn" not in states.TRANSITIONS[item.state]:
        states.transition(session=session, item=item, to="withdrawn", actor=actor)  # refuses
    # Proposal rows before the item row (the service's lock order); an open
    # proposal of a withdrawn item must never be approved or sent later.
    pending = list(
        session.scalars(
            select(Proposal.id).where(
                Proposal.item_id == item.id, Proposal.state.in_(("proposed", "approved"))
            )
        )
    )
    if pending:
        session.execute(
            update(Proposal)
            .where(Proposal.id.in_(pending), Proposal.state.in_(("proposed", "approved")))
            .values(state="withdrawn")
            .execution_options(synchronize_session=False)
        )
    states.transition(
        session=session,
        item=item,
        to="withdrawn",
        actor=actor,
        reason=why,
        data={"proposals_withdrawn": pending},
    )
    # Each withdrawn proposal gets its own event, after every row update (the
    # lock order), so each carries its own row digest.
    audit.record_many(
        session=session,
        actor=actor,
        entries=[
            audit.Entry(
                "proposal.withdraw", "proposal", pid, {"state": "withdrawn"}, {"item": item.id}
            )
            for pid in pending
        ],
    )
    return item
