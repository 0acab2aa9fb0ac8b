"""Complaints about a request: received, reviewed by someone other than the approver,
upheld (the item is withdrawn and a notice to the addressee drafted) or rejected."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from comity.complaints import deadlines, service
from comity.core.audit import AuditEvent, verify_chain
from comity.core.db import read_session, session_scope
from comity.core.errors import BadInput, Refused
from comity.intake.models import Item
from tests.reports.conftest import World


def _receive(engine: Engine, world: World, item: int, **extra: object) -> int:
    with session_scope(engine) as s:
        complaint = service.receive(
            session=s,
            actor="leo",
            item_id=item,
            complainant_role="uploader",
            complainant="Channel owner (e-mail via the host)",
            route="host_forwarded",
            received_on=world.sent_on + timedelta(days=5),
            grounds="The post is news reporting, not glorification.",
            **extra,  # type: ignore[arg-type]
        )
        return complaint.id


def test_a_complaint_upheld_withdraws_the_request_and_drafts_a_notice(
    engine: Engine, world: World
) -> None:
    item = world.item_ids[1]  # verified removal, approved by rita
    cid = _receive(engine, world, item)
    with session_scope(engine) as s:
        service.start_review(session=s, actor="sam", complaint_id=cid)
        service.decide(
            session=s, actor="sam", complaint_id=cid, outcome="upheld", reason="News report."
        )
    with read_session(engine) as s:
        found = service.complaint_dict(s, service.get_complaint(session=s, complaint_id=cid))
        assert s.get_one(Item, item).state == "withdrawn"
        actions = list(
            s.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.object_type == "item", AuditEvent.object_id == str(item))
                .order_by(AuditEvent.seq)
            )
        )
    assert found["state"] == "upheld" and found["reviewer"] == "sam"
    assert found["dossier"] == world.refs[0]
    assert (
        found["decision_due_on"]
        == (world.sent_on + timedelta(days=5 + deadlines.steps()["decision"].days)).isoformat()
    )
    notice = found["addressee_notice"]
    assert notice.startswith("To: Hostinger Abuse Desk Gmbh\n")
    assert f"we withdraw our request {world.refs[0]}" in notice and world.urls[1] in notice
    assert found["next"]["step"] == "tell_addressee"
    assert actions[-4:] == [
        "complaint.received",
        "complaint.review",
        "item.state",
        "complaint.upheld",
    ]
    with session_scope(engine) as s:
        service.tell_addressee(session=s, actor="leo", complaint_id=cid)
    with read_session(engine) as s:
        again = service.complaint_dict(s, service.get_complaint(session=s, complaint_id=cid))
        assert verify_chain(session=s).ok
    assert again["addressee_told_on"] and again["next"]["step"] is None


def test_a_complaint_rejected_keeps_the_request_and_its_reasons(
    engine: Engine, world: World
) -> None:
    item = world.item_ids[2]
    cid = _receive(engine, world, item)
    with session_scope(engine) as s:
        service.decide(
            session=s,
            actor="sam",
            complaint_id=cid,
            outcome="rejected",
            reason="The post praises the attack and calls for more.",
        )
    with read_session(engine) as s:
        found = service.complaint_dict(s, service.get_complaint(session=s, complaint_id=cid))
        assert s.get_one(Item, item).state == "answered"
    assert found["state"] == "rejected" and found["addressee_notice"] is None
    assert found["decision_reason"] == "The post praises the attack and calls for more."
    with pytest.raises(Refused, match="already rejected"), session_scope(engine) as s:
        service.decide(session=s, actor="sam", complaint_id=cid, outcome="upheld", reason="x")
    with pytest.raises(Refused, match="only an upheld"), session_scope(engine) as s:
        service.tell_addressee(session=s, actor="leo", complaint_id=cid)


def test_a_complaint_about_an_item_never_requested_is_refused(engine: Engine, world: World) -> None:
    for item in (world.item_ids[10], world.item_ids[11]):  # withdrawn; rejected at review
        with pytest.raises(Refused, match=f"item {item} was never requested"):
            _receive(engine, world, item)
    with pytest.raises(Refused, match="is not in dossier KZ-CTC-2099-0002"):
        _receive(engine, world, world.item_ids[0], ref=world.refs[1])
    with read_session(engine) as s:
        assert service.list_complaints(session=s) == []


def test_the_original_approver_cannot_review_the_complaint(engine: Engine, world: World) -> None:
    cid = _receive(engine, world, world.item_ids[3])
    for step in ("start", "decide"):
        with (
            pytest.raises(Refused, match="rita approved the request") as caught,
            session_scope(engine) as s,
        ):
            if step == "start":
                service.start_review(session=s, actor="rita", complaint_id=cid)
            else:
                service.decide(
                    session=s, actor="rita", complaint_id=cid, outcome="rejected", reason="x"
                )
        assert "reviewed by another legal reviewer" in caught.value.message
    with read_session(engine) as s:
        assert service.get_complaint(session=s, complaint_id=cid).state == "received"


def test_only_a_reviewer_decides_and_only_a_liaison_records(engine: Engine, world: World) -> None:
    with (
        pytest.raises(Refused, match=r"alice \(analyst\) may not track"),
        session_scope(engine) as s,
    ):
        service.receive(
            session=s,
            actor="alice",
            item_id=world.item_ids[3],
            complainant_role="uploader",
            complainant="x",
            route="email",
            received_on=world.today,
            grounds="x",
        )
    cid = _receive(engine, world, world.item_ids[3])
    with (
        pytest.raises(Refused, match=r"leo \(liaison\) may not review"),
        session_scope(engine) as s,
    ):
        service.decide(session=s, actor="leo", complaint_id=cid, outcome="upheld", reason="x")


@pytest.mark.parametrize(
    ("field", "change", "message"),
    [
        ("route", {"route": "pigeon"}, "--route: 'pigeon' is not valid"),
        ("role", {"complainant_role": "neighbour"}, "--from-role: 'neighbour' is not valid"),
        ("grounds", {"grounds": "  "}, "--grounds: required"),
    ],
)
def test_bad_complaints_name_the_field(
    engine: Engine, world: World, field: str, change: dict[str, str], message: str
) -> None:
    base = {
        "complainant_role": "uploader",
        "complainant": "x",
        "route": "email",
        "received_on": world.today,
        "grounds": "x",
    }
    with pytest.raises(BadInput, match=message), session_scope(engine) as s:
        service.receive(session=s, actor="leo", item_id=world.item_ids[3], **{**base, **change})  # type: ignore[arg-type]


def test_a_decision_without_reasons_is_refused(engine: Engine, world: World) -> None:
    cid = _receive(engine, world, world.item_ids[3])
    with pytest.raises(BadInput, match="--reason: required"), session_scope(engine) as s:
        service.decide(session=s, actor="sam", complaint_id=cid, outcome="rejected", reason=" ")


def test_the_deadline_file_is_read_strictly(tmp_path: object) -> None:
    from pathlib import Path

    bad = Path(str(tmp_path)) / "deadlines.yaml"
    bad.write_text(
        "steps:\n  decision:\n    days: 30\n    counts_from: received\n    basis: law\n"
        "    source: null\n    text: null\n    confidence: low\n    note: null\n"
        "  tell_addressee: {days: 2, counts_from: decided, basis: policy, source: null, "
        "text: null, confidence: low, note: null}\n"
    )
    with pytest.raises(BadInput, match=r"steps\.decision: a time limit in law cites its source"):
        deadlines.load(bad)
    bad.write_text("steps:\n  appeal: {days: 1}\n")
    with pytest.raises(BadInput, match=r"steps\.appeal: unknown step"):
        deadlines.load(bad)


def test_the_transparency_report_counts_complaints_under_disclosure_control(
    engine: Engine, world: World
) -> None:
    from comity.reports import transparency

    cid = _receive(engine, world, world.item_ids[2])
    with session_scope(engine) as s:
        service.decide(session=s, actor="sam", complaint_id=cid, outcome="rejected", reason="x")
    with read_session(engine) as s:
        doc = transparency.document(session=s, period_from=world.sent_on, period_to=world.today)
        html = transparency.render(
            session=s, period_from=world.sent_on, period_to=world.today, fmt="html"
        ).decode()
    # one complaint: published as "<5", never as the count itself
    assert doc["complaints"] == {
        "received": "<5",
        "reviewed": "<5",
        "upheld": 0,
        "rejected": "<5",
        "pending": 0,
        "reinstated": 0,
    }
    assert "Complaints against requests and reinstatements" in html
