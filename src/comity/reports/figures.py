"""Figures that do not grow with history: counts materialised per day (issue 19, item 2).

Before this module the dashboard, `comity stats`, the law engine's channel
statistics and the transparency report walked every tracked request (and,
for the funnel, every `item.state` audit event) on every view: about 35 µs of
CPU per request, 7 s at 200,000. Now:

- **What is stored.** `figures` (comity.reports.models) holds counts keyed by
  (family, dimension, day, key, name, bucket). A family decides what the day
  is: `requests` by dispatch date (`sent_on`: every request statistic counts
  requests by when they were sent, with their outcome as known today),
  `funnel` by the day the item was reported, `proposed` and `decided` by the
  proposal's `proposed_at` / `decided_at` (UTC days). Dimensions are `all`,
  `host`, `channel`, `provider`, `conduct` and `pair` (host|channel, the law
  engine's key). Distributions (days to removal) are histograms, one bucket
  per whole day, so medians and p90 are exact, not estimated.
- **How they stay right.** Every figure is a sum over days, and one request,
  item or proposal moves the figures of exactly one day of its family. A
  transaction that changes a row a figure reads appends a *mark* (family,
  day) in the same transaction (`models._mark_changed_days` for ORM changes;
  `mark`/`mark_items` for the two bulk paths, intake's batch INSERT and the
  monitor's state upsert). A read sums the stored rows of the days without a
  mark and recomputes the marked days from the source tables: a read is
  always exact, whatever has been refreshed. After a read that found marks,
  the marked days are recomputed and stored (`refresh`) in a separate short
  transaction, best effort: if the database is busy it is left to the next
  read, so a dashboard view never waits on a writer.
  A day is recomputed whole rather than adjusted by deltas: the outcome rule
  (issue 16: a host's "removed" that the monitor contradicts is NOT a removal)
  reads the request, its answer and the item's latest verdict together, and a
  verdict change moves figures of every day the item was sent on; recomputing
  the day from the same per-request function as a full rebuild means the two
  can never disagree by construction, only by a missed mark, which
  `comity stats rebuild --check` detects.
- **Why marks are appended, not upserted.** Writers never update a shared row,
  so two analysts answering requests sent on the same day never wait for each
  other; a refresh deletes exactly the marks it read, so a mark written while
  it ran survives and its day is read live until the next refresh.
- **Cost.** A view reads O(days x dimensions x keys) stored rows plus the
  requests of the marked days, never the whole history.
- **Audit.** Stored figures are a cache of audited state: the rebuild that
  replaces them all is audited (`figures.rebuild`); the lazy refresh of marked
  days is not, because it changes nothing a person decided and would add an
  audit event to every dashboard view that follows a change.

Not materialised (say so, rather than pretend): the transparency report's
intake counts (reports and *distinct* items reported over a period; a
distinct count does not add up over days) stay one indexed SQL aggregate over
the period's reports, and the complaint and retention sections keep their own
queries; the dashboard's overdue count is one indexed COUNT over open requests.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, and_, delete, exists, func, insert, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from comity.cases.models import Proposal
from comity.cases.states import MAIN_LINE
from comity.core import audit
from comity.core.audit import AuditEvent
from comity.intake.models import Item
from comity.reports.models import Figure, FigureMark
from comity.tracking.models import Dispatch, MonitorState, TrackedRequest
from comity.tracking.outcome import ONLINE, disputed, reinstated, removal_day

__all__ = [
    "FAMILIES",
    "Difference",
    "compute",
    "day_start",
    "mark",
    "mark_items",
    "marks_for_flush",
    "rebuild",
    "refresh",
    "totals",
]

log = logging.getLogger(__name__)

FAMILIES = ("requests", "funnel", "proposed", "decided")
Cell = tuple[str, str, str, str]  # (dim, key, name, bucket)
_RANK = {state: index for index, state in enumerate(MAIN_LINE)}
_CHUNK = 500  # ids or days per IN list (SQLite's bound-parameter limit)
# Attributes a figure reads; a change to any other column marks nothing.
_REQUEST_COLUMNS = (
    "dispatch_id",
    "item_id",
    "conduct",
    "decision",
    "reason",
    "decided_on",
    "removed_at",
    "reinstated_on",
)
_DISPATCH_COLUMNS = ("sent_on", "host_country", "channel", "provider")
_PROPOSAL_COLUMNS = ("state", "decided_at", "override_reason", "findings", "proposed_at")


def day_start(day: date) -> datetime:
    """The UTC midnight that opens `day` (figures count UTC days)."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def _day(value: datetime) -> date:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).date()


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for first in range(0, len(values), _CHUNK):
        yield values[first : first + _CHUNK]


