"""Range tables as runs: sorted `starts` with one value per run, gaps included.

Every table (ASN, country, CDN, special-purpose) uses this shape so that one
`searchsorted` answers a whole batch: the run holding address `q` is
`searchsorted(starts, q, "right") - 1`, and because the first run starts at 0
there is always one. IPv4 starts are uint32; IPv6 starts are 16-byte big-endian
strings (numpy has no uint128, and fixed-width bytes compare in address order).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["pack_v6", "paint", "ranges_to_runs", "run_index", "unpack_v6"]


def ranges_to_runs(
    rows: Sequence[tuple[int, int, int]], *, default: int, top: int, what: str = "range"
) -> tuple[list[int], list[int], int]:
    """Turn inclusive ranges into runs (gaps -> `default`); returns (starts, values, nested).

    Sorted, disjoint input (the normal case) is converted in one pass. Upstream
    ip-location-db also has nested rows (a whois block followed by GeoFeed
    sub-blocks): those are resolved most-specific-first, like the upstream merge
    rule "GeoFeed > whois > ASN", and counted in `nested` so the build reports them.
    """
    nested = 0
    for number, (start, end, _value) in enumerate(rows, start=1):
        if end < start or end > top:
            raise ValueError(f"{what} row {number}: bad range")
        if number > 1 and start <= rows[number - 2][1]:
            nested += 1
    if nested:
        # Wider first, so narrower (more specific) ranges are painted on top.
        ordered = sorted(rows, key=lambda r: r[0] - r[1])
        starts, values = paint(ordered, top=top, default=default)
        return starts, values, nested
    starts, values = [0], [default]
    nxt = 0  # first address not yet covered
    for start, end, value in rows:
        if start > nxt and values[-1] != default:
            starts.append(nxt)
            values.append(default)
        if value != values[-1]:
            starts.append(start)
            values.append(value)
        nxt = end + 1
    if values[-1] != default and nxt <= top:
        starts.append(nxt)
        values.append(default)
    merged_s, merged_v = _merge(starts, values)
    return merged_s, merged_v, 0


def paint(
    spans: Sequence[tuple[int, int, int]], *, top: int, default: int
) -> tuple[list[int], list[int]]:
    """Paint possibly overlapping inclusive spans in order (later wins) over [0, top]."""
    bounds = sorted({0} | {s for s, _, _ in spans} | {e + 1 for _, e, _ in spans if e < top})
    vals = np.full(len(bounds), default, dtype=np.int64)
    for start, end, value in spans:
        lo = bisect.bisect_left(bounds, start)
        hi = bisect.bisect_left(bounds, end + 1) if end < top else len(bounds)
        vals[lo:hi] = value
    return _merge(bounds, [int(v) for v in vals])


def _merge(starts: list[int], values: list[int]) -> tuple[list[int], list[int]]:
    out_s: list[int] = []
    out_v: list[int] = []
    for s, v in zip(starts, values, strict=True):
        if out_v and out_v[-1] == v:
            continue
        if out_s and out_s[-1] == s:
            out_v[-1] = v
            continue
        out_s.append(s)
        out_v.append(v)
    return out_s, out_v


def pack_v6(values: Sequence[int]) -> npt.NDArray[np.bytes_]:
    """128-bit integers as big-endian 16-byte strings (sortable, searchable)."""
    return np.array([v.to_bytes(16, "big") for v in values], dtype="S16")


def unpack_v6(packed: npt.NDArray[np.bytes_]) -> list[int]:
    return [int.from_bytes(bytes(b).ljust(16, b"\0"), "big") for b in packed]


def run_index(starts: npt.NDArray[Any], queries: npt.NDArray[Any]) -> npt.NDArray[np.intp]:
    """Index of the run holding each query (starts[0] must be 0)."""
    idx: npt.NDArray[np.intp] = np.searchsorted(starts, queries, side="right") - 1
    return idx
