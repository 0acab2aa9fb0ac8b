"""Outcome statistics per host state, channel, provider and conduct; the law engine's hook.

A request counts as removed when the host said so (`removed`, and `geo_blocked`
does NOT count: the content is still up elsewhere) or when the monitor saw it
gone, unless the monitor contradicts the host (`comity.tracking.outcome`: a
disputed answer is not a removal; a reinstatement is counted as well). Days
to removal run from the dispatch date to the earlier of the two.
"still online" is the share of sent items whose latest monitor verdict is up,
changed or moved (a challenge page says nothing either way and is not counted
as online or removed).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.law.assessment import ChannelStat
from comity.tracking.models import Dispatch, MonitorState, TrackedRequest
from comity.tracking.outcome import ONLINE, disputed, reinstated, removal_day

__all__ = ["DIMENSIONS", "channel_stats", "outcome_stats", "percentile"]

DIMENSIONS = ("host", "channel", "provider", "conduct")


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100) of `values`; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


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


def outcome_stats(*, session: Session) -> dict[str, dict[str, dict[str, Any]]]:
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


def channel_stats(*, session: Session) -> dict[tuple[str, str], ChannelStat]:
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
