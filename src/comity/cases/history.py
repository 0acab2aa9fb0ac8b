"""`item show`: one item with its full history, composed of sections.

The built-in sections (`item`, `reports`, `cases`, `proposals`, `history`)
come first in that order; sections other domains register through
`comity.cases.hooks.register_item_section` follow in name order (`evidence`,
`attribution`, `assessments`, `monitor`, ...). Keys are stable: a registered
section appears even when it has nothing to show (its function decides the
empty value).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from comity.cases.hooks import item_sections
from comity.cases.models import Case, CaseItem, Proposal
from comity.cases.service import proposal_state
from comity.core.audit import AuditEvent
from comity.intake.models import Item, Report
from comity.intake.service import get_item, item_summary

__all__ = ["item_history", "show_item"]


def _reports(session: Session, item: Item) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "raw_url": r.raw_url,
            "conduct": r.conduct,
            "note": r.note,
            "source": r.source,
            "reported_by": r.reported_by,
            "reported_at": r.reported_at,
        }
        for r in session.scalars(
            select(Report).where(Report.item_id == item.id).order_by(Report.id)
        )
    ]


def _cases(session: Session, item: Item) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Case, CaseItem)
        .join(CaseItem, CaseItem.case_id == Case.id)
        .where(CaseItem.item_id == item.id)
        .order_by(Case.id)
    ).all()
    return [
        {"id": c.id, "name": c.name, "added_by": m.added_by, "added_at": m.added_at}
        for c, m in rows
    ]


def _proposals(session: Session, item: Item) -> list[Proposal]:
    return list(
        session.scalars(select(Proposal).where(Proposal.item_id == item.id).order_by(Proposal.id))
    )


def item_history(
    *, session: Session, item: Item, proposal_ids: list[int], report_ids: list[int]
) -> list[dict[str, Any]]:
    """Every audit event about the item, its reports and its proposals, oldest first."""
    about = [and_(AuditEvent.object_type == "item", AuditEvent.object_id == str(item.id))]
    if proposal_ids:
        about.append(
            and_(
                AuditEvent.object_type == "proposal",
                AuditEvent.object_id.in_([str(i) for i in proposal_ids]),
            )
        )
    if report_ids:
        about.append(
            and_(
                AuditEvent.object_type == "report",
                AuditEvent.object_id.in_([str(i) for i in report_ids]),
            )
        )
    events = session.scalars(select(AuditEvent).where(or_(*about)).order_by(AuditEvent.seq))
    return [
        {
            "seq": e.seq,
            "at": e.at,
            "actor": e.actor,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "data": e.data,
            "hash": e.hash,
        }
        for e in events
    ]


def show_item(*, session: Session, item_id: int) -> dict[str, Any]:
    """The item and everything known about it, as one JSON-ready object."""
    item = get_item(session=session, item_id=item_id)
    reports = _reports(session, item)
    proposals = _proposals(session, item)
    out: dict[str, Any] = {
        "item": item_summary(session, [item])[0] | {"updated_at": item.updated_at},
        "reports": reports,
        "cases": _cases(session, item),
        "proposals": [proposal_state(p) for p in proposals],
        "history": item_history(
            session=session,
            item=item,
            proposal_ids=[p.id for p in proposals],
            report_ids=[r["id"] for r in reports],
        ),
    }
    for name, fn in item_sections().items():
        out[name] = fn(session, item)
    return out
