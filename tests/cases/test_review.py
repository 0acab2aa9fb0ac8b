"""Four-eyes review, told as attacker stories: each fails if its protection is removed."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select

from comity.cases import service
from comity.cases.expiry import expire_stale
from comity.cases.models import Proposal
from comity.core.audit import AuditEvent, verify_chain
from comity.core.db import session_scope, utcnow
from comity.core.errors import BadInput, ComityError, Refused
from comity.intake.service import get_item
from tests.cases.conftest import add_evidence, days, load_proposal, make_item, make_proposal

Review = Callable[..., Proposal]


def _item_state(engine: Engine, item_id: int) -> str:
    with session_scope(engine) as session:
        return get_item(session=session, item_id=item_id).state


def _actions(engine: Engine, proposal_id: int) -> list[str]:
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(
                    AuditEvent.object_type == "proposal",
                    AuditEvent.object_id == str(proposal_id),
                )
                .order_by(AuditEvent.seq)
            )
        )


def test_proposal_runs_the_engine_and_moves_the_item(
    engine: Engine, ready_item: int, proposal: int
) -> None:
    p = load_proposal(engine, proposal)
    assert p.dual_criminality == "yes"
    assert p.conduct == "terrorism.incitement"  # the item's only reported conduct
    assert p.assessment["host"] == "DE" and p.kb_version == p.assessment["kb_version"]
    assert p.findings == []
    assert _item_state(engine, ready_item) == "proposed"
    assert _actions(engine, proposal) == ["proposal.create"]


def test_reviewer_approval_moves_item_and_sets_validity(
    engine: Engine, ready_item: int, proposal: int, review: Review
) -> None:
    decided = review(proposal, "rita")
    assert decided.state == "approved" and decided.decided_by == "rita"
    assert decided.valid_until is not None
    assert days(29) < decided.valid_until - decided.proposed_at < days(31)
    assert _item_state(engine, ready_item) == "approved"
    assert _actions(engine, proposal) == ["proposal.create", "proposal.approve"]


def test_attack_self_approval_is_refused(engine: Engine, ready_item: int, review: Review) -> None:
    """A supervisor may both propose and approve, but never their own proposal."""
    own = make_proposal(engine, ready_item, actor="sam")
    with pytest.raises(Refused, match="four eyes: sam proposed"):
        review(own, "sam")
    with pytest.raises(Refused, match="four eyes"):
        review(own, "sam", approve=False)
    assert load_proposal(engine, own).state == "proposed"


def test_attack_approval_by_an_analyst_is_refused(
    engine: Engine, proposal: int, review: Review
) -> None:
    with pytest.raises(Refused, match=r"alan \(analyst\) may not review"):
        review(proposal, "alan")
    for role_name in ("leo", "aud", "ada"):  # liaison, auditor, admin
        with pytest.raises(Refused, match="may not review"):
            review(proposal, role_name)
    assert load_proposal(engine, proposal).state == "proposed"


def test_attack_two_concurrent_approvals_yield_exactly_one(
    engine: Engine, proposal: int, review: Review, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both reviewers pass every check before either writes; one decision lands.

    The barrier holds each reviewer after its checks (on PostgreSQL both get
    there; SQLite's writer lock lets only one in, and the barrier times out).
    """
    barrier = threading.Barrier(2, timeout=3)
    original = service.current_findings

    def _after_checks(**kwargs: Any) -> Any:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return original(**kwargs)

    monkeypatch.setattr(service, "current_findings", _after_checks)
    outcomes: dict[str, str] = {}

    def _decide(name: str) -> None:
        try:
            review(proposal, name)
            outcomes[name] = "approved"
        except ComityError as exc:
            outcomes[name] = exc.message

    threads = [threading.Thread(target=_decide, args=(n,)) for n in ("rita", "sam")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()).count("approved") == 1, outcomes
    loser = next(m for m in outcomes.values() if m != "approved")
    assert "already approved" in loser or "decided by someone else" in loser
    decided = load_proposal(engine, proposal)
    assert decided.decided_by == next(n for n, m in outcomes.items() if m == "approved")
    assert _actions(engine, proposal).count("proposal.approve") == 1
    with session_scope(engine) as session:
        assert verify_chain(session).ok


