"""`comity item show` section: the item's attribution history, newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.cases.hooks import register_item_section
from comity.hosting.models import AttributionRecord
from comity.intake.models import Item


def _attribution(session: Session, item: Item) -> dict[str, Any] | None:
    rows = session.scalars(
        select(AttributionRecord)
        .where(AttributionRecord.item_id == item.id)
        .order_by(AttributionRecord.observed_at.desc(), AttributionRecord.id.desc())
    ).all()
    if not rows:
        return None
    history = [
        {
            "id": r.id,
            "observed_at": r.observed_at.isoformat(),
            "countries": r.countries,
            "asns": r.asns,
            "cdn": r.cdn,
            "platform": r.platform,
            "moved": r.moved,
        }
        for r in rows
    ]
    return {"latest": rows[0].data, "history": history}


register_item_section("attribution", _attribution)
