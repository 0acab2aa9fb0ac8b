"""The worklist query: filters, priority order, paging with a capped count.

Statements are built once per *shape* of filter (which filters are set, how
many priority levels) with bound parameters, and reused: building a SQLAlchemy
statement of this size costs several milliseconds of Python per request, more
than the database takes to run it (bench/results/web.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    String,
    bindparam,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, aliased

from comity.cases.models import Proposal
from comity.cases.priority import PRIORITIES, check_priority
from comity.cases.states import STATES
from comity.core.db import utcnow
from comity.core.errors import BadInput
from comity.hosting.models import AttributionRecord
from comity.intake.conducts import check_conduct
from comity.intake.models import Item, ItemConduct, Report
from comity.intake.service import item_summary
from comity.law.kb.loader import load_kb
from comity.web.paging import decode_cursor
from comity.web.textsearch import (
    SEARCH_PARAMS,
    matches_row,
    narrow_url_search,
    search_params,
    text_matches,
    with_word_range,
    word_range,
)

__all__ = [
    "COUNT_CAP",
    "MAX_PER_PAGE",
    "SORTS",
    "ItemFilter",
    "ItemPage",
    "cursor_key",
    "items_after",
    "next_key",
    "open_deadlines",
    "search_items",
]

MAX_PER_PAGE = 200
# "": most urgent priority first, newest first within it; "deadline": items waiting
# for a host's answer, the nearest deadline (overdue ones first) first.
SORTS = ("", "deadline")
COUNT_CAP = 1_000
# Up to this many text matches are looked up once and their ids probed for the count
# and the page (_page_of_matches); above it the search is a condition of the statements.
# On SQLite that condition is a subquery of the FTS5 tables; on PostgreSQL it is
# checked on each row (textsearch.matches_row) as the worklist walks its order, which
# finds a page after about 50 x N / M rows for M matches of N items. At 10,000,000
# items the look-up costs about 4 us an id and the walk about 15 us a row, so the two
# cost the same near M = 43,000 (bench_scale): hence 50,000.
_MAX_IDS = {"sqlite": 5_000, "postgresql": 50_000}
_INT_ARRAY = postgresql.ARRAY(Integer)


def _id_list(ids: list[int], dialect: str) -> Any:
    """A bound list of ids: on PostgreSQL one text value, an array literal cast in SQL
    (_ids_in): psycopg dumps a list of ints element by element, with a regex match
    each: 6 ms per search of bench_scale's mix at 10,000,000 items (cProfile)."""
    if dialect == "postgresql":
        return "{" + ",".join(map(str, ids)) + "}"
    return ids


