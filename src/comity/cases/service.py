"""Proposals and four-eyes review.

Rules (issue 5): the proposer never decides their own proposal; only a legal
reviewer or a supervisor decides; any safeguard finding blocks approval unless
a supervisor overrides it with a written reason; two concurrent decisions on
one proposal yield exactly one (a conditional UPDATE ... WHERE state =
'proposed' whose row count is checked); approvals not acted on expire after
`approval_valid_days` (`comity.cases.expiry`).

Lock order, to keep PostgreSQL free of deadlocks: proposal row, item row, then
the audit head (every `audit.record` comes after the row updates it records).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from comity.cases import states
from comity.cases.context import holds_covering, hosting_facts, latest_evidence, prior_refusals
from comity.cases.models import Proposal
from comity.cases.safeguards import TARGETS, Context, Finding, check_all
from comity.core import audit
from comity.core.db import utcnow
from comity.core.errors import BadInput, NotFound, Refused
from comity.core.settings import get_settings
from comity.intake.models import Item, ItemConduct
from comity.intake.service import get_item
from comity.users.service import require

__all__ = [
    "current_findings",
    "get_proposal",
    "missing_facts",
    "proposal_digest",
    "proposal_state",
    "propose",
    "review",
]


def _text(value: str | None, field: str) -> str:
    if value is None or not value.strip():
        raise BadInput(f"{field}: required, and must not be blank")
    return value.strip()


def proposal_state(p: Proposal) -> dict[str, Any]:
    """The JSON form of a proposal (without the full assessment, see `assessment`)."""
    return {
        "id": p.id,
        "item_id": p.item_id,
        "host": p.host,
        "role": p.role,
        "channel": p.channel,
        "conduct": p.conduct,
        "facts": p.facts,
        "target": p.target,
        "note": p.note,
        "dual_criminality": p.dual_criminality,
        "kb_version": p.kb_version,
        "findings": p.findings,
        "hosting": p.hosting,
        "content_sha256": p.content_sha256,
        "state": p.state,
        "proposed_by": p.proposed_by,
        "proposed_at": p.proposed_at,
        "decided_by": p.decided_by,
        "decided_at": p.decided_at,
        "decision_reason": p.decision_reason,
        "override_reason": p.override_reason,
        "overridden": p.overridden,
        "valid_until": p.valid_until,
    }


def proposal_digest(p: Proposal) -> dict[str, Any]:
    return {
        k: v.isoformat() if isinstance(v, datetime) else v for k, v in proposal_state(p).items()
    }


def get_proposal(*, session: Session, proposal_id: int) -> Proposal:
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(f"proposal {proposal_id} does not exist")
    return proposal


def _conduct_for(session: Session, item: Item, conduct: str | None) -> str:
    if conduct:
        return conduct
    codes = list(
        session.scalars(
            select(ItemConduct.conduct)
            .where(ItemConduct.item_id == item.id)
            .order_by(ItemConduct.conduct)
        )
    )
    if len(codes) == 1:
        return codes[0]
    raise BadInput(
        f"--conduct: item {item.id} was reported with "
        + (f"several conducts ({', '.join(codes)}): choose one" if codes else "no conduct")
    )


def _governmental(channel: str) -> bool | None:
    from comity.law.kb.loader import load_kb

    spec = load_kb().vocabulary.channels.get(channel)
    return None if spec is None else spec.governmental


def _context(
    session: Session, proposal: Proposal, item: Item, now: datetime
) -> tuple[Context, str | None]:
    evidence = latest_evidence(session=session, item_id=item.id)
    stored = proposal.hosting or {}
    hosting = hosting_facts(
        session=session,
        item=item,
        cdn=stored.get("cdn"),
        shared_host_domains=stored.get("shared_host_domains"),
    )
    sha = proposal.content_sha256 or (evidence[1] if evidence else None)
    offered = tuple(c["code"] for c in proposal.assessment.get("channels", ()))
    ctx = Context(
        now=now,
        target=proposal.target,
        channel=proposal.channel,
        governmental=_governmental(proposal.channel),
        channels_offered=offered,
        dual_criminality=proposal.dual_criminality,
        purpose=proposal.facts.get("purpose"),
        cdn=hosting.cdn,
        shared_host_domains=hosting.shared_host_domains,
        evidence_captured_at=evidence[0] if evidence else None,
        evidence_max_age_days=get_settings().evidence_max_age_days,
        host=proposal.host,
        prior_refusals=tuple(
            prior_refusals(
                session=session, content_sha256=sha, host=proposal.host, exclude=proposal.id
            )
        ),
        holds=tuple(holds_covering(session=session, item=item)),
    )
    return ctx, sha


def current_findings(*, session: Session, proposal: Proposal, now: datetime) -> list[Finding]:
    """The safeguard findings for `proposal` as things stand at `now`."""
    item = get_item(session=session, item_id=proposal.item_id)
    return check_all(_context(session, proposal, item, now)[0])


def propose(
    *,
    session: Session,
    item_id: int,
    host: str,
    channel: str,
    note: str | None,
    actor: str | None,
    conduct: str | None = None,
    facts: Mapping[str, Any] | None = None,
    target: str = "url",
    role: str = "hosting",
    cdn: str | None = None,
    shared_host_domains: int | None = None,
    now: datetime | None = None,
    org: str | None = None,
) -> Proposal:
    """Assess the item for `host` and record a proposal for review (audited).

    `org`, when given, becomes the item's organisation (audited); the engine
    then takes the designation facts from the register for it."""
    from comity.law.engine import assess
    from comity.law.kb.loader import load_kb

    user = require(session=session, actor=actor, action="propose")
    item = get_item(session=session, item_id=item_id)
    if item.state in states.TERMINAL:
        raise Refused(f"item {item.id} is {item.state}: nothing can be proposed for it")
    note = _text(note, "--note (the proportionality note)")
    if target not in TARGETS:
        raise BadInput(f"--target: '{target}' is not valid; valid: {', '.join(TARGETS)}")
    kb = load_kb()
    if channel not in kb.vocabulary.channels:
        raise BadInput(
            f"--channel: '{channel}' is unknown; valid: {', '.join(kb.vocabulary.channels)}"
        )
    now = now or utcnow()
    code = _conduct_for(session, item, conduct)
    if org:
        from comity.intake.orgs import set_item_org

        set_item_org(session=session, item=item, org=org, actor=user.name, action="propose")
    result = assess(
        kb=kb,
        conduct=code,
        facts=dict(facts or {}),
        host=host,
        requesting=get_settings().requesting_state,
        on=now.date(),
        priority=item.priority,
        role=role,
        org=item.org_id,
    )
    assessment = result.to_json()
    evidence = latest_evidence(session=session, item_id=item.id)
    explicit = {"cdn": cdn, "shared_host_domains": shared_host_domains}
    proposal = Proposal(
        item_id=item.id,
        host=result.host,
        role=result.role,
        channel=channel,
        conduct=code,
        facts=assessment["facts"],
        target=target,
        note=note,
        dual_criminality=result.dual_criminality,
        assessment=assessment,
        kb_version=result.kb_version,
        findings=[],
        hosting=explicit if any(v is not None for v in explicit.values()) else None,
        content_sha256=evidence[1] if evidence else None,
        state="proposed",
        proposed_by=user.name,
        proposed_at=now,
    )
    session.add(proposal)
    session.flush()
    proposal.findings = [f.to_json() for f in check_all(_context(session, proposal, item, now)[0])]
    states.advance(session=session, item=item, to="assessed", actor=user.name)
    states.advance(session=session, item=item, to="proposed", actor=user.name)
    session.flush()
    audit.record(
        session=session,
        actor=user.name,
        action="proposal.create",
        object_type="proposal",
        object_id=proposal.id,
        state=proposal_digest(proposal),
        data={
            "item_id": item.id,
            "host": proposal.host,
            "channel": channel,
            "dual_criminality": proposal.dual_criminality,
            "kb_version": proposal.kb_version,
            "org": item.org_id,
            "findings": [f["code"] for f in proposal.findings],
        },
    )
    return proposal


def _check_decision(
    session: Session,
    proposal: Proposal,
    *,
    approve: bool,
    reviewer: str,
    override: bool,
    override_reason: str | None,
    actor: str,
    now: datetime,
) -> tuple[list[Finding], str | None]:
    """Refuse a decision the rules forbid; return (overridden findings, override reason)."""
    if proposal.state != "proposed":
        by = f" by {proposal.decided_by}" if proposal.decided_by else ""
        raise Refused(f"proposal {proposal.id} is already {proposal.state}{by}")
    if proposal.proposed_by == reviewer:
        raise Refused(
            f"four eyes: {reviewer} proposed {proposal.id} and may not decide it; "
            "another legal reviewer or a supervisor must"
        )
    item = get_item(session=session, item_id=proposal.item_id)
    if item.state in states.TERMINAL:
        raise Refused(f"item {item.id} is {item.state}: its proposals cannot be decided")
    if not approve:
        if override:
            raise BadInput("--override-safeguards: applies to --approve only")
        return [], None
    findings = current_findings(session=session, proposal=proposal, now=now)
    if not override:
        if findings:
            listed = "; ".join(f"{f.code}: {f.message}" for f in findings)
            raise Refused(
                f"proposal {proposal.id} cannot be approved: {listed}. A supervisor may "
                "override with --override-safeguards --override-reason TEXT"
            )
        return [], None
    require(session=session, actor=actor, action="override")
    reason = _text(override_reason, "--override-reason")
    if not findings:
        raise BadInput("--override-safeguards: there is no safeguard finding to override")
    return findings, reason


def missing_facts(proposal: Proposal) -> list[str]:
    """The facts a `conditional` assessment left open (none for any other outcome)."""
    if proposal.dual_criminality != "conditional":
        return []
    return [str(f) for f in (proposal.assessment or {}).get("missing_facts") or []]


def _established(proposal: Proposal, established: Sequence[str]) -> list[str]:
    missing = missing_facts(proposal)
    named = sorted({f.strip() for f in established if f.strip()})
    if not missing:
        if named:
            raise BadInput(
                f"established: proposal {proposal.id} has no missing fact to establish",
                field="established",
            )
        return []
    if not named:
        raise BadInput(
            f"established: dual criminality for proposal {proposal.id} is conditional on "
            f"{', '.join(missing)}: name the missing facts you established (--established FACT)",
            field="established",
        )
    unknown = [f for f in named if f not in missing]
    if unknown:
        raise BadInput(
            f"established: {', '.join(unknown)} is not a missing fact of proposal "
            f"{proposal.id} (missing: {', '.join(missing)})",
            field="established",
        )
    return named


def review(
    *,
    session: Session,
    proposal_id: int,
    approve: bool,
    reason: str | None,
    actor: str | None,
    override: bool = False,
    override_reason: str | None = None,
    established: Sequence[str] = (),
    now: datetime | None = None,
) -> Proposal:
    """Approve or reject a proposal: exactly one decision ever lands (audited).

    Approving a proposal whose dual criminality is `conditional` names, in
    `established`, the missing facts the reviewer established (recorded in the
    audit event): a stock reason alone does not say the condition was met.
    """
    user = require(session=session, actor=actor, action="review")
    proposal = get_proposal(session=session, proposal_id=proposal_id)
    reason = _text(reason, "--reason")
    now = now or utcnow()
    overridden, why = _check_decision(
        session,
        proposal,
        approve=approve,
        reviewer=user.name,
        override=override,
        override_reason=override_reason,
        actor=user.name,
        now=now,
    )
    confirmed = _established(proposal, established) if approve else []
    decided = "approved" if approve else "rejected"
    valid_until = now + timedelta(days=get_settings().approval_valid_days) if approve else None
    values: dict[str, Any] = {
        "state": decided,
        "decided_by": user.name,
        "decided_at": now,
        "decision_reason": reason,
        "override_reason": why,
        "overridden": [f.to_json() for f in overridden] or None,
        "valid_until": valid_until,
    }
    # The guard against concurrent decisions: only a row still 'proposed' changes.
    landed = states.rows_changed(
        session.execute(
            update(Proposal)
            .where(Proposal.id == proposal.id, Proposal.state == "proposed")
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    )
    if landed != 1:
        raise Refused(f"proposal {proposal.id} was decided by someone else meanwhile")
    for key, value in values.items():
        setattr(proposal, key, value)
    item = get_item(session=session, item_id=proposal.item_id)
    _move_item_after_decision(session, item, proposal, user.name)
    audit.record(
        session=session,
        actor=user.name,
        action=f"proposal.{'approve' if approve else 'reject'}",
        object_type="proposal",
        object_id=proposal.id,
        state=proposal_digest(proposal),
        data={"item_id": proposal.item_id, "reason": reason, "valid_until": valid_until}
        | ({"established": confirmed} if confirmed else {}),
    )
    if overridden:
        audit.record(
            session=session,
            actor=user.name,
            action="safeguards.override",
            object_type="proposal",
            object_id=proposal.id,
            state=proposal_digest(proposal),
            data={"reason": why, "overridden": [f.code for f in overridden]},
        )
    return proposal


def _move_item_after_decision(session: Session, item: Item, proposal: Proposal, actor: str) -> None:
    if proposal.state == "approved":
        states.advance(session=session, item=item, to="approved", actor=actor)
        return
    pending = session.scalar(
        select(Proposal.id).where(
            Proposal.item_id == item.id, Proposal.state == "proposed", Proposal.id != proposal.id
        )
    )
    # Another proposal still waiting keeps the item 'proposed'.
    if pending is None and item.state == "proposed":
        states.transition(
            session=session, item=item, to="rejected", actor=actor, reason=proposal.decision_reason
        )
