"""Notice to the content provider (Art. 11): informed, non-disclosure with expiry, or nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from comity.complaints import notices
from comity.core.db import read_session, session_scope
from comity.core.errors import BadInput, Refused
from tests.reports.conftest import World


def _status(engine: Engine) -> dict[int, dict[str, object]]:
    with read_session(engine) as s:
        return {row["item_id"]: row for row in notices.notice_status(session=s)}  # type: ignore[misc]


def test_removed_requests_say_whether_the_provider_was_informed(
    engine: Engine, world: World
) -> None:
    before = _status(engine)
    assert {before[i]["status"] for i in world.item_ids[:4]} == {"not_recorded"}
    with session_scope(engine) as s:
        notices.record_informed(
            session=s, actor="leo", item_id=world.item_ids[0], on=world.today, by="host"
        )
    after = _status(engine)
    assert after[world.item_ids[0]]["status"] == "informed"
    assert after[world.item_ids[0]]["informed_by"] == "host"
    assert world.item_ids[4] not in after  # refused: nothing was done to the content


def test_non_disclosure_belongs_to_removal_orders_and_ends(engine: Engine, world: World) -> None:
    with pytest.raises(Refused, match="concerns removal orders only"), session_scope(engine) as s:
        notices.record_non_disclosure(
            session=s,
            actor="leo",
            item_id=world.item_ids[0],
            reason="ongoing investigation",
            until=world.today + timedelta(days=42),
        )
    with pytest.raises(BadInput, match="--by-whom: 'neighbour'"), session_scope(engine) as s:
        notices.record_informed(
            session=s, actor="leo", item_id=world.item_ids[0], on=world.today, by="neighbour"
        )
    with pytest.raises(Refused, match="was never requested"), session_scope(engine) as s:
        notices.record_informed(
            session=s, actor="leo", item_id=world.item_ids[11], on=world.today, by="host"
        )


def test_a_non_disclosure_period_is_shown_until_it_ends(engine: Engine, world: World) -> None:
    from sqlalchemy import update

    from comity.tracking.models import Dispatch

    with session_scope(engine) as s:  # the third dossier, as if it were a removal-order request
        s.execute(
            update(Dispatch)
            .where(Dispatch.dossier_ref == world.refs[2])
            .values(channel="eu_removal_order_request")
        )
        notices.record_non_disclosure(
            session=s,
            actor="leo",
            item_id=world.item_ids[9],
            reason="ongoing investigation",
            until=world.today + timedelta(days=42),
        )
    row = _status(engine)[world.item_ids[9]]
    assert row["status"] == "non_disclosure"
    assert row["non_disclosure_until"] == (world.today + timedelta(days=42)).isoformat()
    with read_session(engine) as s:
        later = {
            r["item_id"]: r
            for r in notices.notice_status(session=s, today=world.today + timedelta(days=43))
        }
    assert later[world.item_ids[9]]["status"] == "non_disclosure_ended"