def _ids_in(name: str, dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        array = cast(bindparam(name, type_=String()), _INT_ARRAY)
        return Item.id.in_(select(func.unnest(array)))
    return Item.id.in_(bindparam(name, expanding=True))


@dataclass(frozen=True)
class ItemFilter:
    state: str | None = None
    conduct: str | None = None
    priority: str | None = None
    domain: str | None = None
    host_country: str | None = None
    provider: str | None = None
    channel: str | None = None
    min_age_days: int | None = None
    max_age_days: int | None = None
    q: str | None = None
    # Set by search_items: the ids matching `q`, found once instead of per query; or,
    # when there were too many to keep, whether more than COUNT_CAP of them were seen.
    matching_ids: tuple[int, ...] | None = None
    matches_over_cap: bool = False
    # PostgreSQL: the lexeme range of `q`'s one word in search_words (textsearch.word_range).
    word_range: tuple[str, str] | None = None

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
    # A page reached by a cursor (keyset): not counted again, its next page's key.
    keyset: bool = False
    next_key: tuple[int, int] | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        if self.keyset:
            return self.next_key is not None
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


def search_items(
    *, session: Session, filters: ItemFilter, page: int = 1, per_page: int = 50, sort: str = ""
) -> ItemPage:
    """One page of the worklist: most urgent priority first, newest first within it
    (or, with sort="deadline", the items waiting for an answer, nearest deadline first)."""
    if page < 1:
        raise BadInput("page: must be 1 or more", field="page")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise BadInput(f"per_page: between 1 and {MAX_PER_PAGE}", field="per_page")
    if sort not in SORTS:
        raise BadInput(f"sort {sort!r}: valid: deadline (or none)", field="sort")
    dialect = session.get_bind().dialect.name
    filters = _with_matches(session, filters, dialect)
    if sort == "deadline":
        return _by_deadline(session, filters, page, per_page, dialect)
    if filters.matching_ids is not None:
        return _page_of_matches(session, filters, page, per_page, dialect)
    params = _params(filters, dialect)
    if filters.matches_over_cap and not set(params) - SEARCH_PARAMS:
        # The search alone matches more than COUNT_CAP items, seen by its look-up:
        # counting them again would check row after row until COUNT_CAP matched.
        total = COUNT_CAP + 1
    else:
        counting = params | {"count_limit": COUNT_CAP + 1}
        total = int(session.scalar(_count_statement(frozenset(params), dialect), counting) or 0)
    offset = (page - 1) * per_page
    rows: list[tuple[Item, int]] = []  # (item, its number of reports)
    if total > COUNT_CAP or offset < total:
        levels = (params.pop("priority"),) if "priority" in params else PRIORITIES
        statement = _page_statement(frozenset(params), len(levels), dialect)
        params |= {f"level_{n}": level for n, level in enumerate(levels)}
        params |= {"part_limit": offset + per_page, "limit": per_page, "offset": offset}
        rows = [(r[0], r[1]) for r in session.execute(statement, params)]
    summaries = item_summary(session, [i for i, _ in rows], {i.id: n for i, n in rows})
    capped = total > COUNT_CAP
    return ItemPage(summaries, min(total, COUNT_CAP), page, per_page, capped)


def next_key(items: list[dict[str, Any]], priority: str | None) -> tuple[int, int] | None:
    """The keyset key (priority rank, id) after the last of `items`, a page in worklist
    order: what the next page's cursor holds."""
    if not items:
        return None
    last = items[-1]
    return (0 if priority else PRIORITIES.index(last["priority"]), int(last["id"]))


def cursor_key(cursor: str | None) -> tuple[int, int] | None:
    """The (priority rank, id) a worklist cursor holds; refused naming `cursor` if edited."""
    key = decode_cursor("items", cursor)
    if key is None:
        return None
    if len(key) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in key):
        raise BadInput("cursor: not a cursor of this list (items)", field="cursor")
    return (key[0], key[1])


def items_after(
    *,
    session: Session,
    filters: ItemFilter,
    after: tuple[int, int] | None,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], tuple[int, int] | None]:
    """The worklist in its order, keyset-paged for the API: the `limit` items after
    `after` = (priority rank, item id) of the last one shown, and the key of the last
    one returned when more follow.

    Same filters and order as `search_items`; one part per priority level from the
    cursor's on, the cursor's own level cut at its id, so a page deep in the list
    is an index range like the first one (no offset to skip).
    """
    if not 1 <= limit <= MAX_PER_PAGE:
        raise BadInput(f"limit: between 1 and {MAX_PER_PAGE}", field="limit")
    dialect = session.get_bind().dialect.name
    filters = _with_matches(session, filters, dialect)
    params = _params(filters, dialect)
    levels = (params.pop("priority"),) if "priority" in params else PRIORITIES
    first = after[0] if after else 0
    if not 0 <= first < len(levels):
        raise BadInput("cursor: not a cursor of this list (items)", field="cursor")
    statement = _page_statement(
        frozenset(params), len(levels), dialect, first=first, cut=bool(after)
    )
    params |= {f"level_{n}": level for n, level in enumerate(levels)}
    params |= {"part_limit": limit + 1, "limit": limit + 1, "offset": 0}
    if after:
        params["after_id"] = after[1]
    rows = [(r[0], r[1], r[2]) for r in session.execute(statement, params)]
    more = len(rows) > limit
    rows = rows[:limit]
    summaries = item_summary(session, [i for i, _, _ in rows], {i.id: n for i, n, _ in rows})
    last = (int(rows[-1][2]), rows[-1][0].id) if more and rows else None
    return summaries, last


