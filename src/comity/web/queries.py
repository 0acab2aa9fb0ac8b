"""Read-only queries behind the worklist and the item page.

These are reads over the intake tables that `comity.intake.service` does not
offer yet (full-text search, age, paging with a total, history). They take a
session and return plain data, like a service, so the CLI could call them too;
they belong in the intake and audit services once those grow the same needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import CompoundSelect, Select, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from comity.cases.states import STATES
from comity.core.audit import AuditEvent
from comity.core.db import utcnow
from comity.core.errors import BadInput
from comity.hosting.models import AttributionRecord
from comity.intake.conducts import check_conduct
from comity.intake.models import Item, ItemConduct, Report
from comity.intake.service import get_item, item_summary

__all__ = [
    "ATTRIBUTION_FILTERS",
    "COUNT_CAP",
    "STATES",
    "ItemFilter",
    "ItemPage",
    "item_detail",
    "search_items",
]


# Filters that need data this installation does not store yet; refused with a reason.
ATTRIBUTION_FILTERS = ("channel",)
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
    q: str | None = None
    unsupported: dict[str, str] = field(default_factory=dict)
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


def _where(query: _Q, f: ItemFilter, dialect: str = "sqlite") -> _Q:
    for name, value in f.unsupported.items():
        if value:
            raise BadInput(
                f"{name}: this filter needs stored attribution, which this installation "
                "does not have yet",
                field=name,
            )
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
        query = query.where(Item.priority == f.priority)
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
    """One page of the worklist: threat to life first, then newest first."""
    if page < 1:
        raise BadInput("page: must be 1 or more", field="page")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise BadInput(f"per_page: between 1 and {MAX_PER_PAGE}", field="per_page")
    # Two queries instead of ORDER BY (priority rank, id): each part walks the
    # primary key (or the state index) newest first and stops after one page,
    # where a computed sort key would make the database sort every match.
    dialect = session.get_bind().dialect.name
    if filters.q and filters.matching_ids is None:
        # One scan for the text search; its ids then serve the count and both page queries.
        ids = tuple(session.scalars(_text_matches(filters.q, dialect).limit(_MAX_IDS + 1)))
        if len(ids) <= _MAX_IDS:
            filters = replace(filters, matching_ids=ids)
    urgent_flag: Any = Item.priority == "threat_to_life"
    if dialect == "sqlite":
        # SQLite keeps no value distribution (no STAT4), so it would walk the state
        # index for the rare urgent rows; unlikely() tells it they are few, and an
        # index on items (priority, id) then serves them directly.
        urgent_flag = func.unlikely(urgent_flag)
    # Counting every match of a broad filter would read the whole table on each
    # page view; the count stops at COUNT_CAP and the page says "1,000+".
    total = int(
        session.scalar(
            select(func.count()).select_from(
                _where(select(Item.id), filters, dialect).limit(COUNT_CAP + 1).subquery()
            )
        )
        or 0
    )
    urgent = int(
        session.scalar(_where(select(func.count(Item.id)), filters, dialect).where(urgent_flag))
        or 0
    )
    offset = (page - 1) * per_page
    items: list[Item] = []
    if offset < urgent:
        items += session.scalars(
            _where(select(Item), filters, dialect)
            .where(urgent_flag)
            .order_by(Item.id.desc())
            .limit(per_page)
            .offset(offset)
        )
    if len(items) < per_page:
        items += session.scalars(
            _where(select(Item), filters, dialect)
            .where(Item.priority != "threat_to_life")
            .order_by(Item.id.desc())
            .limit(per_page - len(items))
            .offset(max(0, offset - urgent))
        )
    capped = total > COUNT_CAP
    return ItemPage(item_summary(session, items), min(total, COUNT_CAP), page, per_page, capped)
    return ItemPage(item_summary(session, items), total, page, per_page)


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
