"""A re-upload of removed content, for the attention tests of tracking and the API."""

from __future__ import annotations

from sqlalchemy import Engine

from comity.core.db import session_scope
from comity.evidence.models import ContentMember
from comity.tracking.reappeared import mark_reappeared
from tests.reports.conftest import World
from tests.tracking.conftest import add_item

__all__ = ["PAGE", "reupload"]

PAGE = b"<html><body>the same video, re-uploaded</body></html>"


def reupload(engine: Engine, world: World, copy_url: str) -> tuple[int, int]:
    """World's NL item (seen removed after request KZ-CTC-2099-0003) comes back at copy_url.

    The link is written as comity.evidence.groups writes it (its hash matching is
    tested in tests/evidence); what tracking does next is the real service.
    """
    removed = world.item_ids[9]
    copy = add_item(engine, copy_url, PAGE)
    with session_scope(engine) as session:
        session.add(ContentMember(item_id=removed, group_id=removed))
        session.add(
            ContentMember(
                item_id=copy,
                group_id=removed,
                matched_item_id=removed,
                algorithm="pdq",
                distance=12,
            )
        )
        session.flush()
        assert mark_reappeared(session, "alice", copy, removed) == [removed]
    return removed, copy
