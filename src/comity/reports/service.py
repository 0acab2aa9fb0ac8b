"""Aggregates for the internal dashboard and the transparency report (keyword-only services).

Definitions follow the tracking domain's statistics (comity.tracking.stats) so
the dashboard and `comity stats` never disagree:

- a request is one item of one dispatched dossier;
- it counts as removed when the host said `removed` or the monitor saw the
  content gone (`removed_at`); geo-blocking is NOT removal (still up elsewhere);
- days to removal run from the dispatch date to the earlier of the two;
- "still online" is the share of sent requests whose item's latest monitor
  verdict is up, changed or moved (a challenge page proves nothing either way).

Every figure carries `n`, the number of observations behind it, so a rate of
100 % over two requests is never read as a trend. The dashboard is internal
and shows every count as it is; disclosure control (small-cell suppression)
belongs to the public transparency report only (see comity.reports.disclosure).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comity.cases.models import Proposal
from comity.core.db import utcnow
from comity.core.errors import BadInput
from comity.intake.models import Report
from comity.reports._funnel import funnel
from comity.tracking.models import Dispatch, MonitorState, TrackedRequest
from comity.tracking.outcome import ONLINE, disputed, reinstated, removal_day
from comity.tracking.service import overdue
from comity.tracking.stats import percentile

__all__ = ["OUTCOMES", "dashboard", "period_figures", "request_rows"]

_ONLINE = frozenset({"up", "changed", "moved"})
# One outcome per request, in the order the report lists them. `awaiting`: no
# decision recorded and not seen removed.
OUTCOMES = (
    "removed",
    "disputed",
    "geo_blocked",
    "restricted",
    "partial",
    "refused",
    "no_reply",
    "awaiting",
)


def _start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _as_date(value: date | datetime | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def request_rows(
    *, session: Session, sent_from: date | None = None, sent_to: date | None = None
) -> list[tuple[TrackedRequest, Dispatch, str | None]]:
    """Requests dispatched in [sent_from, sent_to] (inclusive), with the item's latest verdict."""
    query = (
        select(TrackedRequest, Dispatch, MonitorState.verdict)
        .join(Dispatch, Dispatch.id == TrackedRequest.dispatch_id)
        .outerjoin(MonitorState, MonitorState.item_id == TrackedRequest.item_id)
        .order_by(TrackedRequest.id)
    )
    if sent_from is not None:
        query = query.where(Dispatch.sent_on >= sent_from)
    if sent_to is not None:
        query = query.where(Dispatch.sent_on <= sent_to)
    return [(r, d, v) for r, d, v in session.execute(query)]


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


def dashboard(*, session: Session, since: date | datetime | None = None) -> dict[str, Any]:
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
    stages = funnel(session=session, since=_start(day) if day else None)
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


def _reports(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    rows = session.execute(
        select(Report.conduct, func.count(Report.id), func.count(func.distinct(Report.item_id)))
        .where(Report.reported_at >= start, Report.reported_at < end)
        .group_by(Report.conduct)
    ).all()
    items = session.scalar(
        select(func.count(func.distinct(Report.item_id))).where(
            Report.reported_at >= start, Report.reported_at < end
        )
    )
    return {
        "reports_received": sum(int(r[1]) for r in rows),
        "items_reported": int(items or 0),
        "items_by_conduct": {str(r[0]): int(r[2]) for r in sorted(rows)},
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


def period_figures(*, session: Session, period_from: date, period_to: date) -> dict[str, Any]:
    """Raw (not yet suppressed) aggregates for [period_from, period_to], both days included.

    Reports and review decisions count by when they happened; requests by
    their dispatch date, with their outcome as known today.
    """
    if period_to < period_from:
        raise BadInput(f"--to: {period_to} is before --from {period_from}")
    start, end = _start(period_from), _start(period_to + timedelta(days=1))
    rows = request_rows(session=session, sent_from=period_from, sent_to=period_to)
    return {
        "period": {"from": period_from.isoformat(), "to": period_to.isoformat()},
        **_reports(session, start, end),
        **_requests(rows),
        "safeguards": _safeguards(session, start, end),
    }
