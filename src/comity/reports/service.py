"""Aggregates for the internal dashboard and the transparency report (keyword-only services).

Definitions follow the tracking domain's statistics (comity.tracking.stats) so
the dashboard and `comity stats` never disagree:

- a request is one item of one dispatched dossier;
- it counts as removed when the host said `removed` or the monitor saw the
  content gone (`removed_at`); geo-blocking is NOT removal (still up elsewhere);
- days to removal run from the dispatch date to the earlier of the two;
- "still online" is the share of sent requests whose item's latest monitor
  verdict is up, changed or moved (a challenge page proves nothing either way).

The figures are read from the per-day store (`comity.reports.figures`), not
recomputed from every request on each view; `comity.reports.scan` keeps the
old whole-history computation as the reference the tests compare against.

Every figure carries `n`, the number of observations behind it, so a rate of
100 % over two requests is never read as a trend. The dashboard is internal
and shows every count as it is; disclosure control (small-cell suppression)
belongs to the public transparency report only (see comity.reports.disclosure).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comity.cases.states import MAIN_LINE
from comity.core.db import utcnow
from comity.core.errors import BadInput
from comity.intake.models import Report
from comity.reports import figures as stored
from comity.tracking.models import Dispatch, MonitorState, TrackedRequest
from comity.tracking.stats import counted_median, counted_percentile, histogram

__all__ = ["OUTCOMES", "dashboard", "period_figures", "request_rows"]

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


_DIMS = ("all", "host", "channel")
# Per host and channel the views show how many were sent and removed, nothing more.
_RATES_ONLY = {"host": ("sent", "removed"), "channel": ("sent", "removed")}


def _named(counts: Counter[stored.Cell], dim: str, name: str) -> dict[str, dict[str, int]]:
    """{key: {bucket: count}} of one figure of one dimension."""
    out: dict[str, dict[str, int]] = {}
    for (d, key, n, bucket), count in counts.items():
        if d == dim and n == name:
            out.setdefault(key, {})[bucket] = count
    return out


def _one(counts: Counter[stored.Cell], name: str) -> int:
    return counts["all", "", name, ""]


def _days(counts: Counter[stored.Cell], *, values: bool) -> dict[str, Any]:
    spread = histogram(_named(counts, "all", "days").get("", {}))
    out: dict[str, Any] = {
        "n": sum(spread.values()),
        "median": counted_median(spread),
        "p90": counted_percentile(spread, 90),
    }
    if values:  # the dashboard's histogram chart draws every value
        out["values"] = [v for v, c in sorted(spread.items()) for _ in range(c)]
    return out


def _rates(counts: Counter[stored.Cell], dim: str) -> list[Any]:
    sent: Counter[str] = Counter()
    removed: Counter[str] = Counter()
    for key, buckets in _named(counts, dim, "sent").items():
        sent[key or "(unknown)"] += buckets[""]
    for key, buckets in _named(counts, dim, "removed").items():
        removed[key or "(unknown)"] += buckets[""]
    return [
        {"key": k, "n": sent[k], "removed": removed[k], "rate": round(removed[k] / sent[k], 3)}
        for k in sorted(sent)
    ]


def _funnel(session: Session, day: date | None) -> list[dict[str, Any]]:
    """[{stage, items}]: items reported on/after `day` that reached each main-line stage."""
    furthest = _named(stored.totals(session=session, family="funnel", first=day), "all", "furthest")
    counts = furthest.get("", {})
    # Cumulative from the end: reaching stage k means having passed every earlier one.
    reached, running = [0] * len(MAIN_LINE), 0
    for index in range(len(MAIN_LINE) - 1, -1, -1):
        running += counts.get(MAIN_LINE[index], 0)
        reached[index] = running
    return [{"stage": s, "items": n} for s, n in zip(MAIN_LINE, reached, strict=True)]


def _overdue(session: Session, day: date | None) -> int:
    """Open requests past their deadline (due on/after `day`): one indexed COUNT."""
    query = select(func.count(TrackedRequest.id)).where(
        TrackedRequest.decision.is_(None),
        TrackedRequest.due_at.is_not(None),
        TrackedRequest.due_at < utcnow(),
        TrackedRequest.removed_at.is_(None),
    )
    if day is not None:
        query = query.where(TrackedRequest.due_at >= stored.day_start(day))
    return int(session.scalar(query) or 0)


def dashboard(*, session: Session, since: date | datetime | None = None) -> dict[str, Any]:
    """The internal dashboard's figures (requests sent on/after `since`; all when None)."""
    day = _as_date(since)
    counts = stored.totals(
        session=session, family="requests", dims=_DIMS, first=day, names=_RATES_ONLY
    )
    n = _one(counts, "sent")
    refused = _named(counts, "all", "refused").get("", {})
    stages = _funnel(session, day)
    online = _one(counts, "online")
    return {
        "since": day.isoformat() if day else None,
        "as_of": utcnow().replace(microsecond=0).isoformat(),
        "requests": {"n": n},
        "removal_rate_by_host": _rates(counts, "host"),
        "removal_rate_by_channel": _rates(counts, "channel"),
        "days_to_removal": _days(counts, values=True),
        "funnel": {"n": stages[0]["items"], "stages": stages},
        "refusals_by_reason": {
            "n": sum(refused.values()),
            "reasons": [{"reason": k, "count": refused[k]} for k in sorted(refused)],
        },
        "still_online": {
            "n": n,
            "checked": _one(counts, "checked"),
            "online": online,
            "share": round(online / n, 3) if n else None,
            # the host said removed, the monitor still sees it; removed and back online
            "disputed": _one(counts, "disputed"),
            "reinstated": _one(counts, "reinstated"),
        },
        "overdue": {"n": _overdue(session, day)},
    }


