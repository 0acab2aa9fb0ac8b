"""`comity item show` section: the newest assessment per (host, role)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from comity.cases.hooks import register_item_section
from comity.intake.models import Item


def _assessments(session: Session, item: Item) -> list[dict[str, Any]]:
    from comity.law.store import latest_assessments

    return [
        {
            "id": a.id,
            "assessed_at": a.assessed_at.isoformat(),
            "assessed_by": a.assessed_by,
            **a.result,
        }
        for a in latest_assessments(session, item.id)
    ]


register_item_section("assessments", _assessments)
