"""The liveness monitor: check items, decide verdicts, store checks and evidence.

Network I/O never runs inside a database transaction (a slow site would hold
SQLite's write lock): targets are read in a read session, probed concurrently,
evidence for changed verdicts is fetched and sealed into the store, and then
one short write transaction per chunk stores the checks, the items' latest
verdicts, the evidence rows and the audit events.

Only a verdict change is an audit event: an unchanged check is an observation
(kept in `monitor_checks`), not a change of anything's state, and auditing
hundreds of thousands of identical daily checks would bury the real changes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from comity.cases.states import TRANSITIONS, transition
from comity.core import audit
from comity.core.db import read_session, session_scope, utcnow
from comity.core.errors import BadInput, NotFound
from comity.evidence.models import Evidence
from comity.evidence.service import Captured, record_capture
from comity.hosting.models import AttributionRecord
from comity.intake.models import Item
from comity.tracking.classify import Classified, classify
from comity.tracking.models import MonitorCheck, MonitorState, TrackedRequest
from comity.tracking.outcome import ONLINE, disputed
from comity.tracking.probe import Prober, ProbeResult
from comity.users.service import require

__all__ = [
    "RECHECK_AFTER",
    "Hooks",
    "Target",
    "monitor_items",
    "monitor_section",
    "select_targets",
]

# When an item is next due, by verdict: content still up is re-checked daily;
# an unreachable or challenged item sooner (it may come back); a removed item
# weekly, to verify that it stays removed.
RECHECK_AFTER: dict[str, timedelta] = {
    "up": timedelta(hours=24),
    "changed": timedelta(hours=24),
    "moved": timedelta(hours=12),
    "challenge": timedelta(hours=6),
    "unreachable": timedelta(hours=6),
    "legal_block": timedelta(days=3),
    "removed": timedelta(days=7),
    "reappeared": timedelta(days=7),
}
_INACTIVE = ("closed", "withdrawn")
_CHUNK = 2_000


@dataclass(frozen=True)
class Target:
    item_id: int
    url: str
    baseline_sha256: str | None
    previous: str | None
    attributed_ips: frozenset[str] | None


ProberFactory = Callable[[], Prober]
Capture = Callable[[int, str], Captured]
Reattribute = Callable[[Sequence[int]], dict[int, str | None]]
JobKey = str | Callable[[int], str] | None


@dataclass
class Hooks:
    """What the monitor needs from outside: the prober, and (optional) evidence and attribution.

    `capture` fetches and seals evidence for an item whose verdict changed;
    `reattribute` re-attributes items whose addresses changed and says, per
    item, why it moved (None: it did not).
    """

    prober: ProberFactory
    capture: Capture | None = None
    reattribute: Reattribute | None = None
    notes: list[str] = field(default_factory=list)


def select_targets(
    *,
    session: Session,
    item_ids: Sequence[int] = (),
    everything: bool = False,
    due: bool = False,
    now: datetime | None = None,
) -> list[Target]:
    """Active items to check: the ids given, every active item, or those due.

    Ids with `due` (a scheduled batch job): those of the ids still due, so a
    batch delivered twice, or overtaken by a newer one, checks nothing twice.
    """
    if not (item_ids or everything or due) or (everything and (item_ids or due)):
        raise BadInput("monitor: give item ids, --all or --due (one of them)")
    query = select(Item.id, Item.url).where(Item.state.not_in(_INACTIVE)).order_by(Item.id)
    if item_ids:
        query = select(Item.id, Item.url).where(Item.id.in_(item_ids)).order_by(Item.id)
    if due:
        query = query.outerjoin(MonitorState, MonitorState.item_id == Item.id).where(
            (MonitorState.item_id.is_(None)) | (MonitorState.next_due_at <= (now or utcnow()))
        )
    rows = session.execute(query).all()
    if item_ids and not due:
        missing = sorted(set(item_ids) - {r[0] for r in rows})
        if missing:
            raise NotFound(f"item {missing[0]} does not exist (see: comity items list)")
    out: list[Target] = []
    for start in range(0, len(rows), 500):
        part = rows[start : start + 500]
        ids = [r[0] for r in part]
        baselines = _baselines(session, ids)
        previous = dict(
            session.execute(
                select(MonitorState.item_id, MonitorState.verdict).where(
                    MonitorState.item_id.in_(ids)
                )
            ).all()
        )
        ips = _attributed_ips(session, ids)
        out.extend(Target(i, url, baselines.get(i), previous.get(i), ips.get(i)) for i, url in part)
    return out


def _baselines(session: Session, ids: list[int]) -> dict[int, str]:
    # The baseline is the newest capture made by a person (the evidence a request
    # rests on), not the monitor's own captures of a change: comparing with
    # those would make `changed` flip back to `up` on the next check.
    by_monitor = select(MonitorCheck.evidence_id).where(MonitorCheck.evidence_id.is_not(None))
    newest = (
        select(func.max(Evidence.id))
        .where(Evidence.item_id.in_(ids), Evidence.outcome == "ok")
        .where(Evidence.content_sha256.is_not(None), Evidence.id.not_in(by_monitor))
        .group_by(Evidence.item_id)
    )
    rows = session.execute(
        select(Evidence.item_id, Evidence.content_sha256).where(Evidence.id.in_(newest))
    ).all()
    return {item_id: sha for item_id, sha in rows if sha is not None}


def _attributed_ips(session: Session, ids: list[int]) -> dict[int, frozenset[str]]:
    newest = (
        select(func.max(AttributionRecord.id))
        .where(AttributionRecord.item_id.in_(ids))
        .group_by(AttributionRecord.item_id)
    )
    rows = session.execute(
        select(AttributionRecord.item_id, AttributionRecord.data).where(
            AttributionRecord.id.in_(newest)
        )
    ).all()
    return {i: frozenset(str(ip["ip"]) for ip in data.get("ips", [])) for i, data in rows}


async def _probe_all(factory: ProberFactory, urls: list[str]) -> list[ProbeResult]:
    async with factory() as prober:
        return await prober.check_all(urls)


def _moved(
    hooks: Hooks, targets: list[Target], results: list[tuple[ProbeResult, Classified]]
) -> None:
    """Turn `up` into `moved` where the addresses changed and re-attribution says it moved."""
    candidates = [
        t.item_id
        for t, (probe, verdict) in zip(targets, results, strict=True)
        if verdict.verdict == "up"
        and t.attributed_ips is not None
        and probe.ips
        and frozenset(probe.ips) != t.attributed_ips
    ]
    if not candidates or hooks.reattribute is None:
        return
    reasons = hooks.reattribute(candidates)
    for index, target in enumerate(targets):
        reason = reasons.get(target.item_id)
        if reason:
            probe, _ = results[index]
            results[index] = (probe, Classified("moved", f"same content, new host: {reason}"))


def _keep_reappeared(targets: list[Target], results: list[tuple[ProbeResult, Classified]]) -> None:
    """A `reappeared` item still gone at its URL stays `reappeared` (see tracking.reappeared)."""
    for index, target in enumerate(targets):
        probe, verdict = results[index]
        if target.previous == "reappeared" and verdict.verdict == "removed":
            detail = f"{verdict.detail}; the content is online at another URL (content group)"
            results[index] = (probe, Classified("reappeared", detail))


def _changed(target: Target, verdict: str) -> bool:
    # The first check of an item changes nothing if the content is simply up:
    # the capture that made the baseline is its evidence already.
    return verdict != target.previous and not (target.previous is None and verdict == "up")


def monitor_items(
    *,
    engine: Engine,
    actor: str | None,
    hooks: Hooks,
    item_ids: Sequence[int] = (),
    everything: bool = False,
    due: bool = False,
    job_key: JobKey = None,
    on_commit: Callable[[Session], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[dict[str, Any]]:
    """Check items; one dict per check. `job_key` and `on_commit` are for background jobs.

    `job_key` is stored with each check (unique: a job's check is stored once); a
    job over several items gives a function of the item id instead.
    """
    with read_session(engine) as session:
        acting = require(session=session, actor=actor, action="monitor").name
        targets = select_targets(session=session, item_ids=item_ids, everything=everything, due=due)
    out: list[dict[str, Any]] = []
    chunks = [targets[i : i + _CHUNK] for i in range(0, len(targets), _CHUNK)] or [[]]
    for number, chunk in enumerate(chunks):
        probes = asyncio.run(_probe_all(hooks.prober, [t.url for t in chunk])) if chunk else []
        results = [
            (p, classify(p, baseline_sha256=t.baseline_sha256))
            for t, p in zip(chunk, probes, strict=True)
        ]
        _moved(hooks, chunk, results)
        _keep_reappeared(chunk, results)
        captured: dict[int, Captured] = {}
        if hooks.capture is not None:
            for target, (_, verdict) in zip(chunk, results, strict=True):
                if _changed(target, verdict.verdict):
                    captured[target.item_id] = hooks.capture(target.item_id, target.url)
        last = number == len(chunks) - 1
        with session_scope(engine) as session:
            out.extend(_store(session, acting, chunk, results, captured, hooks, job_key))
            if last and on_commit is not None:
                on_commit(session)
        if progress is not None:
            progress(len(chunk))
    return out


def _upsert_state(session: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    builder = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = builder(MonitorState)
    stmt = stmt.on_conflict_do_update(
        index_elements=[MonitorState.item_id],
        set_={
            "verdict": stmt.excluded.verdict,
            "checked_at": stmt.excluded.checked_at,
            "since": stmt.excluded.since,
            "next_due_at": stmt.excluded.next_due_at,
            "last_check_id": stmt.excluded.last_check_id,
        },
    )
    session.execute(stmt, rows)


def _evidence_row(
    session: Session, captured: Captured | None, actor: str, hooks: Hooks
) -> int | None:
    if captured is None:
        return None
    from comity.core.errors import Refused

    try:
        with session.begin_nested():
            return record_capture(session=session, captured=captured, actor=actor).id
    except Refused as exc:
        hooks.notes.append(f"item {captured.item_id}: evidence not stored: {exc.message}")
        return None


def _store(
    session: Session,
    actor: str,
    targets: list[Target],
    results: list[tuple[ProbeResult, Classified]],
    captured: dict[int, Captured],
    hooks: Hooks,
    job_key: JobKey,
) -> list[dict[str, Any]]:
    now = utcnow()
    since = dict(
        session.execute(
            select(MonitorState.item_id, MonitorState.since).where(
                MonitorState.item_id.in_([t.item_id for t in targets])
            )
        ).all()
    )
    rows: list[dict[str, Any]] = []
    for target, (probe, verdict) in zip(targets, results, strict=True):
        changed = _changed(target, verdict.verdict)
        rows.append(
            {
                "item_id": target.item_id,
                "checked_at": now,
                "verdict": verdict.verdict,
                "status": probe.status,
                "content_sha256": probe.sha256,
                "ip": probe.ips[0] if probe.ips else None,
                "detail": verdict.detail[:2000],
                "previous_verdict": target.previous,
                "evidence_id": _evidence_row(session, captured.get(target.item_id), actor, hooks)
                if changed
                else None,
                "job_key": job_key(target.item_id) if callable(job_key) else job_key,
            }
        )
    ids = (
        list(
            session.scalars(
                insert(MonitorCheck).returning(MonitorCheck.id, sort_by_parameter_order=True), rows
            )
        )
        if rows
        else []
    )
    states = []
    out = []
    events: list[audit.Entry] = []
    removed: list[tuple[Target, dict[str, Any]]] = []
    back: list[tuple[Target, dict[str, Any]]] = []
    for target, row, check_id in zip(targets, rows, ids, strict=True):
        verdict = row["verdict"]
        changed = verdict != target.previous
        states.append(
            {
                "item_id": target.item_id,
                "verdict": verdict,
                "checked_at": now,
                "since": now if changed else since.get(target.item_id, now),
                "next_due_at": now + RECHECK_AFTER[verdict],
                "last_check_id": check_id,
            }
        )
        if changed:
            events.append(_change_event(target, row, check_id))
            if verdict == "removed":
                removed.append((target, row))
            elif verdict in ONLINE and target.previous == "removed":
                back.append((target, row))
        out.append(
            {
                "id": check_id,
                "url": target.url,
                "changed": changed,
                **{k: v for k, v in row.items() if k != "job_key"},
            }
        )
    # One chained INSERT for the chunk's verdict changes, then what a removal sets off.
    audit.record_many(session=session, actor=actor, entries=events)
    _on_removed(session, actor, removed)
    _on_back_online(session, actor, back)
    _upsert_state(session, states)
    if events:  # verdicts moved by an upsert the ORM listener does not see
        from comity.reports.figures import mark_items

        mark_items(session=session, item_ids=[int(e.object_id) for e in events])
    return out


def _change_event(target: Target, row: dict[str, Any], check_id: int) -> audit.Entry:
    verdict = row["verdict"]
    return audit.Entry(
        action="item.monitor",
        object_type="item",
        object_id=target.item_id,
        state={"item_id": target.item_id, "verdict": verdict, "check": check_id},
        data={
            "from": target.previous,
            "to": verdict,
            "status": row["status"],
            "detail": row["detail"],
            "evidence_id": row["evidence_id"],
        },
    )


def _on_removed(session: Session, actor: str, removed: list[tuple[Target, dict[str, Any]]]) -> None:
    """A removal seen by the monitor dates the open requests for the statistics and
    verifies a sent or answered item (the cases state machine decides)."""
    if not removed:
        return
    rows = {target.item_id: row for target, row in removed}
    for request in session.scalars(
        select(TrackedRequest).where(
            TrackedRequest.item_id.in_(list(rows)), TrackedRequest.removed_at.is_(None)
        )
    ):
        request.removed_at = rows[request.item_id]["checked_at"]
    _move(session, actor, rows, "verified", "monitor: {}")


def _move(
    session: Session, actor: str, rows: dict[int, dict[str, Any]], to: str, reason: str
) -> None:
    """Move each item of `rows` to `to` where the state machine allows it (else leave it)."""
    for item in session.scalars(select(Item).where(Item.id.in_(list(rows))).order_by(Item.id)):
        if to in TRANSITIONS.get(item.state, frozenset()):
            detail = rows[item.id]["detail"]
            transition(session=session, item=item, to=to, actor=actor, reason=reason.format(detail))


def _on_back_online(
    session: Session, actor: str, back: list[tuple[Target, dict[str, Any]]]
) -> None:
    """Content seen removed and now online again at the same URL: a verified item is
    reinstated (the case reopens; `comity track attention` drafts the follow-up)."""
    if not back:
        return
    rows = {target.item_id: row for target, row in back}
    _move(session, actor, rows, "reinstated", "monitor: online again at the same URL ({})")


def monitor_section(session: Session, item: Item) -> dict[str, Any] | None:
    """`comity item show` section: the latest verdict and when it was checked."""
    state = session.get(MonitorState, item.id)
    if state is None:
        return {"verdict": None, "checked_at": None}
    check = session.get(MonitorCheck, state.last_check_id)
    return {
        "verdict": state.verdict,
        "checked_at": state.checked_at.isoformat(),
        "since": state.since.isoformat(),
        "next_due_at": state.next_due_at.isoformat(),
        "status": check.status if check else None,
        "detail": check.detail if check else None,
        "evidence_id": check.evidence_id if check else None,
        # the host answered "removed" but the monitor still sees the content
        "disputed": any(
            disputed(request, state.verdict)
            for request in session.scalars(
                select(TrackedRequest).where(TrackedRequest.item_id == item.id)
            )
        ),
    }
