"""When an answer to a dispatched request is due, and why.

A time limit in the knowledge base says whose clock it is (`runs_for` on a
channel's `time_limit` in jurisdiction.yaml). Only the host authority's own
limit and a treaty's limit bind the answer to our request. The provider's
limit after an order (Regulation (EU) 2021/784 art. 3(3): one hour from
receipt of a removal order) starts only when the host's authority issues an
order; it is shown with its meaning but never used as the request's deadline,
which would make a request overdue before it leaves.

Deadlines are instants (UTC, shown with their offset) counted from the moment
of dispatch, never from a midnight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.cases.priority import PRIORITY_CAP, deadline_for
from comity.core.errors import BadInput
from comity.law.models import StoredAssessment

__all__ = ["MEANINGS", "TIME_ZONE", "Deadline", "allowed", "dispatch_moment", "limits_for"]

TIME_ZONE = "UTC"
MEANINGS = {
    "host_authority": "the host authority's own time limit to answer the request",
    "treaty": "the treaty's time limit for the requested state to answer",
    "provider_after_order": (
        "the provider's time limit once it receives an order or notice from the host's "
        "authority; it does not run for the authority deciding on our request"
    ),
}
_BINDING = frozenset({"host_authority", "treaty"})


@dataclass(frozen=True, slots=True)
class Deadline:
    allowed: timedelta | None
    basis: str  # which of the candidates set the time allowed


def limits_for(session: Session, item_id: int, host: str, channel: str) -> list[dict[str, Any]]:
    """The channel's time limits in the item's latest assessment for `host`, with meanings."""
    row = session.scalar(
        select(StoredAssessment.result)
        .where(StoredAssessment.item_id == item_id, StoredAssessment.host == host)
        .order_by(StoredAssessment.assessed_at.desc())
        .limit(1)
    )
    out = []
    for limit in (row or {}).get("time_limits", []):
        if limit.get("channel") != channel or limit.get("hours") is None:
            continue
        # Assessments stored before `runs_for` existed carry only providers'
        # limits after an order (every time_limit in the knowledge base then was).
        runs_for = limit.get("runs_for") or "provider_after_order"
        out.append(
            {
                "hours": float(limit["hours"]),
                "runs_for": runs_for,
                "meaning": MEANINGS.get(runs_for, runs_for),
                "text": limit.get("text", ""),
            }
        )
    return out


def allowed(priority: str, channel: str, limits: list[dict[str, Any]]) -> Deadline:
    """`deadline_for` with the binding legal limits only, and which candidate set it."""
    binding = [limit["hours"] for limit in limits if limit["runs_for"] in _BINDING]
    legal = min(binding) if binding else None
    amount = deadline_for(priority, channel, legal)
    if amount is None:
        return Deadline(None, "no answer expected")
    if legal is not None and amount == timedelta(hours=legal):
        basis = next(
            x["runs_for"] for x in limits if x["hours"] == legal and x["runs_for"] in _BINDING
        )
    elif amount == PRIORITY_CAP.get(priority):
        basis = f"{priority} priority cap"
    else:
        basis = "operational expectation"
    return Deadline(amount, basis)


def dispatch_moment(
    *, sent_on: date | None, sent_at: datetime | None, now: datetime
) -> tuple[datetime, str]:
    """(the moment a deadline counts from, how it was known).

    An explicit time of dispatch wins. A dispatch recorded on the day it is
    sent counts from the moment it is recorded. A past day without a time
    counts from the end of that day: the deadline then never falls before the
    request could have left.
    """
    if sent_at is not None:
        if sent_at.tzinfo is None:
            raise BadInput("--sent-at: give a time zone (e.g. 2026-12-05T14:30+05:00 or ...Z)")
        if sent_at > now + timedelta(minutes=5):
            raise BadInput(f"--sent-at: {sent_at.isoformat()} is in the future")
        return sent_at.astimezone(UTC), "time of dispatch given"
    day = sent_on or now.date()
    if day > now.date():
        raise BadInput(f"--sent-on: {day.isoformat()} is in the future")
    if day == now.date():
        return now, "recorded at dispatch"
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC) - timedelta(seconds=1)
    return end, "end of the day sent (time of dispatch not given)"