def test_second_decision_after_the_first_is_refused(
    engine: Engine, proposal: int, review: Review
) -> None:
    review(proposal, "rita", approve=False)
    with pytest.raises(Refused, match="already rejected by rita"):
        review(proposal, "sam")


def test_attack_approval_despite_a_safeguard_without_override(
    engine: Engine, ready_item: int, review: Review
) -> None:
    broad = make_proposal(engine, ready_item, target="domain")
    assert [f["code"] for f in load_proposal(engine, broad).findings] == [
        "target_broader_than_content"
    ]
    for name in ("rita", "sam"):
        with pytest.raises(Refused, match="target_broader_than_content"):
            review(broad, name)
    assert load_proposal(engine, broad).state == "proposed"
    assert _item_state(engine, ready_item) == "proposed"


def test_attack_override_by_a_non_supervisor_is_refused(
    engine: Engine, ready_item: int, review: Review
) -> None:
    broad = make_proposal(engine, ready_item, target="platform")
    with pytest.raises(Refused, match=r"rita \(legal_reviewer\) may not override"):
        review(broad, "rita", override=True, override_reason="the platform is dedicated to it")
    assert load_proposal(engine, broad).state == "proposed"


def test_supervisor_override_needs_a_reason_and_is_audited(
    engine: Engine, ready_item: int, review: Review
) -> None:
    broad = make_proposal(engine, ready_item, target="domain")
    with pytest.raises(BadInput, match="--override-reason"):
        review(broad, "sam", override=True, override_reason="  ")
    decided = review(
        broad, "sam", override=True, override_reason="the whole domain serves only this campaign"
    )
    assert decided.state == "approved"
    assert decided.overridden == [
        {"code": "target_broader_than_content", "message": decided.overridden[0]["message"]}
    ]
    with session_scope(engine) as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "safeguards.override")
        ).one()
    assert event.actor == "sam" and event.object_id == str(broad)
    assert event.data["overridden"] == ["target_broader_than_content"]
    assert event.data["reason"] == "the whole domain serves only this campaign"


def test_override_without_findings_is_bad_input(proposal: int, review: Review) -> None:
    with pytest.raises(BadInput, match="no safeguard finding"):
        review(proposal, "sam", override=True, override_reason="just in case")


def test_attack_governmental_channel_with_dual_criminality_no(
    engine: Engine, staff: dict[str, str], review: Review
) -> None:
    """Peaceful separatist advocacy is not a crime in Germany: no note verbale may be
    approved. (A call to commit offences may be § 111 StGB since law21-reach, so the
    post is stated to urge none.)"""
    item_id = make_item(engine, "https://sep.example/a", conduct="separatism.propaganda")
    add_evidence(engine, item_id)
    peaceful = {"public": "true", "intent": "true", "counselling": "false"}
    gov = make_proposal(engine, item_id, channel="diplomatic_request", facts=peaceful)
    p = load_proposal(engine, gov)
    assert p.dual_criminality == "no"
    codes = {f["code"] for f in p.findings}
    assert "governmental_channel_without_dual_criminality" in codes
    with pytest.raises(Refused, match="governmental_channel_without_dual_criminality"):
        review(gov, "rita")
    referral = make_proposal(engine, item_id, channel="provider_referral", facts=peaceful)
    assert load_proposal(engine, referral).findings == []
    assert review(referral, "rita").state == "approved"


def test_missing_and_stale_evidence_block_approval(
    engine: Engine, staff: dict[str, str], review: Review
) -> None:
    bare = make_item(engine, "https://bare.example/x")
    first = make_proposal(engine, bare)
    with pytest.raises(Refused, match="evidence_missing"):
        review(first, "rita")
    add_evidence(engine, bare, at=utcnow() - days(40))
    with pytest.raises(Refused, match="evidence_stale"):
        review(first, "rita")
    add_evidence(engine, bare)  # captured again today: the safeguard is rechecked at review
    assert review(first, "rita").state == "approved"


