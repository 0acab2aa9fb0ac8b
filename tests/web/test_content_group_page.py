"""The item page names the item's content group and says `reappeared` in words (issue 17)."""

from __future__ import annotations

from sqlalchemy import Engine

from comity.core.db import session_scope, utcnow
from comity.evidence.models import ContentMember
from comity.tracking.models import MonitorCheck, MonitorState
from tests.evidence.conftest import add_item
from tests.web.conftest import TestClient, log_in
from tests.web.test_words_not_codes import visible_text


def test_a_removed_items_page_shows_its_copy_and_that_it_reappeared(
    client: TestClient, passwords: str, engine: Engine, staff: dict[str, str]
) -> None:
    removed = add_item(engine, "http://127.0.0.1:9/poster.jpg")
    copy = add_item(engine, "http://127.0.0.1:9/poster-copy.jpg")
    now = utcnow()
    with session_scope(engine) as session:
        session.add(ContentMember(item_id=removed, group_id=removed))
        session.add(
            ContentMember(
                item_id=copy, group_id=removed, matched_item_id=removed, algorithm="pdq", distance=6
            )
        )
        check = MonitorCheck(item_id=removed, checked_at=now, verdict="reappeared")
        session.add(check)
        session.flush()
        session.add(
            MonitorState(
                item_id=removed,
                verdict="reappeared",
                checked_at=now,
                since=now,
                next_due_at=now,
                last_check_id=check.id,
            )
        )
    log_in(client, "sam")
    text = visible_text(client.get(f"/items/{removed}").text, "en")
    assert "Same content elsewhere" in text and "Back online elsewhere" in text
    assert f"matches item #{removed} (pdq, distance 6)" in text and "first seen" in text
