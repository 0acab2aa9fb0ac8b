"""A small world built through the services: 12 reports, 10 requests in 3 dossiers, answers.

Items 1-10 go the whole way (proposal, four-eyes approval, dossier, dispatch);
item 11 is captured then withdrawn; item 12 is proposed without evidence and
rejected at review. Item 10 has no evidence either: a supervisor approves it
over the safeguard finding (an override).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from comity.cases import service as cases
from comity.cases.states import transition
from comity.core.db import session_scope, utcnow
from comity.evidence.models import Evidence
from comity.intake.models import Item
from comity.intake.service import add_report
from comity.tracking import service as tracking
from comity.tracking.models import MonitorState, TrackedRequest

GOOD_FACTS = {"public": "true", "intent": "true"}
CONDUCTS = (
    ["terrorism.incitement"] * 7 + ["terrorism.financing"] * 3 + ["terrorism.recruitment"] * 2
)


@dataclass
class World:
    item_ids: list[int]
    urls: list[str]
    refs: list[str]
    sent_on: date
    today: date


def _capture(session: object, item_id: int, url: str) -> None:
    session.add(  # type: ignore[attr-defined]
        Evidence(
            item_id=item_id,
            captured_at=utcnow(),
            requested_url=url,
            outcome="ok",
            headers=[],
            content_sha256=hashlib.sha256(url.encode()).hexdigest(),
            captured_by="alice",
        )
    )


def build_world(engine: Engine) -> World:
    today = utcnow().date()
    sent_on = today - timedelta(days=20)
    urls = [f"https://propaganda-{n}.example/channel/post-{n}?id=secret{n}" for n in range(1, 13)]
    ids: list[int] = []
    with session_scope(engine) as s:
        for url, conduct in zip(urls, CONDUCTS, strict=True):
            item, _, _ = add_report(
                session=s,
                url=url,
                conduct=conduct,
                actor="alice",
                note="seen by a victim's relative, Mr Example",
            )
            ids.append(item.id)
        for item_id, url in zip(ids[:9], urls[:9], strict=True):  # 10 and 12: no evidence
            _capture(s, item_id, url)
    with session_scope(engine) as s:
        for item_id in [*ids[:10], ids[11]]:
            proposal = cases.propose(
                session=s,
                item_id=item_id,
                host="DE",
                channel="provider_referral",
                actor="alice",
                note="one URL, narrow",
                facts=GOOD_FACTS,
            )
            s.flush()
            if item_id == ids[11]:
                cases.review(
                    session=s,
                    proposal_id=proposal.id,
                    approve=False,
                    reason="no capture",
                    actor="rita",
                )
            elif item_id == ids[9]:
                cases.review(
                    session=s,
                    proposal_id=proposal.id,
                    approve=True,
                    reason="urgent",
                    established=cases.missing_facts(proposal),
                    actor="sam",
                    override=True,
                    override_reason="capture impossible, page behind login",
                )
            else:
                cases.review(
                    session=s,
                    proposal_id=proposal.id,
                    approve=True,
                    reason="lawful and narrow",
                    established=cases.missing_facts(proposal),
                    actor="rita",
                )
        for item_id in ids[:10]:
            transition(session=s, item=s.get_one(Item, item_id), to="in_dossier", actor="leo")
        transition(session=s, item=s.get_one(Item, ids[10]), to="captured", actor="alice")
        transition(
            session=s,
            item=s.get_one(Item, ids[10]),
            to="withdrawn",
            actor="sam",
            reason="duplicate of another report",
        )
    refs = ["KZ-CTC-2099-0001", "KZ-CTC-2099-0002", "KZ-CTC-2099-0003"]
    plan = [
        (refs[0], ids[0:6], "provider_referral", "DE", "Hostinger Abuse Desk Gmbh"),
        (refs[1], ids[6:9], "diplomatic_request", "US", "Embassy of Nowhere-Land"),
        (refs[2], ids[9:10], "mla_request", "NL", "Central Authority Person Name"),
    ]
    with session_scope(engine) as s:
        for ref, items, channel, host, addressee in plan:
            tracking.record_dispatch(
                session=s,
                actor="leo",
                ref=ref,
                item_ids=items,
                channel=channel,
                host=host,
                addressee=addressee,
                sent_on=sent_on,
                note_number=f"NOTE-{ref}",
            )
    with session_scope(engine) as s:
        for item_id, after in zip(ids[0:4], (4, 6, 10, 20), strict=True):
            tracking.record_answer(
                session=s,
                actor="leo",
                ref=refs[0],
                item_id=item_id,
                decision="removed",
                on=sent_on + timedelta(days=after),
                answer_ref=f"ANSWER-{item_id}-XYZ",
            )
        tracking.record_answer(
            session=s,
            actor="leo",
            ref=refs[0],
            item_id=ids[4],
            decision="refused",
            reason="protected_expression",
            on=sent_on,
        )
        for item_id in ids[6:8]:
            tracking.record_answer(
                session=s,
                actor="leo",
                ref=refs[1],
                item_id=item_id,
                decision="refused",
                reason="no_offence_under_host_law",
                on=sent_on + timedelta(days=3),
            )
        tracking.record_answer(
            session=s,
            actor="leo",
            ref=refs[1],
            item_id=ids[8],
            decision="geo_blocked",
            countries=["KZ"],
            on=sent_on,
        )
    now = utcnow()
    with session_scope(engine) as s:
        removed_at = datetime.combine(sent_on + timedelta(days=8), datetime.min.time(), now.tzinfo)
        for request in s.query(TrackedRequest).all():
            request.due_at = now - timedelta(days=1)
            if request.item_id == ids[9]:
                request.removed_at = removed_at  # seen gone by the monitor
        for item_id, verdict in ((ids[5], "up"), (ids[9], "removed")):
            s.add(
                MonitorState(
                    item_id=item_id,
                    verdict=verdict,
                    checked_at=now,
                    since=now,
                    next_due_at=now + timedelta(days=1),
                    last_check_id=0,
                )
            )
        for item_id in ids[0:2]:
            transition(session=s, item=s.get_one(Item, item_id), to="verified", actor="leo")
        transition(session=s, item=s.get_one(Item, ids[0]), to="closed", actor="leo")
    return World(item_ids=ids, urls=urls, refs=refs, sent_on=sent_on, today=today)


@pytest.fixture
def world(engine: Engine, staff: dict[str, str]) -> World:
    return build_world(engine)
