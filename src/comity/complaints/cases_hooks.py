"""Plug complaints into `comity item show` and the case file (comity.cases.hooks)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from comity.cases.hooks import register_item_section
from comity.complaints.service import complaints_for
from comity.intake.models import Item

__all__: list[str] = []


def _section(session: Session, item: Item) -> list[dict[str, Any]]:
    return complaints_for(session=session, item_id=item.id)


register_item_section("complaints", _section)
