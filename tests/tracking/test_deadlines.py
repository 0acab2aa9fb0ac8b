"""Deadlines: from the knowledge base with their meaning, counted from the moment of dispatch."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine, update

from comity.core.db import read_session, session_scope, utcnow
from comity.core.errors import BadInput
from comity.intake.models import Item
from comity.law.engine import assess
from comity.law.kb.loader import load_kb
from comity.law.models import StoredAssessment
from comity.tracking import deadlines, service
from tests.tracking.conftest import add_item

FACTS = {"public": True, "intent": True, "danger": True}


def _assessed(engine: Engine, url: str, host: str = "DE", **result: Any) -> int:
    """An item in a dossier with the engine's real assessment for `host` stored."""
    item_id = add_item(engine, url)
    data = assess(
        kb=load_kb(), conduct="terrorism.incitement", facts=FACTS, host=host, on=date(2024, 5, 1)
    ).to_json()
    data.update(result)
    with session_scope(engine) as session:
        session.execute(update(Item).where(Item.id == item_id).values(state="in_dossier"))
        session.add(
            StoredAssessment(
                item_id=item_id,
                assessed_at=utcnow(),
                assessed_by="alice",
                host=host,
                role="host",
                conduct="terrorism.incitement",
                on_date=date(2024, 5, 1),
                outcome="yes",
                kb_version="test",
                facts=FACTS,
                result=data,
            )
        )
    return item_id


def _dispatch(engine: Engine, ref: str, item_id: int, channel: str, **kw: Any) -> dict[str, Any]:
    with session_scope(engine) as session:
        row = service.record_dispatch(
            session=session,
            actor="leo",
            ref=ref,
            item_ids=[item_id],
            channel=channel,
            host="DE",
            addressee="Bundeskriminalamt",
            **kw,
        )
        return service.dispatch_dict(session, row)


def test_the_eu_one_hour_limit_runs_for_the_provider_after_an_order() -> None:
    de = {c.code: c for c in load_kb().jurisdictions["DE"].channels}
    limit = de["eu_removal_order_request"].time_limit
    assert limit is not None and limit.hours == 1
    assert limit.runs_for == "provider_after_order"


def test_a_removal_order_request_is_not_overdue_before_it_leaves(
    engine: Engine, staff: dict[str, str]
) -> None:
    item = _assessed(engine, "https://a.example/1")
    before = utcnow()
    shown = _dispatch(engine, "EU-1", item, "eu_removal_order_request")
    (entry,) = shown["items"]
    due = datetime.fromisoformat(entry["due_at"])
    # Counted from the moment of dispatch, not from midnight + 1 hour.
    assert before + timedelta(days=2) <= due <= utcnow() + timedelta(days=2)
    assert entry["due_basis"] == "operational expectation"
    assert entry["time_zone"] == "UTC" and due.utcoffset() == timedelta(0)
    (limit,) = entry["time_limits"]
    assert limit["hours"] == 1 and limit["runs_for"] == "provider_after_order"
    assert "provider" in limit["meaning"] and "receives an order" in limit["meaning"]
    assert shown["warnings"] == []
    with read_session(engine) as session:
        assert service.overdue(session=session) == []


def test_a_time_of_dispatch_with_an_offset_is_the_start(
    engine: Engine, staff: dict[str, str]
) -> None:
    item = _assessed(engine, "https://a.example/2")
    sent = (utcnow() - timedelta(hours=3)).astimezone(timezone(timedelta(hours=5)))
    shown = _dispatch(engine, "EU-2", item, "eu_removal_order_request", sent_at=sent)
    due = datetime.fromisoformat(shown["items"][0]["due_at"])
    assert due == sent.astimezone(UTC) + timedelta(days=2)
    assert shown["sent_on"] == sent.astimezone(UTC).date().isoformat()


def test_a_host_authority_limit_binds_the_answer(engine: Engine, staff: dict[str, str]) -> None:
    limits = [
        {"channel": "diplomatic_request", "hours": 48, "text": "48 h", "runs_for": "host_authority"}
    ]
    item = _assessed(engine, "https://a.example/3", time_limits=limits)
    sent = utcnow() - timedelta(minutes=1)
    shown = _dispatch(engine, "DIP-1", item, "diplomatic_request", sent_at=sent)
    (entry,) = shown["items"]
    assert datetime.fromisoformat(entry["due_at"]) == sent + timedelta(hours=48)
    assert entry["due_basis"] == "host_authority"
    assert entry["time_limits"][0]["meaning"].startswith("the host authority's own")


def test_a_dispatch_recorded_after_its_deadline_says_so(
    engine: Engine, staff: dict[str, str]
) -> None:
    item = _assessed(engine, "https://a.example/4")
    shown = _dispatch(
        engine, "EU-3", item, "eu_removal_order_request", sent_on=utcnow().date() - timedelta(9)
    )
    (warning,) = shown["warnings"]
    assert "before the dispatch was recorded" in warning


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"sent_at": datetime(2026, 1, 1, 12, 0)}, "time zone"),
        ({"sent_at": utcnow() + timedelta(days=1)}, "in the future"),
        ({"sent_on": utcnow().date() + timedelta(days=2)}, "in the future"),
    ],
)
def test_a_dispatch_time_without_zone_or_in_the_future_is_bad_input(
    engine: Engine, staff: dict[str, str], kwargs: dict[str, Any], needle: str
) -> None:
    item = _assessed(engine, "https://a.example/5")
    with pytest.raises(BadInput, match=needle):
        _dispatch(engine, "EU-4", item, "eu_removal_order_request", **kwargs)


def test_a_past_day_without_a_time_counts_from_the_end_of_that_day() -> None:
    now = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)
    start, how = deadlines.dispatch_moment(sent_on=date(2026, 12, 1), sent_at=None, now=now)
    assert start == datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)
    assert "time of dispatch not given" in how
    today, _ = deadlines.dispatch_moment(sent_on=None, sent_at=None, now=now)
    assert today == now