def _open_due() -> Any:
    """(item_id, due): each item's nearest deadline among requests still unanswered."""
    from comity.tracking.models import TrackedRequest

    return (
        select(TrackedRequest.item_id, func.min(TrackedRequest.due_at).label("due"))
        .where(
            TrackedRequest.due_at.is_not(None),
            or_(TrackedRequest.decision.is_(None), TrackedRequest.decision == "no_reply"),
        )
        .group_by(TrackedRequest.item_id)
    )


def open_deadlines(session: Session, item_ids: list[int]) -> dict[int, Any]:
    """item id -> its nearest deadline of a request still waiting for an answer."""
    if not item_ids:
        return {}
    due = _open_due().subquery()
    rows = session.execute(select(due.c.item_id, due.c.due).where(due.c.item_id.in_(item_ids)))
    return {int(item_id): when for item_id, when in rows}


def _by_deadline(
    session: Session, filters: ItemFilter, page: int, per_page: int, dialect: str
) -> ItemPage:
    """The items with an open deadline, nearest (most overdue) first; a few thousand at
    most are waiting at once, so this is one sort over a join, not the parts of
    `_page_statement`."""
    params = _params(filters, dialect)
    due = _open_due().subquery()
    matching = (
        select(Item.id, due.c.due)
        .join(due, due.c.item_id == Item.id)
        .where(*_conditions(frozenset(params), dialect))
    )
    total = int(
        session.scalar(
            select(func.count()).select_from(matching.limit(COUNT_CAP + 1).subquery()), params
        )
        or 0
    )
    ordered = matching.order_by(due.c.due, Item.id).limit(per_page).offset((page - 1) * per_page)
    ids = [row[0] for row in session.execute(ordered, params)]
    summaries = item_summary(session, _items_in_order(session, ids))
    return ItemPage(summaries, min(total, COUNT_CAP), page, per_page, total > COUNT_CAP)


def _with_matches(session: Session, filters: ItemFilter, dialect: str) -> ItemFilter:
    """One index look-up for the text search; its ids then serve the count and the page."""
    q = filters.q
    if q and filters.matching_ids is None:
        search = search_params(q, dialect)
        if dialect == "postgresql":
            filters = replace(filters, word_range=word_range(session, q))
            search = narrow_url_search(session, q, search)
            search = with_word_range(search, filters.word_range)
        most = _MAX_IDS.get(dialect, _MAX_IDS["sqlite"])
        # Rows, not distinct ids, are limited: the look-up stops as soon as the search
        # is known to be one that _conditions checks row by row instead.
        rows = text_matches(frozenset(search), dialect, every_row=True).limit(most + 1)
        if dialect == "postgresql":  # one array: tens of thousands of rows cost ~1 us each
            ids = session.scalar(select(func.array_agg(rows.subquery().c[0])), search) or []
        else:
            ids = list(session.scalars(rows, search))
        if len(ids) <= most:
            return replace(filters, matching_ids=tuple(set(ids)))
        return replace(filters, matches_over_cap=len(set(ids)) > COUNT_CAP)
    return filters


# The first probe of a search's ids, newest first, and the most a probe takes.
_PROBE_FIRST, _PROBE_MOST = 500, {"sqlite": 5_000, "postgresql": 32_000}


