"""The whole-history computation that `comity.reports.figures` replaced, kept as the reference.

Every figure here walks every tracked request (and, for the funnel, every
`item.state` audit event) on each call: this is the code the dashboard,
`comity stats` and the transparency report ran before issue 19 item 2, kept
unchanged so that the equivalence tests and `bench/bench_reports.py` compare
the stored figures against it in the same run. The product does not call it.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.cases.models import Proposal
from comity.cases.states import MAIN_LINE
from comity.core.audit import AuditEvent
from comity.core.db import utcnow
from comity.core.errors import BadInput
from comity.intake.models import Item
from comity.law.assessment import ChannelStat
from comity.reports.figures import day_start
from comity.reports.service import OUTCOMES, _as_date, _reports, request_rows
from comity.tracking.models import Dispatch, MonitorState, TrackedRequest
from comity.tracking.outcome import ONLINE, disputed, reinstated, removal_day
from comity.tracking.service import overdue
from comity.tracking.stats import DIMENSIONS, percentile

__all__ = ["channel_stats_scan", "dashboard_scan", "outcome_stats_scan", "period_figures_scan"]

_RANK = {state: index for index, state in enumerate(MAIN_LINE)}


def _outcome(request: TrackedRequest, verdict: str | None) -> str:
    if removal_day(request, verdict) is not None:
        return "removed"
    if disputed(request, verdict):
        return "disputed"
    return request.decision or "awaiting"


def _days(values: Sequence[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "median": statistics.median(values) if values else None,
        "p90": percentile(list(values), 90),
        "values": sorted(values),
    }


def _rates(rows: Sequence[tuple[TrackedRequest, Dispatch, str | None]], dim: str) -> list[Any]:
    sent: Counter[str] = Counter()
    removed: Counter[str] = Counter()
    for request, dispatch, verdict in rows:
        key = (dispatch.host_country if dim == "host" else dispatch.channel) or "(unknown)"
        sent[key] += 1
        removed[key] += removal_day(request, verdict) is not None
    return [
        {"key": k, "n": sent[k], "removed": removed[k], "rate": round(removed[k] / sent[k], 3)}
        for k in sorted(sent)
    ]


def dashboard_scan(*, session: Session, since: date | datetime | None = None) -> dict[str, Any]:
    """The internal dashboard's figures (requests sent on/after `since`; all when None)."""
    day = _as_date(since)
    rows = request_rows(session=session, sent_from=day)
    days: list[float] = []
    refused: Counter[str] = Counter()
    online = checked = contradicted = back = 0
    for request, dispatch, verdict in rows:
        removed = removal_day(request, verdict)
        if removed is not None:
            days.append(float((removed - dispatch.sent_on).days))
        if request.decision == "refused":
            refused[request.reason or "other"] += 1
        checked += verdict is not None
        online += verdict in ONLINE
        contradicted += disputed(request, verdict)
        back += reinstated(request, verdict)
    stages = funnel_scan(session=session, since=day_start(day) if day else None)
    late = [r for r in overdue(session=session) if day is None or r["due_at"] >= day.isoformat()]
    return {
        "since": day.isoformat() if day else None,
        "as_of": utcnow().replace(microsecond=0).isoformat(),
        "requests": {"n": len(rows)},
        "removal_rate_by_host": _rates(rows, "host"),
        "removal_rate_by_channel": _rates(rows, "channel"),
        "days_to_removal": _days(days),
        "funnel": {"n": stages[0]["items"], "stages": stages},
        "refusals_by_reason": {
            "n": sum(refused.values()),
            "reasons": [{"reason": k, "count": refused[k]} for k in sorted(refused)],
        },
        "still_online": {
            "n": len(rows),
            "checked": checked,
            "online": online,
            "share": round(online / len(rows), 3) if rows else None,
            # the host said removed, the monitor still sees it; removed and back online
            "disputed": contradicted,
            "reinstated": back,
        },
        "overdue": {"n": len(late)},
    }


