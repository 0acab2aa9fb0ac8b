"""A hold approved after the request was approved still stops the request: issuing
the dossier checks the holds again and takes the held item out (attacker story: an
approval obtained before the other agency's hold, issued after it)."""

from __future__ import annotations

from sqlalchemy import Engine

from comity.cases.models import Proposal
from comity.core.db import read_session, session_scope
from comity.holds import service
from tests.dossiers.test_service import Pipeline, pipe
from tests.holds.conftest import active_hold

__all__ = ["pipe"]  # the fixture, re-used from the dossier service tests


def test_a_hold_placed_after_approval_takes_the_item_out_at_issue(
    pipe: Pipeline, engine: Engine
) -> None:
    pipe.approved("https://a.example/stays")
    held = pipe.approved("https://b.example/held")
    (draft,) = pipe.build().created
    hold_id = active_hold(engine, "url", "https://b.example/held")
    pipe.issue(draft.id)
    out = {i["proposal"]: i for i in pipe.state(draft.id)["items"] if i["status"] == "removed"}
    assert set(out) == {held}
    assert out[held]["reason"].startswith(f"held: deconfliction hold {hold_id} ")
    assert "Financial Monitoring Agency" not in out[held]["reason"]  # who asked stays need-to-know
    with read_session(engine) as session:
        assert session.get_one(Proposal, held).state == "expired"  # back for a new review


def test_a_hold_released_before_issue_does_not(pipe: Pipeline, engine: Engine) -> None:
    pipe.approved("https://b.example/held")
    (draft,) = pipe.build().created
    hold_id = active_hold(engine, "url", "https://b.example/held")
    with session_scope(engine) as session:
        service.release_hold(session=session, actor="leo", hold_id=hold_id, reason="ended")
    issued = pipe.issue(draft.id)
    assert issued.reference
    assert [i["status"] for i in pipe.state(draft.id)["items"]] == ["included"]