def _page_of_matches(
    session: Session, filters: ItemFilter, page: int, per_page: int, dialect: str
) -> ItemPage:
    """A search's page from its looked-up ids: the same items, count and order as the
    statements of `search_items`, without reading every match.

    A common word matches tens of thousands of items at 10,000,000 (bench_scale), and
    the count and the page statement each probed all of them (0.1-0.2 s of server CPU
    per search). Here the ids are probed newest first, in growing chunks, for their
    priority and the other filters, and the probing stops as soon as the page and the
    capped count are known: when the most urgent level alone fills the page (each
    level's list so far is a prefix of its final list, since every id not yet probed
    is older), and the count is the number of ids (no other filter) or passes the cap.
    """
    assert filters.matching_ids is not None
    params = _params(replace(filters, matching_ids=()), dialect)  # the ids go by chunks
    del params["ids"]
    # A priority filter stays a condition of the probe: the count is of that level only.
    levels = (params["priority"],) if "priority" in params else PRIORITIES
    ids = sorted(filters.matching_ids, reverse=True)
    need = (page - 1) * per_page + per_page
    urgent = _most_urgent(session, ids, need) if not params and dialect == "postgresql" else None
    if urgent is not None:
        ordered, total = urgent, len(ids)
    else:
        ordered, total = _probe_levels(session, ids, params, levels, need, dialect)
    chosen = ordered[need - per_page : need]
    summaries = item_summary(session, _items_in_order(session, chosen)) if chosen else []
    return ItemPage(summaries, min(total, COUNT_CAP), page, per_page, total > COUNT_CAP)


def _chunks(ids: list[int], dialect: str) -> Iterator[list[int]]:
    """`ids` (newest first) in chunks growing from _PROBE_FIRST to _PROBE_MOST."""
    start, size = 0, _PROBE_FIRST
    while start < len(ids):
        yield ids[start : start + size]
        start += size
        size = min(size * 2, _PROBE_MOST.get(dialect, _PROBE_MOST["sqlite"]))


def _probe_levels(
    session: Session,
    ids: list[int],
    params: dict[str, Any],
    levels: tuple[str, ...],
    need: int,
    dialect: str,
) -> tuple[list[int], int]:
    """The ids that pass the other filters, in worklist order, as far as the first
    `need` are known, and the count (len(ids) with no other filter, else those that
    passed, exact up to COUNT_CAP)."""
    rank = {level: n for n, level in enumerate(levels)}
    statement = _probe_statement(frozenset(params), dialect)
    found: list[list[int]] = [[] for _ in levels]
    passed = 0
    for chunk in _chunks(ids, dialect):
        # Core rows (the session's connection), fetched at once: ORM row processing and
        # a fetch per row made 405,000 calls for 150 searches (cProfile).
        bound = params | {"probe": _id_list(chunk, dialect)}
        for item_id, priority in session.connection().execute(statement, bound).all():
            passed += 1
            if priority in rank:
                found[rank[priority]].append(int(item_id))
        counted = not params or passed > COUNT_CAP
        if counted and len(found[0]) >= need:
            break
    total = len(ids) if not params else passed
    return [i for level in found for i in level], total


def _most_urgent(session: Session, ids: list[int], need: int) -> list[int] | None:
    """PostgreSQL, a search with no other filter: the newest `need` of `ids` at the
    most urgent level, or None when that level holds fewer (the general probe then
    reads every level).

    The count of such a search is len(ids), so only the page needs the priorities,
    and a full page of the most urgent level is all of it. That level is rare
    (threat_to_life: 2 % of bench_scale's items), and its ids are read index-only
    from ix_items_priority_id, where the general probe visits each item's row for its
    priority: 2,000 ids of "bader" at 10,000,000 items took 8.6 ms this way and 23.6 ms
    that way (EXPLAIN ANALYZE, warm).
    """
    key = ("urgent",)
    if key not in _STATEMENTS:
        _STATEMENTS[key] = (
            select(Item.id)
            .where(Item.priority == PRIORITIES[0], _ids_in("probe", "postgresql"))
            .order_by(Item.id.desc())
        )
    found: list[int] = []
    for chunk in _chunks(ids, "postgresql"):
        bound = {"probe": _id_list(chunk, "postgresql")}
        found += session.connection().execute(_STATEMENTS[key], bound).scalars().all()
        if len(found) >= need:
            return found
    return None


