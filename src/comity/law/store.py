"""`comity assess --item`: assess an item against every jurisdiction its attribution found."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.core import audit
from comity.core.db import utcnow
from comity.core.errors import BadInput, Refused
from comity.intake.models import Item, ItemConduct
from comity.law.models import StoredAssessment
from comity.law.service import assess_for_jurisdictions
from comity.users.service import require

__all__ = ["assess_item", "item_jurisdictions", "latest_assessments"]


def item_jurisdictions(session: Session, item_id: int) -> list[tuple[str, str]]:
    """(country, role) pairs from the item's latest attribution."""
    from comity.hosting.store import latest

    row = latest(session, item_id)
    if row is None:
        raise Refused(f"item {item_id} has no attribution yet: run `comity attribute {item_id}`")
    pairs = [(j["country"], j["role"]) for j in row.data.get("jurisdictions", [])]
    if not pairs:
        raise Refused(f"item {item_id}: its attribution found no jurisdiction (see attribute)")
    return pairs


def _conduct(session: Session, item: Item, conduct: str | None) -> str:
    reported = list(
        session.scalars(select(ItemConduct.conduct).where(ItemConduct.item_id == item.id))
    )
    if conduct:
        return conduct
    if len(reported) == 1:
        return reported[0]
    raise BadInput(
        f"item {item.id} was reported for {', '.join(sorted(reported))}: choose one with --conduct"
    )


def assess_item(
    *,
    session: Session,
    item_id: int,
    facts: Mapping[str, Any],
    actor: str | None,
    conduct: str | None = None,
    on: date | None = None,
    requesting: str = "KZ",
    channel_stats: Mapping[Any, Any] | None = None,
    org: str | None = None,
) -> list[StoredAssessment]:
    """Assess and store one result per attributed (jurisdiction, role); audited.

    `org`, when given, becomes the item's organisation (audited); the assessment
    uses the organisation the item carries (`items.org_id`), if any."""
    user = require(session=session, actor=actor, action="assess")
    item = session.get(Item, item_id)
    if item is None:
        from comity.core.errors import NotFound

        raise NotFound(f"item {item_id} does not exist")
    code = _conduct(session, item, conduct)
    if org:
        from comity.intake.orgs import set_item_org

        set_item_org(session=session, item=item, org=org, actor=user.name, action="assess")
    day = on or utcnow().date()
    results = assess_for_jurisdictions(
        conduct=code,
        facts=facts,
        jurisdictions=item_jurisdictions(session, item_id),
        requesting=requesting,
        on=day,
        priority=item.priority,
        channel_stats=channel_stats,
        org=item.org_id,
    )
    now = utcnow()
    stored = []
    for result in results:
        data = result.to_json()
        row = StoredAssessment(
            item_id=item.id,
            assessed_at=now,
            assessed_by=user.name,
            host=data["host"],
            role=data.get("role", "hosting"),
            conduct=code,
            on_date=day,
            outcome=data["dual_criminality"],
            kb_version=data["kb_version"],
            facts=dict(facts),
            result=data,
        )
        session.add(row)
        stored.append(row)
    session.flush()
    from comity.cases.states import advance

    advance(session=session, item=item, to="assessed", actor=user.name, reason="assessed")
    audit.record(
        session=session,
        actor=user.name,
        action="item.assess",
        object_type="item",
        object_id=item.id,
        state=[s.result for s in stored],
        data={
            "conduct": code,
            "org": item.org_id,
            "kb_version": stored[0].kb_version if stored else None,
            "outcomes": {f"{s.host}/{s.role}": s.outcome for s in stored},
        },
    )
    return stored


def latest_assessments(session: Session, item_id: int) -> list[StoredAssessment]:
    """The newest assessment per (host, role) of an item."""
    rows = session.scalars(
        select(StoredAssessment)
        .where(StoredAssessment.item_id == item_id)
        .order_by(StoredAssessment.assessed_at.desc(), StoredAssessment.id.desc())
    )
    seen: dict[tuple[str, str], StoredAssessment] = {}
    for row in rows:
        seen.setdefault((row.host, row.role), row)
    return list(seen.values())
