"""Priority: threat to life first in every queue, fastest channels, shortest deadlines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from comity.cases import priority
from comity.core.audit import AuditEvent
from comity.core.db import session_scope
from comity.core.errors import BadInput, Refused
from tests.cases.conftest import add_evidence, load_proposal, make_item, make_proposal


def _set(engine: Engine, item_id: int, level: str, by: str = "alice") -> None:
    with session_scope(engine) as session:
        priority.set_priority(
            session=session, item_id=item_id, level=level, reason="live-streamed threat", actor=by
        )


def test_threat_to_life_goes_to_the_top_of_the_worklist(
    engine: Engine, staff: dict[str, str]
) -> None:
    old = make_item(engine, "https://a.example/1")
    crisis = make_item(engine, "https://b.example/2")
    urgent = make_item(engine, "https://c.example/3")  # the newest, yet first
    _set(engine, crisis, "crisis")
    _set(engine, urgent, "threat_to_life", by="rita")
    with session_scope(engine) as session:
        order = [i.id for i in priority.ordered_worklist(session=session)]
    assert order == [urgent, crisis, old]


def test_threat_to_life_goes_to_the_top_of_the_review_queue(
    engine: Engine, staff: dict[str, str]
) -> None:
    ids = [make_item(engine, f"https://q{n}.example/") for n in range(3)]
    for item_id in ids:
        add_evidence(engine, item_id)
    proposals = [make_proposal(engine, item_id) for item_id in ids]
    _set(engine, ids[2], "threat_to_life")
    with session_scope(engine) as session:
        queue = [p.id for p, _ in priority.review_queue(session=session)]
    assert queue == [proposals[2], proposals[0], proposals[1]]


def test_priority_change_is_audited_and_checked(engine: Engine, staff: dict[str, str]) -> None:
    item_id = make_item(engine)
    _set(engine, item_id, "threat_to_life")
    with session_scope(engine) as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "item.priority")
        ).one()
    assert event.data == {
        "from": "standard",
        "to": "threat_to_life",
        "reason": "live-streamed threat",
    }
    with pytest.raises(BadInput, match="valid: threat_to_life, crisis, standard"):
        _set(engine, item_id, "urgent")
    with pytest.raises(Refused, match="aud \\(auditor\\) may not prioritise"):
        _set(engine, item_id, "standard", by="aud")


def test_threat_to_life_reaches_the_engine(engine: Engine, staff: dict[str, str]) -> None:
    item_id = make_item(engine)
    add_evidence(engine, item_id)
    _set(engine, item_id, "threat_to_life")
    assessment = load_proposal(engine, make_proposal(engine, item_id)).assessment
    assert assessment["priority"] == "threat_to_life"


@pytest.mark.parametrize(
    ("level", "channel", "limit", "expected"),
    [
        ("standard", "mla_request", None, timedelta(days=120)),
        ("crisis", "mla_request", None, timedelta(hours=72)),
        ("threat_to_life", "mla_request", None, timedelta(hours=24)),
        ("standard", "eu_removal_order_request", 1.0, timedelta(hours=1)),
        ("threat_to_life", "provider_referral", None, timedelta(hours=24)),
        ("standard", "provider_referral", None, timedelta(days=3)),
        ("standard", "no_action", None, None),
    ],
)
def test_deadline_for(level: str, channel: str, limit: float | None, expected: object) -> None:
    assert priority.deadline_for(level, channel, limit) == expected


def test_threat_to_life_deadline_is_never_longer_than_any_other() -> None:
    for channel in priority.ANSWER_WITHIN:
        for limit in (None, 1.0, 500.0):
            urgent = priority.deadline_for("threat_to_life", channel, limit)
            for level in ("crisis", "standard"):
                other = priority.deadline_for(level, channel, limit)
                assert urgent is not None and other is not None and urgent <= other
