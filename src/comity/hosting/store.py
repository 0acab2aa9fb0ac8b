"""Attribute stored items and keep the history: observations, moves, collateral."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from comity.core import audit
from comity.core.db import read_session, session_scope, utcnow
from comity.core.errors import NotFound
from comity.hosting.attribution import Attribution, footprint, moved_between
from comity.hosting.models import AttributionIp, AttributionRecord
from comity.intake.models import Item
from comity.users.service import require

__all__ = [
    "attribute_items",
    "collateral_for",
    "latest",
    "record_observation",
    "stale_item_ids",
]

# Items attributed in one DNS round: large enough to keep the resolver busy,
# small enough that a crash loses little work.
_CHUNK = 500


def latest(session: Session, item_id: int) -> AttributionRecord | None:
    return session.scalars(
        select(AttributionRecord)
        .where(AttributionRecord.item_id == item_id)
        .order_by(AttributionRecord.observed_at.desc(), AttributionRecord.id.desc())
        .limit(1)
    ).first()


def stale_item_ids(session: Session, days: int, *, now: datetime | None = None) -> list[int]:
    """Items never attributed, or not since `days` days."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    last = (
        select(AttributionRecord.item_id, func.max(AttributionRecord.observed_at).label("at"))
        .group_by(AttributionRecord.item_id)
        .subquery()
    )
    query = (
        select(Item.id)
        .outerjoin(last, last.c.item_id == Item.id)
        .where((last.c.at.is_(None)) | (last.c.at < cutoff))
        .order_by(Item.id)
    )
    return list(session.scalars(query))


def record_observation(
    session: Session, item: Item, attribution: Attribution, actor: str
) -> AttributionRecord:
    data = attribution.to_json()
    current = footprint(data)
    previous_row = latest(session, item.id)
    moved = moved_between(footprint(previous_row.data), current) if previous_row else None
    row = AttributionRecord(
        item_id=item.id,
        observed_at=attribution.observed_at,
        dns_status=attribution.dns.status if attribution.dns else "ip_literal",
        countries=",".join(sorted(current.countries)),
        asns=",".join(str(a) for a in sorted(current.asns)),
        cdn=attribution.cdn.name if attribution.cdn else None,
        platform=attribution.platform.name if attribution.platform else None,
        moved=moved,
        data=data,
    )
    session.add(row)
    session.flush()
    for ip in attribution.ips:
        session.add(
            AttributionIp(
                attribution_id=row.id,
                ip=ip.ip,
                registrable_domain=item.registrable_domain,
                cdn=ip.cdn,
            )
        )
    audit.record(
        session=session,
        actor=actor,
        action="item.attribute",
        object_type="item",
        object_id=item.id,
        state=data,
        data={
            "attribution": row.id,
            "countries": row.countries,
            "asns": row.asns,
            "cdn": row.cdn,
            "platform": row.platform,
            "moved": moved,
        },
    )
    return row


def attribute_items(
    *,
    engine: Engine,
    item_ids: Sequence[int],
    actor: str | None,
    attribute: Callable[[Sequence[str]], list[Attribution]],
    on_recorded: Callable[[Session, Item, AttributionRecord, str], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[AttributionRecord]:
    """Attribute items in chunks; each chunk is one transaction of complete observations.

    `attribute` turns URLs into Attributions (DNS + IP data + directories);
    `on_recorded` lets the case workflow advance the item's state in the same
    transaction.
    """
    with session_scope(engine) as session:
        acting = require(session=session, actor=actor, action="attribute").name
    out: list[AttributionRecord] = []
    for start in range(0, len(item_ids), _CHUNK):
        chunk = item_ids[start : start + _CHUNK]
        with read_session(engine) as session:
            urls = dict(session.execute(select(Item.id, Item.url).where(Item.id.in_(chunk))).all())
        missing = [i for i in chunk if i not in urls]
        if missing:
            raise NotFound(f"item(s) {', '.join(map(str, missing))} do not exist")
        results = attribute([urls[i] for i in chunk])
        with session_scope(engine) as session:
            for item_id, attribution in zip(chunk, results, strict=True):
                item = session.get_one(Item, item_id)
                row = record_observation(session, item, attribution, acting)
                if on_recorded is not None:
                    on_recorded(session, item, row, acting)
                out.append(row)
        if progress is not None:
            progress(len(chunk))
    return out


def collateral_for(session: Session, *, ip: str, domain: str | None) -> dict[str, Any]:
    """Other registrable domains Comity has seen on `ip`: what an IP-level block would hit."""
    others = sorted(
        {
            d
            for (d,) in session.execute(
                select(AttributionIp.registrable_domain).where(AttributionIp.ip == ip).distinct()
            )
            if d and d != domain
        }
    )
    cdn = session.scalar(
        select(AttributionIp.cdn)
        .where(AttributionIp.ip == ip, AttributionIp.cdn.is_not(None))
        .limit(1)
    )
    return {
        "ip": ip,
        "other_domains": len(others),
        "examples": others[:5],
        "shared": bool(others),
        "cdn": cdn,
    }
