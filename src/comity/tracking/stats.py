"""Outcome statistics per host state, channel, provider and conduct; the law engine's hook.

A request counts as removed when the host said so (`removed`, and `geo_blocked`
does NOT count: the content is still up elsewhere) or when the monitor saw it
gone, unless the monitor contradicts the host (`comity.tracking.outcome`: a
disputed answer is not a removal; a reinstatement is counted as well). Days
to removal run from the dispatch date to the earlier of the two.
"still online" is the share of sent items whose latest monitor verdict is up,
changed or moved (a challenge page says nothing either way and is not counted
as online or removed).

The counts come from the per-day store (`comity.reports.figures`): a call
reads O(days x keys) rows, not every request; days to removal are kept as a
histogram of whole days, from which the median and p90 below are exact.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Mapping
from itertools import accumulate
from typing import Any

from sqlalchemy.orm import Session

from comity.law.assessment import ChannelStat

__all__ = [
    "DIMENSIONS",
    "channel_stats",
    "counted_median",
    "counted_percentile",
    "histogram",
    "outcome_stats",
    "percentile",
]

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


def histogram(buckets: Mapping[str, int]) -> dict[float, int]:
    """{days: count} from the stored buckets (whole days as text)."""
    out: dict[float, int] = {}
    for bucket, count in buckets.items():
        if count:
            out[float(int(bucket))] = out.get(float(int(bucket)), 0) + count
    return out


class _Ordered:
    """The i-th smallest value of a histogram without expanding it."""

    def __init__(self, spread: Mapping[float, int]) -> None:
        self.values = sorted(spread)
        self.ends = list(accumulate(spread[v] for v in self.values))
        self.n = self.ends[-1] if self.ends else 0

    def __getitem__(self, index: int) -> float:
        return self.values[bisect_right(self.ends, index)]


def counted_percentile(spread: Mapping[float, int], q: float) -> float | None:
    """`percentile` of the values a histogram describes (the same formula, exactly)."""
    ordered = _Ordered(spread)
    if not ordered.n:
        return None
    position = (ordered.n - 1) * q / 100
    low = int(position)
    high = min(low + 1, ordered.n - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def counted_median(spread: Mapping[float, int]) -> float | None:
    """`statistics.median` of the values a histogram describes (the same arithmetic)."""
    ordered = _Ordered(spread)
    if not ordered.n:
        return None
    middle = ordered.n // 2
    if ordered.n % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _empty() -> dict[str, Any]:
    return {
        "sent": 0,
        "removed": 0,
        "refused": Counter(),
        "days": Counter(),
        "online": 0,
        "disputed": 0,
        "reinstated": 0,
    }


def _finish(raw: dict[str, Any]) -> dict[str, Any]:
    spread = histogram(raw["days"])
    return {
        "sent": raw["sent"],
        "removed": raw["removed"],
        "refused": dict(sorted(raw["refused"].items())),
        "median_days_to_removal": counted_median(spread),
        "p90_days_to_removal": counted_percentile(spread, 90),
        "share_still_online": round(raw["online"] / raw["sent"], 3) if raw["sent"] else None,
        "disputed": raw["disputed"],
        "reinstated": raw["reinstated"],
    }


def outcome_stats(*, session: Session) -> dict[str, dict[str, dict[str, Any]]]:
    """{dimension: {value: figures}} for every dimension in DIMENSIONS."""
    from comity.reports.figures import totals

    groups: dict[str, dict[str, dict[str, Any]]] = {d: defaultdict(_empty) for d in DIMENSIONS}
    counts = totals(session=session, family="requests", dims=DIMENSIONS)
    for (dimension, key, name, bucket), count in counts.items():
        raw = groups[dimension][key or "(unknown)"]
        if name in ("refused", "days"):
            raw[name][bucket] += count
        else:
            raw[name] += count
    return {d: {k: _finish(v) for k, v in sorted(g.items())} for d, g in groups.items()}


def channel_stats(*, session: Session) -> dict[tuple[str, str], ChannelStat]:
    """The law engine's `channel_stats`: observed success per (host state, channel).

    Only requests with an outcome count (removed, or any decision other than
    no decision yet); the engine itself decides when `count` is enough to
    replace its priors (`channel_stats.min_count` in the vocabulary).
    """
    from comity.reports.figures import totals

    raw: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {"n": 0, "ok": 0, "days": Counter()}
    )
    for (_, key, name, bucket), count in totals(
        session=session, family="requests", dims=("pair",)
    ).items():
        host, channel = key.split("|", 1)
        entry = raw[host, channel]
        if name == "answered":
            entry["n"] += count
        elif name == "removed":
            entry["ok"] += count
        elif name == "days":
            entry["days"][bucket] += count
    out = {}
    for pair, v in raw.items():
        median = counted_median(histogram(v["days"]))
        out[pair] = ChannelStat(
            success_rate=v["ok"] / v["n"],
            median_days=float(median) if median is not None else 0.0,
            count=v["n"],
        )
    return out
