"""Plug the hash exchange in: flag captures, list matches in `evidence similar` and `item show`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from comity.cases.hooks import register_item_section
from comity.evidence.groups import register_on_captured
from comity.evidence.similar import register_external_matcher
from comity.hashexchange.service import external_matches, flag_capture, similar_external
from comity.intake.models import Item


def _section(session: Session, item: Item) -> list[dict[str, Any]]:
    return external_matches(session=session, item_id=item.id)


register_item_section("external_hashes", _section)
register_on_captured("hashexchange", flag_capture)
register_external_matcher("hashexchange", similar_external)
