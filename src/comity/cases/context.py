"""Gather the facts the safeguards need from the database (the impure half).

Evidence comes from `comity.evidence.models.Evidence` and hosting facts (CDN,
shared host) from the latest stored attribution (`comity.hosting.store`), each
imported lazily: without the evidence domain evidence counts as missing. More
hosting facts and the hosts' refusals come from the sources other domains
register (`comity.cases.hooks`); explicit values given by the caller win.
Deconfliction holds come only from registered sources (the holds domain).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.cases.hooks import fact_sources, hold_sources, refusal_sources
from comity.cases.models import Proposal
from comity.intake.models import Item

__all__ = [
    "HostingFacts",
    "attribution_facts",
    "holds_covering",
    "hosting_facts",
    "latest_evidence",
    "prior_refusals",
]


@dataclass(frozen=True)
class HostingFacts:
    cdn: str | None = None
    shared_host_domains: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"cdn": self.cdn, "shared_host_domains": self.shared_host_domains}


def latest_evidence(*, session: Session, item_id: int) -> tuple[datetime, str | None] | None:
    """(captured_at, content_sha256) of the newest successful capture, or None."""
    try:
        from comity.evidence.models import Evidence
    except ImportError:  # the evidence domain is optional for the cases domain
        return None
    row = session.execute(
        select(Evidence.captured_at, Evidence.content_sha256)
        .where(Evidence.item_id == item_id, Evidence.outcome == "ok")
        .order_by(Evidence.captured_at.desc(), Evidence.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def attribution_facts(session: Session, item: Item) -> dict[str, Any]:
    """CDN and shared-host facts from the item's latest stored attribution, if any.

    The shared-host count is the largest number of other registrable domains
    Comity has seen on any of the item's addresses.
    """
    try:
        from comity.hosting.models import AttributionIp
        from comity.hosting.store import collateral_for, latest
    except ImportError:  # no attribution store: the registered sources decide
        return {}
    record = latest(session, item.id)
    if record is None:
        return {}
    ips = session.scalars(
        select(AttributionIp.ip).where(AttributionIp.attribution_id == record.id)
    ).all()
    counts = [
        int(collateral_for(session, ip=ip, domain=item.registrable_domain)["other_domains"])
        for ip in ips
    ]
    return {"cdn": record.cdn, "shared_host_domains": max(counts) if counts else None}


def hosting_facts(
    *,
    session: Session,
    item: Item,
    cdn: str | None = None,
    shared_host_domains: int | None = None,
) -> HostingFacts:
    """CDN and shared-host facts: explicit values, else the registered sources."""
    found: dict[str, Any] = {}
    for source in (attribution_facts, *fact_sources()):
        for key, value in source(session, item).items():
            if value is not None:
                found.setdefault(key, value)
    cdn_value = cdn if cdn is not None else found.get("cdn")
    shared = shared_host_domains
    if shared is None and found.get("shared_host_domains") is not None:
        shared = int(found["shared_host_domains"])
    return HostingFacts(cdn=str(cdn_value) if cdn_value else None, shared_host_domains=shared)


def prior_refusals(
    *, session: Session, content_sha256: str | None, host: str, exclude: int | None = None
) -> list[dict[str, Any]]:
    """Earlier refusals of the same content for the same host.

    Our own reviewers' rejections count (re-proposing rejected content to the
    same host must be visible, or a rejection could be shopped around
    reviewers); the hosts' own refusals come from the registered sources.
    """
    if not content_sha256:
        return []
    query = select(Proposal.id, Proposal.item_id).where(
        Proposal.content_sha256 == content_sha256,
        Proposal.host == host,
        Proposal.state == "rejected",
    )
    if exclude is not None:
        query = query.where(Proposal.id != exclude)
    found: list[dict[str, Any]] = [
        {"kind": "rejected in review, proposal", "ref": pid, "item_id": item_id}
        for pid, item_id in session.execute(query.order_by(Proposal.id))
    ]
    for source in refusal_sources():
        found.extend(source(session, content_sha256, host))
    return found


def holds_covering(*, session: Session, item: Item) -> list[dict[str, Any]]:
    """Deconfliction holds whose scope covers the item, from the registered sources."""
    return [hold for source in hold_sources() for hold in source(session, item)]
