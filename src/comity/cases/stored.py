"""A proposal from an assessment already stored for the item (the web page's and the
API's propose): host, role, conduct and facts come from the assessment the analyst
picked, never from the request."""

from __future__ import annotations

from sqlalchemy.orm import Session

from comity.cases import service
from comity.cases.models import Proposal
from comity.core.errors import BadInput

__all__ = ["propose_from_assessment"]


def propose_from_assessment(
    *,
    session: Session,
    item_id: int,
    assessment_id: int,
    channel: str,
    note: str | None,
    target: str,
    actor: str | None,
) -> Proposal:
    from comity.law.models import StoredAssessment

    chosen = session.get(StoredAssessment, assessment_id)
    if chosen is None or chosen.item_id != item_id:
        raise BadInput(
            f"assessment: {assessment_id} is not an assessment of item {item_id}",
            field="assessment",
        )
    return service.propose(
        session=session,
        item_id=item_id,
        host=chosen.host,
        role=chosen.role,
        conduct=chosen.conduct,
        facts=chosen.facts,
        channel=channel,
        note=note,
        target=target,
        actor=actor,
    )
