"""Deconfliction holds block proposals for what they cover: four eyes, need-to-know, expiry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, select

from comity.cases.models import Proposal
from comity.core.audit import AuditEvent
from comity.core.db import session_scope, utcnow
from comity.core.errors import BadInput, Refused
from comity.evidence.groups import link_capture
from comity.evidence.models import Evidence
from comity.holds import service
from comity.intake.service import get_item
from tests.cases.conftest import add_evidence, load_proposal, make_item, make_proposal
from tests.holds.conftest import PDQ, active_hold, add_hold, approve, capture_objects, flip

Review = Callable[..., Proposal]
IMAGE = "1f" * 32


def _codes(engine: Engine, proposal_id: int) -> list[str]:
    return [f["code"] for f in load_proposal(engine, proposal_id).findings]


def _held_item(engine: Engine, url: str = "https://terror.example/post/1") -> int:
    item_id = make_item(engine, url)
    capture_objects(engine, item_id, sha=IMAGE, pdq=PDQ)
    return item_id


def test_a_proposal_for_held_content_is_blocked_naming_the_hold(
    engine: Engine, staff: dict[str, str], review: Review
) -> None:
    item_id = _held_item(engine)
    hold_id = active_hold(engine, "sha256", IMAGE.upper())
    proposal = make_proposal(engine, item_id)
    assert _codes(engine, proposal) == ["deconfliction_hold"]
    message = load_proposal(engine, proposal).findings[0]["message"]
    assert f"deconfliction hold {hold_id} (sha256 {IMAGE})" in message
    assert "Financial Monitoring Agency" not in message  # who asked is need-to-know
    for reviewer in ("rita", "sam"):
        with pytest.raises(Refused, match=f"deconfliction_hold: deconfliction hold {hold_id} "):
            review(proposal, reviewer)
    assert load_proposal(engine, proposal).state == "proposed"


def test_attack_reupload_at_another_url_within_the_pdq_distance_is_still_held(
    engine: Engine, staff: dict[str, str], review: Review
) -> None:
    _held_item(engine)
    hold_id = active_hold(engine, "pdq", PDQ)
    near = make_item(engine, "https://mirror.example/re-encoded.jpg")
    capture_objects(engine, near, sha="2e" * 32, pdq=flip(PDQ, 20))
    far = make_item(engine, "https://other.example/unrelated.jpg")
    capture_objects(engine, far, sha="3d" * 32, pdq=flip(PDQ, 40))
    assert _codes(engine, make_proposal(engine, near)) == ["deconfliction_hold"]
    assert _codes(engine, make_proposal(engine, far)) == []
    with session_scope(engine) as session:
        section = service.list_holds(session=session, actor="sam", state="active")
    assert [h["id"] for h in section] == [hold_id]


def test_attack_reupload_linked_into_the_content_group_is_held_by_the_sha256_hold(
    engine: Engine, staff: dict[str, str]
) -> None:
    _held_item(engine)
    active_hold(engine, "sha256", IMAGE)
    copy = make_item(engine, "https://mirror.example/copy")
    evidence_id = capture_objects(engine, copy, sha="4c" * 32, pdq=flip(PDQ, 12))
    with session_scope(engine) as session:
        evidence = session.get(Evidence, evidence_id)
        assert evidence is not None
        assert link_capture(session=session, evidence=evidence, actor="alice") is not None
    assert _codes(engine, make_proposal(engine, copy)) == ["deconfliction_hold"]


def test_low_quality_pdq_never_matches_a_hold(engine: Engine, staff: dict[str, str]) -> None:
    item_id = make_item(engine, "https://blank.example/banner")
    capture_objects(engine, item_id, sha="5b" * 32, pdq=PDQ, quality=10)
    active_hold(engine, "pdq", PDQ)
    assert _codes(engine, make_proposal(engine, item_id)) == []


def test_url_prefix_domain_url_and_org_scopes(engine: Engine, staff: dict[str, str]) -> None:
    post = make_item(engine, "https://t.me/chan/5")
    other = make_item(engine, "https://t.me/channel2/5")
    page = make_item(engine, "https://blog.held.example/p?id=1")
    for item_id in (post, other, page):
        add_evidence(engine, item_id)
    active_hold(engine, "url_prefix", "HTTPS://T.ME/chan")
    assert _codes(engine, make_proposal(engine, post)) == ["deconfliction_hold"]
    assert _codes(engine, make_proposal(engine, other)) == []  # a path boundary, not a prefix
    active_hold(engine, "domain", "www.Held.example")
    assert _codes(engine, make_proposal(engine, page)) == ["deconfliction_hold"]
    single = make_item(engine, "https://one.example/a")
    add_evidence(engine, single)
    active_hold(engine, "url", "https://ONE.example/a#frag")
    assert _codes(engine, make_proposal(engine, single)) == ["deconfliction_hold"]
    with pytest.raises(BadInput, match="registrable"):
        service.normalise_scope("domain", "co.uk")


def test_a_pending_hold_blocks_nothing_until_a_second_person_approves(
    engine: Engine, staff: dict[str, str]
) -> None:
    item_id = _held_item(engine)
    hold_id = add_hold(engine, "sha256", IMAGE)
    assert _codes(engine, make_proposal(engine, item_id)) == []
    approve(engine, hold_id, by="sam")
    assert _codes(engine, make_proposal(engine, item_id)) == ["deconfliction_hold"]


def test_attack_the_enterer_cannot_approve_their_own_hold(
    engine: Engine, staff: dict[str, str]
) -> None:
    hold_id = add_hold(engine, "sha256", IMAGE, by="leo")
    with pytest.raises(Refused, match="four eyes: leo entered deconfliction hold"):
        approve(engine, hold_id, by="leo")
    with pytest.raises(Refused, match=r"alice \(analyst\) may not deconflict"):
        approve(engine, hold_id, by="alice")
    with pytest.raises(Refused, match=r"alice \(analyst\) may not deconflict"):
        add_hold(engine, "sha256", IMAGE, by="alice")
    approve(engine, hold_id, by="sam")
    with pytest.raises(Refused, match="is active"):
        approve(engine, hold_id, by="leo")


def test_an_expired_hold_no_longer_blocks_and_expiry_is_audited(
    engine: Engine, staff: dict[str, str], review: Review
) -> None:
    item_id = _held_item(engine)
    hold_id = active_hold(engine, "sha256", IMAGE, until=date.today() + timedelta(days=1))
    proposal = make_proposal(engine, item_id)
    later = utcnow() + timedelta(days=3)
    # The check compares with now: past the date the hold blocks nothing, job or not.
    assert review(proposal, "rita", now=later).state == "approved"
    with session_scope(engine) as session:
        assert service.expire_holds(session=session, now=utcnow()) == []
        assert service.expire_holds(session=session, now=later) == [hold_id]
        assert service.expire_holds(session=session, now=later) == []
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "deconfliction_hold.expire")
        ).one()
    assert event.actor == "system" and event.object_id == str(hold_id)


def test_a_released_hold_no_longer_blocks_and_release_is_audited(
    engine: Engine, staff: dict[str, str], review: Review
) -> None:
    item_id = _held_item(engine)
    hold_id = active_hold(engine, "sha256", IMAGE)
    proposal = make_proposal(engine, item_id)
    with session_scope(engine) as session, pytest.raises(BadInput, match="reason"):
        service.release_hold(session=session, actor="leo", hold_id=hold_id, reason=" ")
    with session_scope(engine) as session:
        service.release_hold(
            session=session, actor="leo", hold_id=hold_id, reason="the operation ended"
        )
    assert review(proposal, "rita").state == "approved"
    with session_scope(engine) as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "deconfliction_hold.release")
        ).one()
        with pytest.raises(Refused, match="already released"):
            service.release_hold(session=session, actor="sam", hold_id=hold_id, reason="again")
    assert event.actor == "leo" and event.data["reason"] == "the operation ended"
    assert "agency" not in event.data  # the readable audit data leaves the identity out


def test_supervisor_override_of_a_hold_is_audited(
    engine: Engine, staff: dict[str, str], review: Review
) -> None:
    item_id = _held_item(engine)
    active_hold(engine, "sha256", IMAGE)
    proposal = make_proposal(engine, item_id)
    with pytest.raises(Refused, match=r"rita \(legal_reviewer\) may not override"):
        review(proposal, "rita", override=True, override_reason="the agency agreed by phone")
    decided = review(proposal, "sam", override=True, override_reason="the agency agreed by phone")
    assert decided.state == "approved"
    assert [f["code"] for f in decided.overridden or []] == ["deconfliction_hold"]
    with session_scope(engine) as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "safeguards.override")
        ).one()
    assert event.actor == "sam" and event.data["overridden"] == ["deconfliction_hold"]


def test_attack_who_may_not_see_the_holder_does_not(engine: Engine, staff: dict[str, str]) -> None:
    item_id = _held_item(engine)
    active_hold(engine, "sha256", IMAGE)
    with session_scope(engine) as session:
        for name in ("alice", "rita", "ada"):
            (row,) = service.list_holds(session=session, actor=name)
            assert (row["agency"], row["contact"], row["identity_withheld"]) == (None, None, True)
        for name in ("leo", "sam", "aud"):
            (row,) = service.list_holds(session=session, actor=name)
            assert row["agency"] == "Financial Monitoring Agency", name
        from comity.cases.history import show_item

        shown = show_item(session=session, item_id=item_id)
        assert get_item(session=session, item_id=item_id).id == item_id
    (held,) = shown["deconfliction_holds"]
    assert held["agency"] is None and held["until"] and held["legal_basis"]


def test_a_hold_must_end_in_the_future_and_name_its_basis(
    engine: Engine, staff: dict[str, str]
) -> None:
    with pytest.raises(BadInput, match="has passed"):
        add_hold(engine, "sha256", IMAGE, until=date.today() - timedelta(days=1))
    with pytest.raises(BadInput, match="legal_basis"):
        add_hold(engine, "sha256", IMAGE, legal_basis="  ")
    with pytest.raises(BadInput, match="64 hexadecimal"):
        add_hold(engine, "pdq", "xyz")
