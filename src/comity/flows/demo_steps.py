"""The steps of `comity demo`, in order: each calls the same services as the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from comity.core.db import get_engine, session_scope
from comity.flows.demo_after import after_the_request
from comity.flows.demo_holds import deconfliction
from comity.flows.demo_reupload import reupload, reupload_document, reupload_video

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from comity.flows.demo import DemoContext

    Step = Callable[[DemoContext], None]

__all__ = ["DEMO_FACTS", "STEPS"]


def _users(ctx: DemoContext) -> None:
    from comity.flows.demo import DEMO_USERS
    from comity.users.service import add_user

    with session_scope() as session:
        for name, role, password in DEMO_USERS:
            add_user(
                session=session,
                name=name,
                role=role,
                password=password,
                actor=None if name == "ada" else "ada",
            )
    ctx.say(f"users: {', '.join(f'{n} ({r})' for n, r, _ in DEMO_USERS)}")


def _intake(ctx: DemoContext) -> None:
    from comity.demo.sites import reports_csv
    from comity.intake.service import import_file

    path = ctx.settings.home / "demo-reports.csv"
    path.write_text(reports_csv(), encoding="utf-8")
    result = import_file(
        engine=get_engine(), path=path, actor="alice", allow=ctx.settings.fetch_allow
    )
    ctx.facts["items"] = result.items_created
    ctx.say(
        f"intake: {result.rows} reports -> {result.items_created} items "
        f"({len(result.errors)} refused)"
    )


def _capture(ctx: DemoContext) -> None:
    from comity.evidence.fetch import Fetcher
    from comity.evidence.service import capture_items
    from comity.evidence.store import Store

    store = Store(ctx.settings.home)
    done = capture_items(
        engine=get_engine(),
        item_ids=[],
        everything=True,
        actor="alice",
        fetcher=Fetcher.from_settings(ctx.settings),
        store=store,
    )
    outcomes: dict[str, int] = {}
    for entry in done:
        key = f"{entry['outcome']} {entry['status'] or ''}".strip()
        outcomes[key] = outcomes.get(key, 0) + 1
    mirrored = sum(1 for e in done if e["mirrors"])
    ctx.say(
        "evidence: "
        + ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items()))
        + f"; {mirrored} items share content with another URL (mirrors)"
    )


def _attribute(ctx: DemoContext) -> None:
    from comity.core.db import read_session
    from comity.hosting.service import attribute_stored
    from comity.hosting.store import stale_item_ids

    with read_session() as session:
        ids = stale_item_ids(session, 0)
    rows = attribute_stored(engine=get_engine(), item_ids=ids, actor="alice")
    where: dict[str, int] = {}
    for row in rows:
        for country in (row.countries or "?").split(","):
            where[country] = where.get(country, 0) + 1
    summary = ", ".join(f"{c}: {n}" for c, n in sorted(where.items()))
    cdn = sum(1 for r in rows if r.cdn)
    platform = sum(1 for r in rows if r.platform)
    ctx.facts["attributed"] = [r.item_id for r in rows if r.countries]
    ctx.say(
        f"attribution: {len(rows)} items; hosting/CDN countries {summary}; "
        f"{cdn} behind a CDN, {platform} on a platform"
    )


# What the analyst established about each demo item's content, by conduct. Facts
# describe the content, not the law (ASSESSMENT.md); the engine decides per host.
DEMO_FACTS: dict[str, dict[str, object]] = {
    "terrorism.incitement": {"public": True, "intent": True, "danger": True},
    "terrorism.glorification": {
        "public": True,
        "intent": True,
        "danger": True,
        "counselling": True,
    },
    "terrorism.recruitment": {"public": True, "intent": True},
    "terrorism.instruction": {"public": True, "intent": True},
    "terrorism.financing": {"public": True, "intent": True, "knowledge_of_use": True},
    # The demo threat is made to force a decision of the authorities: the CIS-type
    # terrorism offences ask that purpose (law20-cisaim: KZ art. 255, RU art. 205).
    "terrorism.threat": {
        "public": True,
        "intent": True,
        "threatening": True,
        "terrorist_aim": True,
        "cis_terrorist_aim": True,
        "authorities_pressure_aim": True,
    },
    "hatred.incitement": {
        "public": True,
        "intent": True,
        "protected_ground": "religion",
        "public_peace": True,
        "violence": True,
    },
    "separatism.propaganda": {"public": True, "intent": True},
    "disinformation.false_information": {"public": True, "intent": True, "hoax_terrorism": True},
    "extremism.banned_organisation": {"public": True, "intent": True},
}


def _assess(ctx: DemoContext) -> None:
    from sqlalchemy import select

    from comity.intake.models import ItemConduct
    from comity.law.store import assess_item

    outcomes: dict[str, int] = {}
    for item_id in ctx.facts.get("attributed", []):
        with session_scope() as session:
            conduct = session.scalars(
                select(ItemConduct.conduct).where(ItemConduct.item_id == item_id)
            ).first()
            assert conduct is not None
            rows = assess_item(
                session=session, item_id=item_id, facts=DEMO_FACTS[conduct], actor="alice"
            )
            for row in rows:
                outcomes[row.outcome] = outcomes.get(row.outcome, 0) + 1
    ctx.say("assessment: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))


# The liaison office asked for the diplomatic route for these (host, conduct)
# pairs (None: any conduct): the analyst picks a note verbale there when the
# engine offers one. The demo then issues a note verbale from the Ministry of
# Foreign Affairs to the US Department of State beside a letter of request
# under the KZ-US treaty (and one to Türkiye once Turkish texts are reviewed).
_DIPLOMATIC = frozenset({("TR", None), ("US", "terrorism.financing")})


def _pick(assessments: list[Any]) -> tuple[Any, str] | None:
    """The analyst's choice: a jurisdiction where the host's law covers the conduct,
    and the engine's first-ranked channel there; else a terms-of-service referral.

    Content on a platform is referred to the platform first where the engine
    ranks that first for it: its own form (a portal referral) acts faster than
    an order, and a platform without a route is refused at build, by name."""
    for a in assessments:
        channels = [c["code"] for c in a.result.get("channels", [])]
        if a.role == "platform" and channels[:1] == ["provider_referral"]:
            return a, "provider_referral"
    for wanted in ("yes", "conditional", "no"):
        for a in assessments:
            channels = [c["code"] for c in a.result.get("channels", [])]
            if a.outcome == wanted and channels and channels[0] != "no_action":
                asked = {(a.host, None), (a.host, a.conduct)} & _DIPLOMATIC
                if asked and "diplomatic_request" in channels:
                    return a, "diplomatic_request"
                return a, channels[0]
    return None


def _propose(ctx: DemoContext) -> None:
    from comity.cases.service import propose
    from comity.core.errors import ComityError
    from comity.law.store import latest_assessments

    made, refused = [], 0
    for item_id in ctx.facts.get("attributed", []):
        with session_scope() as session:
            choice = _pick(latest_assessments(session, item_id))
        if choice is None:
            continue
        assessment, channel = choice
        try:
            with session_scope() as session:
                p = propose(
                    session=session,
                    item_id=item_id,
                    host=assessment.host,
                    role=assessment.role,
                    channel=channel,
                    actor="alice",
                    facts=assessment.facts,
                    note="Removal of this one URL only; the rest of the site is not targeted. "
                    "Content is live and public; no less intrusive measure reaches it.",
                )
                made.append((p.id, channel, p.findings))
        except ComityError:
            refused += 1
    ctx.facts["proposals"] = [pid for pid, _, _ in made]
    by_channel: dict[str, int] = {}
    for _, channel, _ in made:
        by_channel[channel] = by_channel.get(channel, 0) + 1
    flagged = sum(1 for _, _, f in made if f)
    ctx.say(
        f"proposals by alice: {len(made)} ("
        + ", ".join(f"{c} {n}" for c, n in sorted(by_channel.items()))
        + f"); {flagged} with safeguard findings; {refused} refused"
    )


def _established(session: Session, proposal_id: int) -> tuple[list[str], str]:
    """The demo's reviewer establishes a conditional assessment's missing facts from the
    captured page, and says so in the reason: a stock reason alone is refused."""
    from comity.cases.service import get_proposal, missing_facts

    missing = missing_facts(get_proposal(session=session, proposal_id=proposal_id))
    said = f" Established from the captured page: {', '.join(missing)}." if missing else ""
    return missing, said


def _override(proposal_id: int, why: str) -> int:
    """The supervisor approves a proposal held by safeguards, with a written reason (1 if done)."""
    from comity.cases.service import review
    from comity.core.errors import ComityError

    try:
        with session_scope() as session:
            missing, said = _established(session, proposal_id)
            review(
                session=session,
                proposal_id=proposal_id,
                approve=True,
                actor="sam",
                reason="Approved after supervisor review." + said,
                override=True,
                override_reason=why,
                established=missing,
            )
    except ComityError:
        return 0
    return 1


def _review(ctx: DemoContext) -> None:
    from comity.cases.service import review
    from comity.core.errors import ComityError

    approved, overridden, blocked = 0, 0, []
    for pid in ctx.facts.get("proposals", []):
        try:
            with session_scope() as session:
                missing, said = _established(session, pid)
                review(
                    session=session,
                    proposal_id=pid,
                    approve=True,
                    actor="rita",
                    reason="Dual criminality established; URL-level target; evidence sealed."
                    + said,
                    established=missing,
                )
            approved += 1
        except ComityError as exc:
            blocked.append((pid, exc.message))
    # One blocked proposal is decided by the supervisor, with a written reason (audited).
    for pid, _ in blocked[:1]:
        overridden += _override(
            pid,
            "The CDN forwards a URL-level notice to the origin host; "
            "no address or domain block is requested.",
        )
    # A referral to a platform's own form reaches the platform itself, not the CDN
    # in front of it: the supervisor approves it too, with that reason written down.
    from comity.cases.models import Proposal

    for pid, _ in blocked[1:]:
        with session_scope() as session:
            proposal = session.get_one(Proposal, pid)
            if (proposal.role, proposal.channel) != ("platform", "provider_referral"):
                continue
        overridden += _override(
            pid,
            "The referral goes to the platform itself, through its own government form; "
            "the CDN in front of it is asked nothing.",
        )
    ctx.say(
        f"review by rita (four eyes): {approved} approved; {len(blocked)} held by safeguards"
        + (f" ({blocked[0][1][:90]}…)" if blocked else "")
        + f"; {overridden} approved by supervisor sam with a written override"
    )


def _dossiers(ctx: DemoContext) -> None:
    from comity.dossiers.issue import issue
    from comity.dossiers.service import build_drafts

    with session_scope() as session:
        built = build_drafts(session=session, actor="leo")
        drafts = [d.id for d in built.created]
    issued = []
    for dossier_id in drafts:
        record = issue(engine=get_engine(), dossier_id=dossier_id, actor="leo")
        issued.append(record)
    ctx.facts["dossiers"] = [r.id for r in issued]
    ctx.say(
        f"dossiers by leo: {len(issued)} issued ("
        + ", ".join(f"{r.reference} {r.kind} to {r.host or r.addressee_key}" for r in issued)
        + f"); {len(built.refused)} proposals left out"
        + "".join(
            f" ({r['reason'][:110]}…)" for r in built.refused[:3] if "has no route" in r["reason"]
        )
    )


def _dispatch_and_answers(ctx: DemoContext) -> None:
    from datetime import timedelta

    from sqlalchemy import select

    from comity.dossiers.models import DossierEntry, DossierRecord
    from comity.intake.models import Item
    from comity.tracking.service import overdue, record_answer, record_dispatch

    today = ctx.settings_today()
    sent, answers = 0, dict[str, int]()
    removed: list[int] = []
    dossiers = ctx.facts.get("dossiers", [])
    for number, dossier_id in enumerate(dossiers, start=1):
        # The last dossier went out five weeks ago and nobody has answered: overdue.
        silent = number == len(dossiers)
        with session_scope() as session:
            record = session.get_one(DossierRecord, dossier_id)
            items = list(
                session.scalars(
                    select(DossierEntry.item_id).where(
                        DossierEntry.dossier_id == dossier_id, DossierEntry.status == "included"
                    )
                )
            )
            ref = record.reference or f"draft-{dossier_id}"
            record_dispatch(
                session=session,
                actor="leo",
                ref=ref,
                item_ids=items,
                channel=record.channel,
                host=record.host or "EU",
                addressee=record.addressee_key,
                sent_on=today - timedelta(days=35) if silent else today,
                note_number=f"14-2/{number:04d}" if record.kind == "note_verbale" else None,
                provider=record.addressee_key if record.kind.endswith("_referral") else None,
                # A portal referral is typed into the platform's form, which answers
                # with its own ticket number (a fictional one for the demo platform).
                ticket_number=f"DT-{number:06d}" if record.kind == "portal_referral" else None,
            )
        sent += 1
        # The hosts' answers, as the liaison officer records them.
        for position, item_id in enumerate([] if silent else items):
            decision, reason = (
                ("removed", None)
                if position == 0
                else ("refused", "protected_expression")
                if record.host == "US"
                else ("geo_blocked", None)
            )
            with session_scope() as session:
                record_answer(
                    session=session,
                    actor="leo",
                    ref=ref,
                    item_id=item_id,
                    decision=decision,
                    reason=reason,
                    on=today,
                    countries=("KZ",) if decision == "geo_blocked" else (),
                )
            answers[decision] = answers.get(decision, 0) + 1
            if decision == "removed":
                removed.append(item_id)
    # The hosts keep their word, but for the last one: it says "removed" and the
    # content stays up, which only the monitor finds out.
    with session_scope() as session:
        for item in session.scalars(select(Item).where(Item.id.in_(removed[:-1]))):
            ctx.net.take_down(item.host)
    with session_scope() as session:
        late = overdue(session=session)
    ctx.facts["overdue"] = len(late)
    ctx.say(
        f"dispatch by leo: {sent} dossiers sent; answers recorded: "
        + ", ".join(f"{k} {v}" for k, v in sorted(answers.items()))
        + f"; overdue now: {len(late)} (no answer within the channel's time limit)"
    )


def _monitor(ctx: DemoContext) -> None:
    from sqlalchemy import select

    from comity.intake.models import Item
    from comity.tracking.monitor import monitor_items
    from comity.tracking.runtime import hooks_from_settings

    ctx.net.move("mirror.demo-moving.test")  # the host moves one item to Russia
    hooks = hooks_from_settings(ctx.settings, engine=get_engine(), actor="alice")
    checks = monitor_items(engine=get_engine(), actor="alice", hooks=hooks, everything=True)
    verdicts: dict[str, int] = {}
    for check in checks:
        verdicts[check["verdict"]] = verdicts.get(check["verdict"], 0) + 1
    with session_scope() as session:
        verified = session.scalars(
            select(Item.id).where(Item.state == "verified").order_by(Item.id)
        ).all()
    ctx.facts["verified"] = list(verified)
    ctx.say(
        "monitor: "
        + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items()))
        + " (a CDN challenge page is not a removal); removal verified for items "
        + (", ".join(str(i) for i in verified) or "none")
    )


STEPS: tuple[tuple[str, Step], ...] = (  # the order of the story
    ("users", _users),
    ("intake", _intake),
    ("evidence", _capture),
    ("attribution", _attribute),
    ("assessment", _assess),
    ("proposals", _propose),
    ("review", _review),
    ("dossiers", _dossiers),
    ("dispatch and answers", _dispatch_and_answers),
    ("monitor", _monitor),
    ("after the request", after_the_request),
    ("re-upload", reupload),
    ("re-upload (video)", reupload_video),
    ("re-upload (document)", reupload_document),
    ("deconfliction", deconfliction),
)
