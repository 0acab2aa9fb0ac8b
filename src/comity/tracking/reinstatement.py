"""A host's own notice that it reinstated content it had removed (issue 18, item 2).

The monitor finds a reinstatement when the content comes back at the same URL;
a host may also say so itself (after the content provider's complaint to it,
Regulation (EU) 2021/784 Art. 10). The notice is recorded as such
(`reinstated_on`): the removal stays counted on its day, the reinstatement is
counted beside it, and a verified item reopens as `reinstated`.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from comity.cases.states import TRANSITIONS, transition
from comity.core import audit
from comity.core.db import utcnow
from comity.core.errors import BadInput, Refused
from comity.intake.models import Item
from comity.tracking.models import TrackedRequest
from comity.tracking.service import tracked_request
from comity.users.service import require

__all__ = ["record_reinstatement"]


def record_reinstatement(
    *,
    session: Session,
    actor: str | None,
    ref: str,
    item_id: int,
    on: date,
    answer_ref: str | None = None,
) -> TrackedRequest:
    """Record the host's notice that it put the item's content back on `on`."""
    user = require(session=session, actor=actor, action="track")
    if on > utcnow().date():
        raise BadInput(f"--on: {on} is in the future", field="on")
    request = tracked_request(session=session, ref=ref, item_id=item_id)
    if request.decision != "removed" and request.removed_at is None:
        raise Refused(
            f"item {item_id} was never removed under {ref} (decision: "
            f"{request.decision or 'none'}): there is nothing to reinstate"
        )
    request.reinstated_on = on
    item = session.get_one(Item, item_id)
    if "reinstated" in TRANSITIONS.get(item.state, frozenset()):
        transition(
            session=session,
            item=item,
            to="reinstated",
            actor=user.name,
            reason=f"{ref}: the host's notice of reinstatement",
        )
    audit.record(
        session=session,
        actor=user.name,
        action="request.reinstated",
        object_type="item",
        object_id=item_id,
        state={"dossier": ref, "reinstated_on": on.isoformat()},
        data={"dossier": ref, "on": on.isoformat(), "answer_ref": answer_ref},
    )
    return request
