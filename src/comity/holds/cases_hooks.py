"""Plug deconfliction holds into the safeguards and `comity item show` (comity.cases.hooks).

The item section withholds who asked: `item show` is open to every reader; the
case file page adds the identity for those who may see it (comity.holds.service).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from comity.cases.hooks import register_hold_source, register_item_section
from comity.holds.matching import holds_covering_item
from comity.holds.service import hold_dict
from comity.intake.models import Item

__all__: list[str] = []


def _source(session: Session, item: Item) -> list[dict[str, Any]]:
    return [
        {
            "id": h.id,
            "state": h.state,
            "until": h.until.isoformat(),
            "legal_basis": h.legal_basis,
            "scope": f"{h.scope_kind} {h.scope_value}",
        }
        for h in holds_covering_item(session=session, item=item)
    ]


def _section(session: Session, item: Item) -> list[dict[str, Any]]:
    held = holds_covering_item(session=session, item=item, states=("active", "pending"))
    return [hold_dict(h, identity=False) for h in held]


register_hold_source("deconfliction", _source)
register_item_section("deconfliction_holds", _section)