def test_excluded_purpose_and_cdn_are_findings(engine: Engine, ready_item: int) -> None:
    journal = make_proposal(
        engine,
        ready_item,
        facts={"public": "true", "intent": "true", "purpose": "journalistic"},
        cdn="Cloudflare",
        shared_host_domains=250,
    )
    codes = [f["code"] for f in load_proposal(engine, journal).findings]
    assert {"excluded_purpose", "cdn_address", "shared_host"} <= set(codes)


def test_same_content_already_refused_for_this_host(
    engine: Engine, staff: dict[str, str], review: Review
) -> None:
    original = make_item(engine, "https://one.example/v")
    mirror = make_item(engine, "https://two.example/v")
    add_evidence(engine, original, sha="cd" * 32)
    add_evidence(engine, mirror, sha="cd" * 32)
    review(make_proposal(engine, original), "rita", approve=False, reason="not terrorist")
    again = make_proposal(engine, mirror)
    findings = load_proposal(engine, again).findings
    assert [f["code"] for f in findings] == ["refused_before"]
    assert f"item {original}" in findings[0]["message"]
    other_host = make_proposal(engine, mirror, host="FR")
    assert load_proposal(engine, other_host).findings == []


def test_rejection_moves_item_and_a_new_proposal_is_possible(
    engine: Engine, ready_item: int, proposal: int, review: Review
) -> None:
    review(proposal, "rita", approve=False, reason="facts not shown")
    assert _item_state(engine, ready_item) == "rejected"
    make_proposal(engine, ready_item, facts={"public": "true", "intent": "true"}, host="FR")
    assert _item_state(engine, ready_item) == "proposed"


def test_reason_and_note_are_required(engine: Engine, ready_item: int, review: Review) -> None:
    with pytest.raises(BadInput, match="proportionality note"):
        make_proposal(engine, ready_item, note=" ")
    pid = make_proposal(engine, ready_item)
    with pytest.raises(BadInput, match="--reason"):
        review(pid, "rita", reason="")


def test_several_conducts_need_an_explicit_choice(engine: Engine, staff: dict[str, str]) -> None:
    item_id = make_item(engine, "https://many.example/")
    make_item(engine, "https://many.example/", conduct="terrorism.recruitment")
    with pytest.raises(BadInput, match="several conducts"):
        make_proposal(engine, item_id)
    pid = make_proposal(engine, item_id, conduct="terrorism.recruitment")
    assert load_proposal(engine, pid).conduct == "terrorism.recruitment"


def test_withdrawn_item_proposals_cannot_be_approved(
    engine: Engine, ready_item: int, proposal: int, review: Review
) -> None:
    from comity.cases.groups import withdraw_item

    with session_scope(engine) as session:
        withdraw_item(session=session, item_id=ready_item, reason="duplicate", actor="alice")
    assert load_proposal(engine, proposal).state == "withdrawn"
    with pytest.raises(Refused, match="already withdrawn"):
        review(proposal, "rita")
    with pytest.raises(Refused, match="is withdrawn"):
        make_proposal(engine, ready_item)


def test_stale_approvals_expire(
    engine: Engine, ready_item: int, proposal: int, review: Review
) -> None:
    decided = review(proposal, "rita")
    assert decided.valid_until is not None
    with session_scope(engine) as session:
        assert expire_stale(session=session, now=decided.valid_until - days(1)) == []
    with session_scope(engine) as session:
        assert expire_stale(session=session, now=decided.valid_until) == [proposal]
    assert load_proposal(engine, proposal).state == "expired"
    assert _item_state(engine, ready_item) == "expired"
    assert _actions(engine, proposal)[-1] == "proposal.expire"
    with session_scope(engine) as session:
        assert expire_stale(session=session, now=decided.valid_until + days(5)) == []