def _probe_statement(names: frozenset[str], dialect: str) -> Select[Any]:
    """(id, priority) of the probed ids that pass the other filters, newest first."""
    key = ("probe", names, dialect)
    if key not in _STATEMENTS:
        probe = _ids_in("probe", dialect)
        _STATEMENTS[key] = (
            select(Item.id, Item.priority)
            .where(probe, *_conditions(names, dialect))
            .order_by(Item.id.desc())
        )
    statement: Select[Any] = _STATEMENTS[key]
    return statement


def _items_in_order(session: Session, ids: list[int]) -> list[Item]:
    by_id = {i.id: i for i in session.scalars(select(Item).where(Item.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]


def _params(f: ItemFilter, dialect: str) -> dict[str, Any]:
    """The filter's validated values, by bound-parameter name (a name per filter set)."""
    params: dict[str, Any] = {}
    if f.state:
        if f.state not in STATES:
            raise BadInput(f"state {f.state!r}: valid: {', '.join(STATES)}", field="state")
        params["state"] = f.state
    if f.conduct:
        params["conduct"] = check_conduct(f.conduct)
    if f.priority:
        params["priority"] = check_priority(f.priority)
    if f.channel:
        code = f.channel.strip()
        known = load_kb().vocabulary.channels
        if code not in known:
            raise BadInput(
                f"channel {f.channel!r}: valid: {', '.join(sorted(known))}", field="channel"
            )
        params["channel"] = code
    if f.domain:
        params["domain"] = f.domain.strip().lower()
    if f.host_country:
        code = f.host_country.strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise BadInput(
                f"host_country {f.host_country!r}: a two-letter ISO 3166 code",
                field="host_country",
            )
        # `countries` is a sorted, comma-separated list (comity.hosting.models).
        params["host_country"] = f"%,{code},%"
    if f.provider:
        params["provider"] = f.provider.strip().lower()
    now = utcnow()
    if f.min_age_days is not None:
        params["created_before"] = now - timedelta(days=f.min_age_days)
    if f.max_age_days is not None:
        params["created_after"] = now - timedelta(days=f.max_age_days)
    if f.matching_ids is not None:
        params["ids"] = _id_list(list(f.matching_ids), dialect)
    elif f.q:
        params |= with_word_range(search_params(f.q, dialect), f.word_range)
    return params


def _conditions(names: frozenset[str], dialect: str) -> list[ColumnElement[bool]]:
    """WHERE conditions on `items` for the filters named (values bound at execution)."""
    out: list[ColumnElement[bool]] = []
    if "state" in names:
        out.append(Item.state == bindparam("state"))
    if "conduct" in names:
        # EXISTS probes the (item_id, conduct) primary key per candidate row, so a
        # newest-first walk stops after one page instead of reading every conduct.
        out.append(
            select(ItemConduct.item_id)
            .where(ItemConduct.item_id == Item.id, ItemConduct.conduct == bindparam("conduct"))
            .exists()
        )
    if "priority" in names:
        out.append(Item.priority == bindparam("priority"))
    if "channel" in names:
        # The item has a proposal (any decision) for a request through the channel.
        out.append(
            select(Proposal.id)
            .where(Proposal.item_id == Item.id, Proposal.channel == bindparam("channel"))
            .exists()
        )
    if "domain" in names:
        domain: BindParameter[str] = bindparam("domain")
        out.append(or_(Item.host == domain, Item.registrable_domain == domain))
    if "host_country" in names or "provider" in names:
        out.append(_attributed("host_country" in names, "provider" in names))
    if "created_before" in names:
        out.append(Item.created_at <= bindparam("created_before"))
    if "created_after" in names:
        out.append(Item.created_at >= bindparam("created_after"))
    if "ids" in names:
        out.append(_ids_in("ids", dialect))
    elif names & SEARCH_PARAMS and dialect == "postgresql":
        out.append(matches_row(names & SEARCH_PARAMS))
    elif names & SEARCH_PARAMS:
        out.append(Item.id.in_(text_matches(names & SEARCH_PARAMS, dialect)))
    return out


def _attributed(country: bool, provider: bool) -> ColumnElement[bool]:
    """The item's latest stored attribution names the country and/or provider (CDN, platform)."""
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
        padded = literal(",") + AttributionRecord.countries + literal(",")
        match = match.where(padded.like(bindparam("host_country")))
    if provider:
        name: BindParameter[str] = bindparam("provider")
        match = match.where(
            or_(
                func.lower(AttributionRecord.cdn) == name,
                func.lower(AttributionRecord.platform) == name,
            )
        )
    return match.exists()


# Bounded: one entry per combination of filters set, levels and dialect.
_STATEMENTS: dict[tuple[Any, ...], Any] = {}


def _count_statement(names: frozenset[str], dialect: str) -> Select[Any]:
    """How many items match, stopping at COUNT_CAP + 1 (the page then says "1,000+").

    With a conduct filter the count walks the conduct index and looks each item
    up by primary key: a conduct is rarer than a state, so far fewer rows are
    read than probing every item of a state for its conducts.
    """
    key = ("count", names, dialect)
    if key not in _STATEMENTS:
        if "conduct" in names:
            query = (
                select(ItemConduct.item_id)
                .join(Item, Item.id == ItemConduct.item_id)
                .where(ItemConduct.conduct == bindparam("conduct"))
                .where(*_conditions(names - {"conduct"}, dialect))
            )
        else:
            query = select(Item.id).where(*_conditions(names, dialect))
        capped = query.limit(_int("count_limit")).subquery()
        _STATEMENTS[key] = select(func.count()).select_from(capped)
    statement: Select[Any] = _STATEMENTS[key]
    return statement


def _page_statement(
    names: frozenset[str], levels: int, dialect: str, *, first: int = 0, cut: bool = False
) -> Select[Any]:
    """The page's items with their report counts, in one statement.

    One part per priority level, most urgent first, each newest first and cut
    at offset + per_page: every part is an index range (items (state,
    priority, id) or (priority, id)) read backwards that stops early, where
    ORDER BY a computed priority rank would make the database sort every
    match. The outer query then sorts at most levels × (offset + per_page) rows.
    """
    key = ("page", names, levels, dialect, first, cut)
    if key not in _STATEMENTS:
        conditions = _conditions(names, dialect)
        part_limit = _int("part_limit")
        parts = [
            select(
                select(Item.id, literal(rank).label("rank"))
                .where(
                    *conditions,
                    Item.priority == bindparam(f"level_{rank}"),
                    # the keyset cursor: within its own level, only what comes after it
                    *((Item.id < _int("after_id"),) if cut and rank == first else ()),
                )
                .order_by(Item.id.desc())
                .limit(part_limit)
                .subquery()
            )
            for rank in range(first, levels)
        ]
        chosen = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
        reports = (
            select(func.count(Report.id))
            .where(Report.item_id == Item.id)
            .correlate(Item)
            .scalar_subquery()
            .label("reports")
        )
        _STATEMENTS[key] = (
            select(Item, reports, chosen.c.rank)
            .join(chosen, chosen.c.id == Item.id)
            .order_by(chosen.c.rank, Item.id.desc())
            .limit(_int("limit"))
            .offset(_int("offset"))
        )
    statement: Select[Any] = _STATEMENTS[key]
    return statement


def _int(name: str) -> BindParameter[int]:
    return bindparam(name, type_=Integer)
