"""Disclosure control for the public transparency report: small cells are shown as "<5".

Why: a published count of 1 to 4 (for instance "2 requests to country X
about financing, 1 refused as protected expression") can single out one
case, one host, one victim or one reporting officer when read with other
public information. Statistical offices suppress such small cells; we do the
same with a threshold of 5. Zero stays visible (it discloses nothing about a
person). A rate or median computed over fewer than 5 observations is
withheld for the same reason.

Suppressing one cell is not enough when the group's total is published: the
cell is then total minus the others. So when exactly one cell of a group is
suppressed, the smallest other non-zero cell is suppressed too
("complementary suppression"). The internal dashboard does NOT use this: its
readers are authorised staff who need the exact figures.
"""

from __future__ import annotations

from typing import Any

__all__ = ["THRESHOLD", "WITHHELD", "cell", "figure", "group", "rate"]

THRESHOLD = 5
WITHHELD = f"<{THRESHOLD}"


def cell(count: int) -> int | str:
    """A single published count: itself, or "<5" when 1..4."""
    return WITHHELD if 0 < count < THRESHOLD else count


def group(counts: dict[str, int]) -> dict[str, int | str]:
    """A breakdown whose total is also published, with complementary suppression."""
    out: dict[str, int | str] = {k: cell(v) for k, v in counts.items()}
    hidden = [k for k, v in out.items() if v == WITHHELD]
    if len(hidden) == 1:
        shown = [k for k, v in counts.items() if v > 0 and k not in hidden]
        if shown:
            smallest = min(shown, key=lambda k: (counts[k], k))
            out[smallest] = WITHHELD
    return out


def rate(numerator: int, n: int, *, digits: int = 3) -> float | str | None:
    """numerator / n, withheld below the threshold of observations; None with no data."""
    if n == 0:
        return None
    if n < THRESHOLD:
        return WITHHELD
    return round(numerator / n, digits)


def figure(value: Any, n: int) -> Any:
    """A statistic (median, share) over n observations: withheld when n is small."""
    if n == 0:
        return None
    return WITHHELD if n < THRESHOLD else value
