"""The demo's last step, after the request (issue 18): a reinstated item, a complaint
upheld and one rejected, a notice to the content provider, a legal hold and a
retention run.

The retention run is made "as of" a year and a month from today (the demo's
data is minutes old, and nothing would be due today): it says so.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from comity.core.db import get_engine, session_scope

if TYPE_CHECKING:
    from comity.flows.demo import DemoContext

__all__ = ["after_the_request"]


def _reinstate(ctx: DemoContext) -> list[int]:
    """The host of the first verified item puts it back; the monitor sees it online again."""
    from comity.intake.models import Item
    from comity.tracking.monitor import monitor_items
    from comity.tracking.runtime import hooks_from_settings

    verified = ctx.facts.get("verified", [])
    if not verified:
        return []
    with session_scope() as session:
        host = session.get_one(Item, verified[0]).host
    ctx.net.put_back(host)
    hooks = hooks_from_settings(ctx.settings, engine=get_engine(), actor="alice")
    monitor_items(engine=get_engine(), actor="alice", hooks=hooks, item_ids=verified)
    with session_scope() as session:
        back = session.scalars(
            select(Item.id).where(Item.id.in_(verified), Item.state == "reinstated")
        ).all()
    return list(back)


def _by_rita(exclude: list[int]) -> list[tuple[int, str | None]]:
    """Requested items approved by rita (so sam may review a complaint), with their state."""
    from comity.cases.models import Proposal
    from comity.intake.models import Item
    from comity.tracking.models import TrackedRequest

    with session_scope() as session:
        rows = session.execute(
            select(Item.id, TrackedRequest.decision)
            .join(TrackedRequest, TrackedRequest.item_id == Item.id)
            .join(Proposal, Proposal.item_id == Item.id)
            .where(Proposal.state == "approved", Proposal.decided_by == "rita")
            .where(Item.id.not_in(exclude))
            .order_by(Item.id)
        ).all()
    return [(i, d) for i, d in rows]


def _complaints(ctx: DemoContext, reinstated: list[int]) -> list[int]:
    from comity.complaints import service
    from comity.core.errors import Refused

    today = ctx.settings_today()
    items = _by_rita(reinstated)
    removed = [i for i, d in items if d == "removed"] or [i for i, _ in items]
    other = [i for i, d in items if d != "removed" and i not in removed[:1]]
    if not removed or not other:
        ctx.say("complaints: not enough requested items approved by rita for the story")
        return []
    made = []
    for item_id, role, route, grounds in (
        (removed[0], "uploader", "host_forwarded", "The video is a news report on the attack."),
        (other[0], "content_provider", "email", "The channel is satire; nobody is incited."),
    ):
        with session_scope() as session:
            made.append(
                service.receive(
                    session=session,
                    actor="leo",
                    item_id=item_id,
                    complainant_role=role,
                    complainant=f"{role.replace('_', ' ')} of item {item_id} (demo)",
                    route=route,
                    received_on=today,
                    grounds=grounds,
                ).id
            )
    refused = ""
    try:
        with session_scope() as session:
            service.start_review(session=session, actor="rita", complaint_id=made[0])
    except Refused as exc:
        refused = exc.message
    with session_scope() as session:
        service.start_review(session=session, actor="sam", complaint_id=made[0])
        service.decide(
            session=session,
            actor="sam",
            complaint_id=made[0],
            outcome="upheld",
            reason="Reporting on the attack, with no call to repeat it: not incitement.",
        )
    with session_scope() as session:
        service.tell_addressee(session=session, actor="leo", complaint_id=made[0])
        service.decide(
            session=session,
            actor="sam",
            complaint_id=made[1],
            outcome="rejected",
            reason="The channel praises the attackers and calls for more; no satire is shown.",
        )
    ctx.say(
        f"complaints: {made[0]} about item {removed[0]} upheld by sam (request withdrawn, "
        f"addressee told); rita was refused the review ({refused}); "
        f"{made[1]} about item {other[0]} rejected with reasons"
    )
    return [removed[0], other[0]]


def _retention(ctx: DemoContext, upheld_item: int) -> None:
    from comity.cases.groups import withdraw_item
    from comity.complaints import notices, retention
    from comity.evidence.models import Evidence
    from comity.intake.models import Item
    from comity.tracking.models import TrackedRequest

    today = ctx.settings_today()
    with session_scope() as session:
        requested = select(TrackedRequest.item_id)
        spare = session.scalars(
            select(Item.id)
            .join(Evidence, Evidence.item_id == Item.id)
            .where(Item.id.not_in(requested), Item.state.not_in(("withdrawn", "closed")))
            .where(Evidence.warc_path.is_not(None))
            .order_by(Item.id.desc())
            .limit(1)
        ).first()
        if spare is not None:
            withdraw_item(
                session=session,
                item_id=spare,
                actor="alice",
                reason="The report was a duplicate of an earlier one.",
            )
        first_removed = session.scalars(
            select(TrackedRequest.item_id).where(TrackedRequest.decision == "removed").limit(1)
        ).first()
        if first_removed is not None:
            notices.record_informed(
                session=session, actor="leo", item_id=first_removed, on=today, by="host"
            )
        retention.place_hold(
            session=session,
            actor="sam",
            item_id=upheld_item,
            reason="The complainant may take the case to court: keep everything.",
        )
    later = today + timedelta(days=400)
    dry = retention.run(engine=get_engine(), actor="sam", dry_run=True, today=later)
    done = retention.run(engine=get_engine(), actor="sam", dry_run=False, today=later)
    ctx.facts["retention"] = done
    ctx.say(
        f"retention run by sam as of {later} (dry run first: {dry['evidence_files']} evidence "
        f"files, {dry['reports_anonymised']} reports): deleted {done['evidence_files']} evidence "
        f"and {done['screenshots']} screenshot files, anonymised {done['reports_anonymised']} "
        f"reports of items {done['items']}, hashes kept; held: items {done['held_items']} "
        "(legal hold)"
    )


def after_the_request(ctx: DemoContext) -> None:
    reinstated = _reinstate(ctx)
    ctx.facts["reinstated"] = reinstated
    ctx.say(
        "reinstatement: the host put item "
        + (", ".join(str(i) for i in reinstated) or "none")
        + " back online; the monitor marks it reinstated and the case reopens"
    )
    decided = _complaints(ctx, reinstated)
    ctx.facts["complaints"] = decided
    if decided:
        _retention(ctx, decided[0])