def _safeguards(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    decided = select(Proposal.state, Proposal.override_reason).where(
        Proposal.decided_at >= start, Proposal.decided_at < end
    )
    reviewed = rejected = overrides = 0
    for state, override_reason in session.execute(decided):
        reviewed += 1
        rejected += state == "rejected"
        overrides += override_reason is not None
    flagged = findings = 0
    proposed = select(Proposal.findings).where(
        Proposal.proposed_at >= start, Proposal.proposed_at < end
    )
    for (found,) in session.execute(proposed):
        flagged += bool(found)
        findings += len(found or [])
    return {
        "proposals_reviewed": reviewed,
        "proposals_rejected": rejected,
        "proposals_with_findings": flagged,
        "safeguard_findings": findings,
        "supervisor_overrides": overrides,
    }


def _requests(rows: Sequence[tuple[TrackedRequest, Dispatch, str | None]]) -> dict[str, Any]:
    outcomes: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    by: dict[str, Counter[str]] = defaultdict(Counter)
    days: list[float] = []
    verified = back = 0
    for request, dispatch, verdict in rows:
        by["channel"][dispatch.channel] += 1
        by["host"][dispatch.host_country] += 1
        outcome = _outcome(request, verdict)
        outcomes[outcome] += 1
        if outcome == "refused":
            reasons[request.reason or "other"] += 1
        removed = removal_day(request, verdict)
        if removed is not None:
            days.append(float((removed - dispatch.sent_on).days))
        back += reinstated(request, verdict)
        # Verified: the monitor itself saw it gone, not only the host's word.
        verified += request.removed_at is not None or verdict == "removed"
    return {
        "dossiers": len({d.id for _, d, _ in rows}),
        "requests": len(rows),
        "by_channel": dict(sorted(by["channel"].items())),
        "by_host": dict(sorted(by["host"].items())),
        "outcomes": {k: outcomes[k] for k in OUTCOMES},
        "refused_by_reason": dict(sorted(reasons.items())),
        "days_to_removal": {k: v for k, v in _days(days).items() if k != "values"},
        "verified_removed": {"count": verified, "n": len(rows)},
        "reinstated": {"count": back, "n": len(rows)},
    }


def period_figures_scan(*, session: Session, period_from: date, period_to: date) -> dict[str, Any]:
    """Raw (not yet suppressed) aggregates for [period_from, period_to], both days included.

    Reports and review decisions count by when they happened; requests by
    their dispatch date, with their outcome as known today.
    """
    if period_to < period_from:
        raise BadInput(f"--to: {period_to} is before --from {period_from}")
    start, end = day_start(period_from), day_start(period_to + timedelta(days=1))
    rows = request_rows(session=session, sent_from=period_from, sent_to=period_to)
    return {
        "period": {"from": period_from.isoformat(), "to": period_to.isoformat()},
        **_reports(session, start, end),
        **_requests(rows),
        "safeguards": _safeguards(session, start, end),
    }


def _rows(session: Session) -> Iterable[tuple[TrackedRequest, Dispatch, str | None]]:
    return session.execute(
        select(TrackedRequest, Dispatch, MonitorState.verdict)
        .join(Dispatch, Dispatch.id == TrackedRequest.dispatch_id)
        .outerjoin(MonitorState, MonitorState.item_id == TrackedRequest.item_id)
    ).all()


def _empty() -> dict[str, Any]:
    return {
        "sent": 0,
        "removed": 0,
        "refused": defaultdict(int),
        "days": [],
        "online": 0,
        "disputed": 0,
        "reinstated": 0,
    }


def _key(dimension: str, request: TrackedRequest, dispatch: Dispatch) -> str:
    value = {
        "host": dispatch.host_country,
        "channel": dispatch.channel,
        "provider": dispatch.provider,
        "conduct": request.conduct,
    }[dimension]
    return value or "(unknown)"


def _finish(raw: dict[str, Any]) -> dict[str, Any]:
    median = statistics.median(raw["days"]) if raw["days"] else None
    return {
        "sent": raw["sent"],
        "removed": raw["removed"],
        "refused": dict(sorted(raw["refused"].items())),
        "median_days_to_removal": median,
        "p90_days_to_removal": percentile(raw["days"], 90),
        "share_still_online": round(raw["online"] / raw["sent"], 3) if raw["sent"] else None,
        "disputed": raw["disputed"],
        "reinstated": raw["reinstated"],
    }


def outcome_stats_scan(*, session: Session) -> dict[str, dict[str, dict[str, Any]]]:
    """{dimension: {value: figures}} for every dimension in DIMENSIONS."""
    groups: dict[str, dict[str, dict[str, Any]]] = {d: defaultdict(_empty) for d in DIMENSIONS}
    for request, dispatch, verdict in _rows(session):
        removed = removal_day(request, verdict)
        for dimension in DIMENSIONS:
            raw = groups[dimension][_key(dimension, request, dispatch)]
            raw["sent"] += 1
            if removed is not None:
                raw["removed"] += 1
                raw["days"].append(float((removed - dispatch.sent_on).days))
            if request.decision == "refused":
                raw["refused"][request.reason or "other"] += 1
            if verdict in ONLINE:
                raw["online"] += 1
            raw["disputed"] += disputed(request, verdict)
            raw["reinstated"] += reinstated(request, verdict)
    return {d: {k: _finish(v) for k, v in sorted(g.items())} for d, g in groups.items()}


def channel_stats_scan(*, session: Session) -> dict[tuple[str, str], ChannelStat]:
    """The law engine's `channel_stats`: observed success per (host state, channel).

    Only requests with an outcome count (removed, or any decision other than
    no decision yet); the engine itself decides when `count` is enough to
    replace its priors (`channel_stats.min_count` in the vocabulary).
    """
    raw: dict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: {"n": 0, "ok": 0, "days": []})
    for request, dispatch, verdict in _rows(session):
        removed = removal_day(request, verdict)
        if removed is None and request.decision is None:
            continue
        entry = raw[(dispatch.host_country, dispatch.channel)]
        entry["n"] += 1
        if removed is not None:
            entry["ok"] += 1
            entry["days"].append(float((removed - dispatch.sent_on).days))
    return {
        key: ChannelStat(
            success_rate=v["ok"] / v["n"],
            median_days=float(statistics.median(v["days"])) if v["days"] else 0.0,
            count=v["n"],
        )
        for key, v in raw.items()
    }


