"""Read-only queries behind the worklist and the item page.

These are reads over the intake tables that `comity.intake.service` does not
offer yet (full-text search, age, paging with a total, history). They take a
session and return plain data, like a service, so the CLI could call them too;
they belong in the intake and audit services once those grow the same needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import CompoundSelect, Select, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from comity.cases.models import Proposal
from comity.cases.priority import PRIORITIES, check_priority
from comity.cases.states import STATES
from comity.core.audit import AuditEvent
from comity.core.db import utcnow
from comity.core.errors import BadInput
from comity.hosting.models import AttributionRecord
from comity.intake.conducts import check_conduct
from comity.intake.models import Item, ItemConduct, Report
from comity.intake.service import get_item, item_summary
from comity.law.loader import load_kb

__all__ = [
    "COUNT_CAP",
    "STATES",
    "ItemFilter",
    "ItemPage",
    "item_detail",
    "search_items",
]


MAX_PER_PAGE = 200
COUNT_CAP = 1_000
_Q = TypeVar("_Q", bound=Select[*tuple[Any, ...]])
# Above this many text matches the search stays a subquery (a bound list would be too long).
_MAX_IDS = 5_000


@dataclass(frozen=True)
class ItemFilter:
    state: str | None = None
    conduct: str | None = None
    priority: str | None = None
    domain: str | None = None
    host_country: str | None = None
    provider: str | None = None
    min_age_days: int | None = None
    max_age_days: int | None = None
    channel: str | None = None
    q: str | None = None
    # Set by search_items: the ids matching `q`, found once instead of per query.
    matching_ids: tuple[int, ...] | None = None

    def as_query(self) -> dict[str, str]:
        out = {
            "state": self.state,
            "conduct": self.conduct,
            "priority": self.priority,
            "domain": self.domain,
            "host_country": self.host_country,
            "provider": self.provider,
            "channel": self.channel,
            "min_age_days": None if self.min_age_days is None else str(self.min_age_days),
            "max_age_days": None if self.max_age_days is None else str(self.max_age_days),
            "q": self.q,
        }
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True)
class ItemPage:
    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int
    total_is_lower_bound: bool = False  # more than COUNT_CAP items match

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or (self.total_is_lower_bound and len(self.items) > 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "total_is_lower_bound": self.total_is_lower_bound,
        }


def _text_matches(text: str, dialect: str) -> CompoundSelect[Any]:
    """Ids of items whose URL or a report's note contains `text` (case-insensitive).

    SQLite's LIKE already ignores ASCII case, and wrapping both sides in
    lower() (what ilike renders there) doubles the cost of the scan; PostgreSQL
    gets ILIKE. LIKE wildcards typed by the user are escaped to match themselves.
    """
    needle = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return (
        select(Item.id)
        .where(_contains(Item.url, needle, dialect))
        .union(select(Report.item_id).where(_contains(Report.note, needle, dialect)))
    )


def _contains(column: Any, needle: str, dialect: str) -> Any:
    if dialect == "sqlite":
        return column.like(needle, escape="\\")
    return column.ilike(needle, escape="\\")


def _attributed(country: str | None, provider: str | None) -> Any:
    """The item's latest stored attribution names `country` and/or `provider` (CDN or platform)."""
    newer = aliased(AttributionRecord)
    latest = (
        select(func.max(newer.observed_at))
        .where(newer.item_id == Item.id)
        .correlate(Item)
        .scalar_subquery()
    )
    match = select(AttributionRecord.id).where(
        AttributionRecord.item_id == Item.id, AttributionRecord.observed_at == latest
    )
    if country:
        code = country.strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise BadInput(
                f"host_country {country!r}: a two-letter ISO 3166 code", field="host_country"
            )
        # `countries` is a sorted, comma-separated list (comity.hosting.models).
        padded = literal(",") + AttributionRecord.countries + literal(",")
        match = match.where(padded.like(f"%,{code},%"))
    if provider:
        name = provider.strip().lower()
        match = match.where(
            or_(
                func.lower(AttributionRecord.cdn) == name,
                func.lower(AttributionRecord.platform) == name,
            )
        )
    return match.exists()


def _proposed_through(channel: str) -> Any:
    """The item has a proposal (any decision) for a request through `channel`."""
    code = channel.strip()
    known = load_kb().vocabulary.channels
    if code not in known:
        raise BadInput(f"channel {channel!r}: valid: {', '.join(sorted(known))}", field="channel")
    return (
        select(Proposal.id)
        .where(Proposal.item_id == Item.id, Proposal.channel == code)
        .correlate(Item)
        .exists()
    )


def _where(query: _Q, f: ItemFilter, dialect: str = "sqlite") -> _Q:
    if f.state:
        if f.state not in STATES:
            raise BadInput(f"state {f.state!r}: valid: {', '.join(STATES)}", field="state")
        query = query.where(Item.state == f.state)
    if f.conduct:
        code = check_conduct(f.conduct)
        query = query.where(
            # EXISTS probes the (item_id, conduct) primary key per candidate row, so a
            # newest-first walk stops after one page instead of reading every conduct.
            select(ItemConduct.item_id)
            .where(ItemConduct.item_id == Item.id, ItemConduct.conduct == code)
            .exists()
        )
    if f.priority:
        query = query.where(Item.priority == check_priority(f.priority))
    if f.channel:
        query = query.where(_proposed_through(f.channel))
    if f.domain:
        domain = f.domain.strip().lower()
        query = query.where(or_(Item.host == domain, Item.registrable_domain == domain))
    if f.host_country or f.provider:
        query = query.where(_attributed(f.host_country, f.provider))
    now = utcnow()
    if f.min_age_days is not None:
        query = query.where(Item.created_at <= now - timedelta(days=f.min_age_days))
    if f.max_age_days is not None:
        query = query.where(Item.created_at >= now - timedelta(days=f.max_age_days))
    if f.matching_ids is not None:
        query = query.where(Item.id.in_(f.matching_ids))
    elif f.q:
        query = query.where(Item.id.in_(_text_matches(f.q, dialect)))
    return query


