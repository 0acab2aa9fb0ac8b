"""A verified removal whose content comes back at the same URL reopens the case."""

from __future__ import annotations

from sqlalchemy import Engine, select, update

from comity.core.audit import AuditEvent
from comity.core.db import read_session, session_scope
from comity.intake.models import Item
from comity.tracking.monitor import monitor_items
from tests.tracking.conftest import add_item, prober_hooks
from tests.tracking.servers import Answer, Site

PAGE = b"<html><body>the reported post</body></html>"


def test_content_back_online_after_a_verified_removal_reinstates_the_item(
    engine: Engine, staff: dict[str, str], site: Site
) -> None:
    site.answers["/p"] = Answer(410, b"gone")
    item_id = add_item(engine, site.url("/p"), PAGE)
    first = monitor_items(engine=engine, actor="alice", hooks=prober_hooks(), everything=True)
    assert first[0]["verdict"] == "removed"
    with session_scope(engine) as session:  # the case had reached verified removal
        session.execute(update(Item).where(Item.id == item_id).values(state="verified"))
    site.answers["/p"] = Answer(200, PAGE)
    second = monitor_items(engine=engine, actor="alice", hooks=prober_hooks(), everything=True)
    assert second[0]["verdict"] == "up" and second[0]["changed"] is True
    with read_session(engine) as session:
        assert session.get_one(Item, item_id).state == "reinstated"
        data = session.scalars(
            select(AuditEvent.data)
            .where(AuditEvent.action == "item.state", AuditEvent.object_id == str(item_id))
            .order_by(AuditEvent.seq.desc())
        ).first()
    assert data is not None and "online again at the same URL" in str(data)


def test_content_still_up_on_an_item_never_removed_is_not_a_reinstatement(
    engine: Engine, staff: dict[str, str], site: Site
) -> None:
    site.answers["/q"] = Answer(200, PAGE)
    item_id = add_item(engine, site.url("/q"), PAGE)
    with session_scope(engine) as session:
        session.execute(update(Item).where(Item.id == item_id).values(state="verified"))
    monitor_items(engine=engine, actor="alice", hooks=prober_hooks(), everything=True)
    with read_session(engine) as session:
        assert session.get_one(Item, item_id).state == "verified"  # no "removed" seen before