# -- marks -------------------------------------------------------------------------------


def mark(*, session: Session, family: str, days: Iterable[date]) -> None:
    """Note in the caller's transaction that `days` of `family` must be recomputed."""
    rows = [{"family": family, "day": d} for d in sorted(set(days))]
    if rows:
        session.execute(insert(FigureMark), rows)


def mark_items(*, session: Session, item_ids: Iterable[int]) -> None:
    """Mark the request days of these items (their verdict, which every request reads, moved)."""
    ids = sorted(set(item_ids))
    days: set[date] = set()
    for chunk in _chunks(ids):
        days.update(
            session.scalars(
                select(Dispatch.sent_on)
                .join(TrackedRequest, TrackedRequest.dispatch_id == Dispatch.id)
                .where(TrackedRequest.item_id.in_(chunk))
                .distinct()
            )
        )
    mark(session=session, family="requests", days=days)


def _changed(obj: Any, names: Sequence[str]) -> bool:
    from sqlalchemy import inspect

    state = inspect(obj)
    return any(state.attrs[n].history.has_changes() for n in names)


def _old_and_new(obj: Any, name: str) -> list[Any]:
    """The attribute's value now and the one it replaces (a moved date marks both days)."""
    from sqlalchemy import inspect

    history = inspect(obj).attrs[name].history
    return [v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None]


def marks_for_flush(session: Session) -> None:
    """The marks for what this flush changed through the ORM (called by the listener)."""
    wanted: dict[str, set[date]] = defaultdict(set)
    dispatch_ids: set[int] = set()
    item_ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        is_new = obj in session.new or obj in session.deleted
        if isinstance(obj, TrackedRequest):
            if is_new or _changed(obj, _REQUEST_COLUMNS):
                dispatch_ids.update(_old_and_new(obj, "dispatch_id"))
        elif isinstance(obj, Dispatch):
            if is_new or _changed(obj, _DISPATCH_COLUMNS):
                wanted["requests"].update(_old_and_new(obj, "sent_on"))
        elif isinstance(obj, MonitorState):
            if is_new or _changed(obj, ("verdict", "item_id")):
                item_ids.update(_old_and_new(obj, "item_id"))
        elif isinstance(obj, Item):
            if is_new or _changed(obj, ("state", "created_at")):
                wanted["funnel"].update(_day(v) for v in _old_and_new(obj, "created_at"))
        elif isinstance(obj, Proposal) and (is_new or _changed(obj, _PROPOSAL_COLUMNS)):
            wanted["proposed"].update(_day(v) for v in _old_and_new(obj, "proposed_at"))
            wanted["decided"].update(_day(v) for v in _old_and_new(obj, "decided_at"))
    if not (wanted or dispatch_ids or item_ids):
        return
    with session.no_autoflush:
        ids = sorted(dispatch_ids)
        for chunk in _chunks(ids):
            wanted["requests"].update(
                session.scalars(select(Dispatch.sent_on).where(Dispatch.id.in_(chunk)))
            )
        for family, days in wanted.items():
            mark(session=session, family=family, days=days)
        if item_ids:
            mark_items(session=session, item_ids=item_ids)


# -- computing a family's figures from the source tables -----------------------------------


def _request_query() -> Any:
    return (
        select(
            TrackedRequest.decision,
            TrackedRequest.decided_on,
            TrackedRequest.removed_at,
            TrackedRequest.reinstated_on,
            TrackedRequest.reason,
            TrackedRequest.conduct,
            Dispatch.id.label("dispatch_id"),
            Dispatch.host_country,
            Dispatch.channel,
            Dispatch.provider,
            Dispatch.sent_on,
            MonitorState.verdict,
        )
        .join(Dispatch, Dispatch.id == TrackedRequest.dispatch_id)
        .outerjoin(MonitorState, MonitorState.item_id == TrackedRequest.item_id)
    )


def outcome_of(request: Any, verdict: str | None) -> str:
    """One outcome per request (the transparency report's list; see service.OUTCOMES)."""
    if removal_day(request, verdict) is not None:
        return "removed"
    if disputed(request, verdict):
        return "disputed"
    return str(request.decision or "awaiting")