def funnel_scan(
    *, session: Session, since: datetime | None = None, until: datetime | None = None
) -> list[dict[str, Any]]:
    """[{stage, items}] in main-line order, over the items reported in [since, until)."""
    cohort = select(Item.id, Item.state)
    if since is not None:
        cohort = cohort.where(Item.created_at >= since)
    if until is not None:
        cohort = cohort.where(Item.created_at < until)
    furthest: dict[str, int] = {}
    for item_id, state in session.execute(cohort):
        furthest[str(item_id)] = _RANK.get(state, 0)
    if furthest:
        events = select(AuditEvent.object_id, AuditEvent.data).where(
            AuditEvent.action == "item.state", AuditEvent.object_type == "item"
        )
        if since is not None:
            # An item's events all come after its report, so this only trims.
            events = events.where(AuditEvent.at >= since)
        for object_id, data in session.execute(events):
            if object_id in furthest:
                rank = _RANK.get(str((data or {}).get("to")), -1)
                if rank > furthest[object_id]:
                    furthest[object_id] = rank
    counts = [0] * len(MAIN_LINE)
    for rank in furthest.values():
        counts[rank] += 1
    # Cumulative from the end: reaching stage k means having passed every earlier one.
    reached, running = [0] * len(MAIN_LINE), 0
    for index in range(len(MAIN_LINE) - 1, -1, -1):
        running += counts[index]
        reached[index] = running
    return [{"stage": s, "items": n} for s, n in zip(MAIN_LINE, reached, strict=True)]