def search_items(
    *, session: Session, filters: ItemFilter, page: int = 1, per_page: int = 50
) -> ItemPage:
    """One page of the worklist: most urgent priority first, newest first within it."""
    if page < 1:
        raise BadInput("page: must be 1 or more", field="page")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise BadInput(f"per_page: between 1 and {MAX_PER_PAGE}", field="per_page")
    dialect = session.get_bind().dialect.name
    if filters.q and filters.matching_ids is None:
        # One scan for the text search; its ids then serve the count and the page query.
        ids = tuple(session.scalars(_text_matches(filters.q, dialect).limit(_MAX_IDS + 1)))
        if len(ids) <= _MAX_IDS:
            filters = replace(filters, matching_ids=ids)
    total = _capped_count(session, filters, dialect)
    offset = (page - 1) * per_page
    rows: list[tuple[Item, int]] = []  # (item, its number of reports)
    if total > COUNT_CAP or offset < total:
        rows = [
            (r[0], r[1]) for r in session.execute(_page_query(filters, dialect, offset, per_page))
        ]
    capped = total > COUNT_CAP
    summaries = item_summary(session, [i for i, _ in rows], {i.id: n for i, n in rows})
    return ItemPage(summaries, min(total, COUNT_CAP), page, per_page, capped)


def _page_query(filters: ItemFilter, dialect: str, offset: int, per_page: int) -> Select[Any]:
    """The page's items with their report counts, in one statement.

    One part per priority level, most urgent first, each newest first and cut
    at offset + per_page: every part is an index range (items (state,
    priority, id) or (priority, id)) read backwards that stops early, where
    ORDER BY a computed priority rank would make the database sort every
    match. The outer query then sorts at most levels × (offset + per_page) rows.
    """
    levels = (filters.priority,) if filters.priority else PRIORITIES
    parts = []
    for rank, level in enumerate(levels):
        part = (
            _where(select(Item.id, literal(rank).label("rank")), filters, dialect)
            .where(Item.priority == level)
            .order_by(Item.id.desc())
            .limit(offset + per_page)
        )
        parts.append(select(part.subquery()))
    chosen = union_all(*parts).subquery()
    reports = (
        select(func.count(Report.id))
        .where(Report.item_id == Item.id)
        .correlate(Item)
        .scalar_subquery()
        .label("reports")
    )
    return (
        select(Item, reports)
        .join(chosen, chosen.c.id == Item.id)
        .order_by(chosen.c.rank, Item.id.desc())
        .limit(per_page)
        .offset(offset)
    )


def _capped_count(session: Session, filters: ItemFilter, dialect: str) -> int:
    """How many items match, stopping at COUNT_CAP + 1 (the page then says "1,000+").

    With a conduct filter the count walks the conduct index and looks each item
    up by primary key: a conduct is rarer than a state, so far fewer rows are
    read than probing every item of a state for its conducts.
    """
    if filters.conduct:
        code = check_conduct(filters.conduct)
        query: Select[Any] = (
            select(ItemConduct.item_id)
            .join(Item, Item.id == ItemConduct.item_id)
            .where(ItemConduct.conduct == code)
        )
        query = _where(query, replace(filters, conduct=None), dialect)
    else:
        query = _where(select(Item.id), filters, dialect)
    capped = query.limit(COUNT_CAP + 1).subquery()
    return int(session.scalar(select(func.count()).select_from(capped)) or 0)


def item_detail(*, session: Session, item_id: int) -> dict[str, Any]:
    """An item with its reports and its history from the audit chain."""
    item = get_item(session=session, item_id=item_id)
    summary = item_summary(session, [item])[0]
    reports = list(
        session.scalars(select(Report).where(Report.item_id == item.id).order_by(Report.id))
    )
    report_ids = [str(r.id) for r in reports]
    history = session.scalars(
        select(AuditEvent)
        .where(
            or_(
                (AuditEvent.object_type == "item") & (AuditEvent.object_id == str(item.id)),
                (AuditEvent.object_type == "report") & AuditEvent.object_id.in_(report_ids),
            )
        )
        .order_by(AuditEvent.seq)
        .limit(500)
    )
    return summary | {
        "updated_at": item.updated_at,
        "report_list": [
            {
                "id": r.id,
                "raw_url": r.raw_url,
                "conduct": r.conduct,
                "note": r.note,
                "source": r.source,
                "reported_by": r.reported_by,
                "reported_at": r.reported_at,
            }
            for r in reports
        ],
        "history": [
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "object": f"{e.object_type} {e.object_id}",
                "hash": e.hash,
            }
            for e in history
        ],
    }