def _add_request(counts: Counter[Cell], r: Any) -> None:
    """One request's contribution; the single place the outcome rule meets the figures."""
    verdict = r.verdict
    removed = removal_day(r, verdict)
    days = None if removed is None else str((removed - r.sent_on).days)
    contradicted, back, online = disputed(r, verdict), reinstated(r, verdict), verdict in ONLINE
    refused = (r.reason or "other") if r.decision == "refused" else None
    keyed = (
        ("all", ""),
        ("host", r.host_country or ""),
        ("channel", r.channel or ""),
        ("provider", r.provider or ""),
        ("conduct", r.conduct or ""),
    )
    for dim, key in keyed:
        counts[dim, key, "sent", ""] += 1
        if days is not None:
            counts[dim, key, "removed", ""] += 1
            counts[dim, key, "days", days] += 1
        if refused is not None:
            counts[dim, key, "refused", refused] += 1
        if online:
            counts[dim, key, "online", ""] += 1
        if contradicted:
            counts[dim, key, "disputed", ""] += 1
        if back:
            counts[dim, key, "reinstated", ""] += 1
    outcome = outcome_of(r, verdict)
    counts["all", "", "outcome", outcome] += 1
    if outcome == "refused":
        counts["all", "", "refused_outcome", r.reason or "other"] += 1
    if verdict is not None:
        counts["all", "", "checked", ""] += 1
    # Verified: the monitor itself saw it gone, not only the host's word.
    if r.removed_at is not None or verdict == "removed":
        counts["all", "", "verified", ""] += 1
    # The law engine's statistics count only requests with an outcome.
    if days is not None or r.decision is not None:
        pair = f"{r.host_country}|{r.channel}"
        counts["pair", pair, "answered", ""] += 1
        if days is not None:
            counts["pair", pair, "removed", ""] += 1
            counts["pair", pair, "days", days] += 1


def _requests(session: Session, days: Sequence[date] | None) -> dict[date, Counter[Cell]]:
    out: dict[date, Counter[Cell]] = defaultdict(Counter)
    dossiers: dict[date, set[int]] = defaultdict(set)
    queries = (
        [_request_query()]
        if days is None
        else [_request_query().where(Dispatch.sent_on.in_(c)) for c in _chunks(days)]
    )
    for query in queries:
        for r in session.execute(query.execution_options(yield_per=10_000)):
            _add_request(out[r.sent_on], r)
            dossiers[r.sent_on].add(r.dispatch_id)
    for day, ids in dossiers.items():
        out[day]["all", "", "dossiers", ""] = len(ids)
    return out


def _in_days(column: Any, days: Sequence[date] | None) -> list[Any]:
    """WHERE clauses selecting `column` (a UTC timestamp) on `days`, chunked; [True] for all."""
    if days is None:
        return [column.is_not(None)]
    return [
        or_(
            *[
                and_(column >= day_start(d), column < day_start(d + timedelta(days=1)))
                for d in chunk
            ]
        )
        for chunk in _chunks(days)
    ]


def _funnel(session: Session, days: Sequence[date] | None) -> dict[date, Counter[Cell]]:
    """Each item counts once, at the furthest main-line state it ever entered (its history)."""
    furthest: dict[str, tuple[date, int]] = {}
    for clause in _in_days(Item.created_at, days):
        for item_id, state, created in session.execute(
            select(Item.id, Item.state, Item.created_at).where(clause)
        ):
            furthest[str(item_id)] = (_day(created), _RANK.get(state, 0))
    events = select(AuditEvent.object_id, AuditEvent.data).where(
        AuditEvent.action == "item.state", AuditEvent.object_type == "item"
    )
    wanted = sorted(furthest)
    queries = (
        [events]
        if days is None
        else [events.where(AuditEvent.object_id.in_(c)) for c in _chunks(wanted)]
    )
    for query in queries if furthest else []:
        for object_id, data in session.execute(query.execution_options(yield_per=10_000)):
            seen = furthest.get(object_id)
            rank = _RANK.get(str((data or {}).get("to")), -1)
            if seen is not None and rank > seen[1]:
                furthest[object_id] = (seen[0], rank)
    out: dict[date, Counter[Cell]] = defaultdict(Counter)
    for day, rank in furthest.values():
        out[day]["all", "", "furthest", MAIN_LINE[rank]] += 1
    return out


def _proposed(session: Session, days: Sequence[date] | None) -> dict[date, Counter[Cell]]:
    out: dict[date, Counter[Cell]] = defaultdict(Counter)
    for clause in _in_days(Proposal.proposed_at, days):
        for proposed_at, found in session.execute(
            select(Proposal.proposed_at, Proposal.findings).where(clause)
        ):
            counts = out[_day(proposed_at)]
            counts["all", "", "proposed", ""] += 1
            counts["all", "", "with_findings", ""] += bool(found)
            counts["all", "", "findings", ""] += len(found or [])
    return out


