"""The item page's sections from other domains (evidence, attribution, assessment, ...).

Domains plug in through `comity.cases.hooks.register_item_section` (the same
hook `comity item show` uses), so the page shows exactly what the CLI shows.
Until the evidence domain registers its own section, the page lists the
stored captures itself (read-only).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.cases.hooks import item_sections as registered_sections
from comity.evidence.models import Evidence
from comity.intake.service import get_item

__all__ = ["EXPECTED", "item_sections"]

# Sections the item page will show once their domains register them (issue 8).
EXPECTED = ("evidence", "attribution", "assessments", "proposals")


def _evidence(session: Session, item_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Evidence).where(Evidence.item_id == item_id).order_by(Evidence.id.desc()).limit(20)
    )
    return [
        {
            "captured_at": e.captured_at.isoformat(),
            "outcome": e.outcome,
            "status": e.status,
            "title": e.title,
            "final_url": e.final_url,
            "content_sha256": e.content_sha256,
            "captured_by": e.captured_by,
        }
        for e in rows
    ]


def _empty(value: Any) -> bool:
    """Nothing to show: None, an empty list, or a mapping whose values are all empty."""
    if value is None or value == [] or value == {}:
        return True
    return isinstance(value, dict) and all(_empty(v) for v in value.values())


def item_sections(*, session: Session, item_id: int) -> tuple[dict[str, Any], list[str]]:
    """(section name -> JSON value, names of expected sections nobody provides yet)."""
    item = get_item(session=session, item_id=item_id)
    hooks = registered_sections()
    out: dict[str, Any] = {}
    if "evidence" not in hooks:
        out["evidence"] = _evidence(session, item_id) or None
    for name, fn in hooks.items():
        value = fn(session, item)
        out[name] = None if _empty(value) else value
    pending = [name for name in EXPECTED if name not in out]
    return out, pending