def _reports(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    # Distinct items over a period do not add up over days: one indexed aggregate.
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


def _safeguards(session: Session, first: date, last: date) -> dict[str, int]:
    decided = stored.totals(session=session, family="decided", first=first, last=last)
    proposed = stored.totals(session=session, family="proposed", first=first, last=last)
    return {
        "proposals_reviewed": _one(decided, "reviewed"),
        "proposals_rejected": _one(decided, "rejected"),
        "proposals_with_findings": _one(proposed, "with_findings"),
        "safeguard_findings": _one(proposed, "findings"),
        "supervisor_overrides": _one(decided, "overrides"),
    }


def _flat(counts: Counter[stored.Cell], dim: str) -> dict[str, int]:
    return {k: b[""] for k, b in sorted(_named(counts, dim, "sent").items())}


def _requests(session: Session, first: date, last: date) -> dict[str, Any]:
    counts = stored.totals(
        session=session,
        family="requests",
        dims=_DIMS,
        first=first,
        last=last,
        names=_RATES_ONLY,
    )
    n = _one(counts, "sent")
    outcomes = _named(counts, "all", "outcome").get("", {})
    return {
        "dossiers": _one(counts, "dossiers"),
        "requests": n,
        "by_channel": _flat(counts, "channel"),
        "by_host": _flat(counts, "host"),
        "outcomes": {k: outcomes.get(k, 0) for k in OUTCOMES},
        "refused_by_reason": dict(
            sorted(_named(counts, "all", "refused_outcome").get("", {}).items())
        ),
        "days_to_removal": _days(counts, values=False),
        "verified_removed": {"count": _one(counts, "verified"), "n": n},
        "reinstated": {"count": _one(counts, "reinstated"), "n": n},
    }


def period_figures(*, session: Session, period_from: date, period_to: date) -> dict[str, Any]:
    """Raw (not yet suppressed) aggregates for [period_from, period_to], both days included.

    Reports and review decisions count by when they happened; requests by
    their dispatch date, with their outcome as known today.
    """
    if period_to < period_from:
        raise BadInput(f"--to: {period_to} is before --from {period_from}")
    start, end = stored.day_start(period_from), stored.day_start(period_to + timedelta(days=1))
    return {
        "period": {"from": period_from.isoformat(), "to": period_to.isoformat()},
        **_reports(session, start, end),
        **_requests(session, period_from, period_to),
        "safeguards": _safeguards(session, period_from, period_to),
    }
