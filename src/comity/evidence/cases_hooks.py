"""`comity item show` sections: the item's captures and mirrors, and its content group."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from comity.cases.hooks import register_item_section
from comity.intake.models import Item


def _evidence(session: Session, item: Item) -> dict[str, Any]:
    from comity.evidence.service import evidence_dict, list_evidence, mirrors

    captures = [evidence_dict(e) for e in list_evidence(session=session, item_id=item.id)]
    return {"captures": captures, "mirrors": mirrors(session=session, item_id=item.id)}


def _content_group(session: Session, item: Item) -> dict[str, Any] | None:
    from comity.evidence.groups import content_group

    return content_group(session=session, item_id=item.id)


register_item_section("evidence", _evidence)
register_item_section("content_group", _content_group)
