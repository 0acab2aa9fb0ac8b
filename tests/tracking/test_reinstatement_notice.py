"""A host's own notice that it reinstated removed content is recorded as such and counted."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from comity.core.audit import AuditEvent
from comity.core.db import read_session, session_scope
from comity.core.errors import Refused
from comity.intake.models import Item
from comity.reports.tco import document
from comity.tracking.reinstatement import record_reinstatement
from tests.reports.conftest import World, build_world


@pytest.fixture
def world(engine: Engine, staff: dict[str, str]) -> World:
    return build_world(engine)


def test_the_hosts_reinstatement_notice_reopens_a_verified_item_and_is_counted(
    engine: Engine, world: World
) -> None:
    item = world.item_ids[1]  # removed (host's word), verified
    with read_session(engine) as s:
        before = document(session=s, year=world.sent_on.year)["outcomes"]
    with session_scope(engine) as s:
        record_reinstatement(
            session=s, actor="leo", ref=world.refs[0], item_id=item, on=world.today
        )
    with read_session(engine) as s:
        after = document(session=s, year=world.sent_on.year)["outcomes"]
        assert s.get_one(Item, item).state == "reinstated"
        assert "request.reinstated" in s.scalars(select(AuditEvent.action)).all()
    assert after["reinstated"] == before["reinstated"] + 1
    assert after["removed"] == before["removed"]  # the removal happened, and still counts


def test_a_reinstatement_of_content_never_removed_is_refused(engine: Engine, world: World) -> None:
    with pytest.raises(Refused, match="was never removed under"), session_scope(engine) as s:
        record_reinstatement(
            session=s, actor="leo", ref=world.refs[0], item_id=world.item_ids[4], on=world.today
        )