def _decided(session: Session, days: Sequence[date] | None) -> dict[date, Counter[Cell]]:
    out: dict[date, Counter[Cell]] = defaultdict(Counter)
    for clause in _in_days(Proposal.decided_at, days):
        for decided_at, state, override in session.execute(
            select(Proposal.decided_at, Proposal.state, Proposal.override_reason).where(clause)
        ):
            if decided_at is None:  # excluded by the clause; says so to the type checker
                continue
            counts = out[_day(decided_at)]
            counts["all", "", "reviewed", ""] += 1
            counts["all", "", "rejected", ""] += state == "rejected"
            counts["all", "", "overrides", ""] += override is not None
    return out


_COMPUTE = {"requests": _requests, "funnel": _funnel, "proposed": _proposed, "decided": _decided}


def compute(
    *, session: Session, family: str, days: Sequence[date] | None = None
) -> dict[date, Counter[Cell]]:
    """`family`'s figures recomputed from the source tables, per day (all days when None).

    Zero counts are dropped, so a stored table never holds a row that says 0.
    """
    fresh = _COMPUTE[family](session, None if days is None else sorted(set(days)))
    return {d: Counter({k: v for k, v in c.items() if v}) for d, c in fresh.items()}


# -- reading -----------------------------------------------------------------------------


def _marked(session: Session, family: str, first: date | None, last: date | None) -> list[date]:
    query = select(FigureMark.day).where(FigureMark.family == family).distinct()
    if first is not None:
        query = query.where(FigureMark.day >= first)
    if last is not None:
        query = query.where(FigureMark.day <= last)
    return sorted(session.scalars(query))


def totals(
    *,
    session: Session,
    family: str,
    dims: Sequence[str] = ("all",),
    first: date | None = None,
    last: date | None = None,
    names: Mapping[str, Sequence[str]] | None = None,
) -> Counter[Cell]:
    """`family`'s figures summed over the days in [first, last] (open ends: all days).

    `names` restricts a dimension to some figures (`{"host": ("sent",)}`): a
    view reads only the rows it shows. Stored rows for the days without a
    mark, recomputed figures for the marked ones: exact whatever has been
    refreshed. Marked days are then stored.
    """
    f = Figure
    only = names or {}
    stale = exists(
        select(FigureMark.id).where(FigureMark.family == f.family, FigureMark.day == f.day)
    )
    out: Counter[Cell] = Counter()
    for dim in dims:  # one index range per dimension (and figure)
        query = (
            select(f.key, f.name, f.bucket, func.sum(f.count))
            .where(f.family == family, f.dim == dim, ~stale)
            .group_by(f.key, f.name, f.bucket)
        )
        if dim in only:
            query = query.where(f.name.in_(only[dim]))
        if first is not None:
            query = query.where(f.day >= first)
        if last is not None:
            query = query.where(f.day <= last)
        for key, name, bucket, count in session.execute(query):
            out[dim, key, name, bucket] += int(count)
    marked = _marked(session, family, first, last)
    if marked:
        for counts in compute(session=session, family=family, days=marked).values():
            out.update(
                {
                    cell: n
                    for cell, n in counts.items()
                    if cell[0] in dims and (cell[0] not in only or cell[2] in only[cell[0]])
                }
            )
        _refresh_after_read(session)
    return out


def _refresh_after_read(session: Session) -> None:
    """Store the marked days now, unless that would wait on a writer (then: next read)."""
    bind = session.get_bind()
    if not isinstance(bind, Engine):  # a borrowed connection: the next read stores them
        return
    if not bind.get_execution_options().get("comity_readonly"):
        refresh(session=session)  # the caller's own write transaction
        return
    engine = bind.execution_options(comity_readonly=False)
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.connect() as connection:
            raw = connection.connection.driver_connection
            if sqlite and raw is not None:
                # Give up at once if a writer holds the database: a view must not wait.
                raw.execute("PRAGMA busy_timeout=0")
            try:
                with Session(bind=connection) as writer:
                    refresh(session=writer)
                    writer.commit()
            finally:
                if sqlite and raw is not None:
                    raw.execute("PRAGMA busy_timeout=30000")
    except (OperationalError, IntegrityError) as exc:
        # Busy, or another reader stored the same day first: the marks stay, reads stay exact.
        log.info("figures: refresh deferred (%s)", type(exc).__name__)


