"""The item state machine: the table, illegal moves refused, advance-only, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select, update

from comity.cases import states
from comity.core.audit import AuditEvent, verify_chain
from comity.core.db import session_scope
from comity.core.errors import BadInput, Refused
from comity.intake.models import Item
from comity.intake.service import get_item
from tests.cases.conftest import make_item


def _events(engine: Engine, item_id: int) -> list[AuditEvent]:
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.object_type == "item", AuditEvent.object_id == str(item_id))
                .order_by(AuditEvent.seq)
            )
        )


def test_table_covers_every_state_and_withdrawal_is_open_everywhere() -> None:
    assert set(states.TRANSITIONS) == set(states.STATES)
    for state in states.STATES:
        assert set(states.TRANSITIONS[state]) <= set(states.STATES)
        if state in states.TERMINAL:
            assert states.TRANSITIONS[state] == frozenset()
        else:
            assert "withdrawn" in states.TRANSITIONS[state]
    assert states.TRANSITIONS["approved"] >= {"in_dossier", "expired"}
    assert "expired" not in states.TRANSITIONS["proposed"]


def test_illegal_transition_reported_to_approved_is_refused(
    engine: Engine, staff: dict[str, str]
) -> None:
    item_id = make_item(engine)
    with pytest.raises(Refused) as caught, session_scope(engine) as session:
        item = get_item(session=session, item_id=item_id)
        states.transition(session=session, item=item, to="approved", actor="alice")
    message = caught.value.message
    assert "is reported" in message and "cannot become approved" in message
    assert "allowed from reported: captured, attributed, assessed, withdrawn" in message
    with session_scope(engine) as session:
        assert get_item(session=session, item_id=item_id).state == "reported"


def test_final_states_allow_nothing(engine: Engine, staff: dict[str, str]) -> None:
    item_id = make_item(engine)
    with session_scope(engine) as session:
        item = get_item(session=session, item_id=item_id)
        states.transition(session=session, item=item, to="withdrawn", actor="alice", reason="x")
    with pytest.raises(Refused, match="nothing \\(final state\\)"), session_scope(engine) as s:
        states.transition(
            session=s, item=get_item(session=s, item_id=item_id), to="captured", actor="alice"
        )


def test_unknown_state_is_bad_input(engine: Engine, staff: dict[str, str]) -> None:
    item_id = make_item(engine)
    with pytest.raises(BadInput, match="valid: reported, captured"), session_scope(engine) as s:
        states.transition(
            session=s, item=get_item(session=s, item_id=item_id), to="deleted", actor="alice"
        )


def test_every_transition_writes_one_audit_event(engine: Engine, staff: dict[str, str]) -> None:
    item_id = make_item(engine)
    path = ["captured", "attributed", "assessed", "proposed", "approved", "in_dossier", "sent"]
    for to in path:
        with session_scope(engine) as session:
            item = get_item(session=session, item_id=item_id)
            states.transition(session=session, item=item, to=to, actor="sam")
    moves = [e.data for e in _events(engine, item_id) if e.action == "item.state"]
    assert [m["to"] for m in moves] == path
    assert [m["from"] for m in moves] == ["reported", *path[:-1]]
    with session_scope(engine) as session:
        assert verify_chain(session).ok


def test_recapture_does_not_move_an_item_backwards(engine: Engine, staff: dict[str, str]) -> None:
    item_id = make_item(engine)
    with session_scope(engine) as session:
        item = get_item(session=session, item_id=item_id)
        for to in ("captured", "attributed", "assessed", "proposed"):
            states.transition(session=session, item=item, to=to, actor="alice")
    before = len(_events(engine, item_id))
    for step in ("captured", "attributed", "assessed"):
        with session_scope(engine) as session:
            item = get_item(session=session, item_id=item_id)
            assert states.advance(session=session, item=item, to=step, actor="alice") is False
    with session_scope(engine) as session:
        assert get_item(session=session, item_id=item_id).state == "proposed"
    assert len(_events(engine, item_id)) == before


def test_advance_moves_forward_and_skips_only_where_the_table_allows(
    engine: Engine, staff: dict[str, str]
) -> None:
    item_id = make_item(engine)
    with session_scope(engine) as session:
        item = get_item(session=session, item_id=item_id)
        assert states.advance(session=session, item=item, to="attributed", actor="alice")
        assert item.state == "attributed"
        with pytest.raises(Refused, match="cannot advance to approved"):
            states.advance(session=session, item=item, to="approved", actor="alice")


def test_stale_item_cannot_be_moved_twice(engine: Engine, staff: dict[str, str]) -> None:
    """Two workers saw 'reported'; the first moved it: the second is refused, not lost."""
    item_id = make_item(engine)
    with session_scope(engine) as session:
        stale = get_item(session=session, item_id=item_id)
        # Another worker's move, not seen by this session's copy of the item.
        session.execute(
            update(Item)
            .where(Item.id == item_id)
            .values(state="captured")
            .execution_options(synchronize_session=False)
        )
        with pytest.raises(Refused, match="changed while"):
            states.transition(session=session, item=stale, to="attributed", actor="alice")
    with session_scope(engine) as session:
        count = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "item.state")
        )
    assert count == 0
