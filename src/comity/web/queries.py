"""Read-only queries behind the item page (the worklist's are in comity.web.worklist).

They take a session and return plain data, like a service, so the CLI could
call them too; they belong in the intake and audit services once those grow
the same needs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from comity.core.audit import AuditEvent
from comity.intake.models import Report
from comity.intake.service import get_item, item_summary

__all__ = ["item_detail"]


def _reports(reports: list[Report]) -> list[dict[str, Any]]:
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
        for r in reports
    ]


def item_detail(*, session: Session, item_id: int, with_history: bool = True) -> dict[str, Any]:
    """An item with its reports and (unless `with_history` is false) its audit history."""
    item = get_item(session=session, item_id=item_id)
    summary = item_summary(session, [item])[0]
    reports = list(
        session.scalars(select(Report).where(Report.item_id == item.id).order_by(Report.id))
    )
    report_ids = [str(r.id) for r in reports]
    if not with_history:  # the item page reads its own timeline (comity.web.casefile)
        return summary | {"updated_at": item.updated_at, "report_list": _reports(reports)}
    history = session.scalars(
        select(AuditEvent)
        .where(
            or_(
                (AuditEvent.object_type == "item") & (AuditEvent.object_id == str(item.id)),
                (AuditEvent.object_type == "report") & AuditEvent.object_id.in_(report_ids),
            )
        )
        .order_by(AuditEvent.seq)
        .limit(500)
    )
    return summary | {
        "updated_at": item.updated_at,
        "report_list": _reports(reports),
        "history": [
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "object": f"{e.object_type} {e.object_id}",
                "object_type": e.object_type,
                "object_id": e.object_id,
                "hash": e.hash,
            }
            for e in history
        ],
    }