# -- storing -----------------------------------------------------------------------------


def _store(
    session: Session, family: str, days: Sequence[date], fresh: dict[date, Counter[Cell]]
) -> int:
    for chunk in _chunks(sorted(set(days))):
        session.execute(delete(Figure).where(Figure.family == family, Figure.day.in_(chunk)))
    rows = [
        {
            "family": family,
            "dim": c[0],
            "day": d,
            "key": c[1],
            "name": c[2],
            "bucket": c[3],
            "count": n,
        }
        for d, counts in fresh.items()
        for c, n in counts.items()
    ]
    for first in range(0, len(rows), 5_000):
        session.execute(insert(Figure), rows[first : first + 5_000])
    return len(rows)


def _forget(session: Session, ids: Sequence[int]) -> None:
    """Delete exactly the marks that were read: one written meanwhile keeps its day live."""
    for chunk in _chunks(sorted(ids)):
        session.execute(delete(FigureMark).where(FigureMark.id.in_(chunk)))


def refresh(*, session: Session) -> int:
    """Recompute and store every marked day, in the caller's transaction; the days stored."""
    marks = session.execute(select(FigureMark.id, FigureMark.family, FigureMark.day)).all()
    if not marks:
        return 0
    days: dict[str, set[date]] = defaultdict(set)
    for _, family, day in marks:
        days[family].add(day)
    for family, chosen in days.items():
        ordered = sorted(chosen)
        _store(session, family, ordered, compute(session=session, family=family, days=ordered))
    _forget(session, [m[0] for m in marks])
    return sum(len(d) for d in days.values())


@dataclass(frozen=True)
class Difference:
    """The first stored figure that disagrees with the recomputation."""

    family: str
    day: date
    cell: Cell
    stored: int
    recomputed: int

    def __str__(self) -> str:
        dim, key, name, bucket = self.cell
        where = f"{self.family} {self.day.isoformat()} {dim}"
        where += f"[{key}]" if key else ""
        where += f" {name}" + (f"[{bucket}]" if bucket else "")
        return f"{where}: stored {self.stored}, recomputed {self.recomputed}"


def _stored(session: Session, family: str) -> dict[date, Counter[Cell]]:
    out: dict[date, Counter[Cell]] = defaultdict(Counter)
    query = select(Figure.day, Figure.dim, Figure.key, Figure.name, Figure.bucket, Figure.count)
    for day, dim, key, name, bucket, count in session.execute(query.where(Figure.family == family)):
        out[day][dim, key, name, bucket] = count
    return out


def _first_difference(
    family: str,
    stored: dict[date, Counter[Cell]],
    fresh: dict[date, Counter[Cell]],
    skip: set[date],
) -> Difference | None:
    for day in sorted(set(stored) | set(fresh)):
        if day in skip:  # read live until refreshed: nothing stored is used
            continue
        have, want = stored.get(day, Counter()), fresh.get(day, Counter())
        for cell in sorted(set(have) | set(want)):
            if have[cell] != want[cell]:
                return Difference(family, day, cell, have[cell], want[cell])
    return None


def rebuild(*, session: Session, actor: str | None, check: bool = False) -> dict[str, Any]:
    """Recompute every family from the source tables; store it, or with `check` compare only.

    With `check` nothing is written and `difference` is the first stored figure
    (of a day without a mark: marked days are read live) that disagrees.
    Checking is an auditor's act; replacing the stored figures an administrator's.
    """
    from comity.users.service import require

    user = require(session=session, actor=actor, action="audit" if check else "settings")
    marks = session.execute(select(FigureMark.id, FigureMark.family, FigureMark.day)).all()
    result: dict[str, Any] = {"families": {}, "difference": None}
    rows = 0
    for family in FAMILIES:
        fresh = compute(session=session, family=family)
        cells = sum(len(c) for c in fresh.values())
        result["families"][family] = {"days": len(fresh), "figures": cells}
        if check:
            skip = {d for _, f, d in marks if f == family}
            found = _first_difference(family, _stored(session, family), fresh, skip)
            if found is not None and result["difference"] is None:
                result["difference"] = found
            continue
        session.execute(delete(Figure).where(Figure.family == family))
        rows += _store(session, family, [], fresh)
    if check:
        return result
    _forget(session, [m[0] for m in marks])
    audit.record(
        session=session,
        actor=user.name,
        action="figures.rebuild",
        object_type="figures",
        object_id="all",
        state=result["families"],
        data={"rows": rows, "marks_cleared": len(marks)},
    )
    result["rows"] = rows
    return result
