"""What a request came to, decided once for every statistic, report and page.

A host's answer and the monitor can disagree. The rule (issues 16 and 18):
- the monitor saw the content gone: removed, on the earlier of that day and the
  host's own "removed" date;
- the host said "removed" but the monitor still sees the content and never saw it
  gone: *disputed* ("still online despite the answer"), and NOT removed;
- removed (seen gone by the monitor) and now online again at the same URL:
  *reinstated*; it still counts as removed on its day (the removal happened) and is
  counted again as a reinstatement; so is a removal the host itself says it
  reversed (`reinstated_on`, its reinstatement notice), whatever the monitor sees.
A verdict that says nothing either way (a challenge page, an error) changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

__all__ = ["ONLINE", "Answered", "disputed", "reinstated", "removal_day"]


class Answered(Protocol):
    """What the rule reads of a request: a TrackedRequest, or a row of its columns.

    A protocol, so that reports over a million requests can pass plain rows of
    these three columns instead of loading whole ORM objects (issue 18 benchmark).
    """

    @property
    def decision(self) -> str | None: ...
    @property
    def decided_on(self) -> date | None: ...
    @property
    def removed_at(self) -> datetime | None: ...
    @property
    def reinstated_on(self) -> date | None: ...


ONLINE = frozenset({"up", "changed", "moved"})


def removal_day(request: Answered, verdict: str | None) -> date | None:
    """The day the content counts as removed, or None (not removed, or disputed)."""
    said = request.decided_on if request.decision == "removed" else None
    if request.removed_at is not None:
        seen = request.removed_at.date()
        return min(seen, said) if said is not None else seen
    if said is not None and verdict not in ONLINE:
        return said
    return None


def disputed(request: Answered, verdict: str | None) -> bool:
    """The host answered "removed" and the monitor still sees the content."""
    return request.decision == "removed" and request.removed_at is None and verdict in ONLINE


def reinstated(request: Answered, verdict: str | None) -> bool:
    """Seen removed by the monitor and online again at the same URL, or the host's notice."""
    if request.reinstated_on is not None:
        return True
    return request.removed_at is not None and verdict in ONLINE
