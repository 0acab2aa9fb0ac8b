"""Record the dispatch of an issued dossier (the web page's and the API's dispatch):
what was sent, to whom and how is the issued dossier's own record, never the request's."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.core.errors import BadInput
from comity.dossiers.models import DossierEntry, DossierRecord
from comity.tracking import service
from comity.tracking.models import Dispatch

__all__ = ["dispatch_issued"]


def dispatch_issued(
    *,
    session: Session,
    actor: str | None,
    dossier_id: int,
    sent_on: date,
    note_number: str | None = None,
    channel_reference: str | None = None,
    ticket_number: str | None = None,
) -> Dispatch:
    record = session.get(DossierRecord, dossier_id)
    if record is None or record.state != "issued" or not record.reference:
        raise BadInput(f"dossier: {dossier_id} is not an issued dossier", field="dossier")
    items = list(
        session.scalars(
            select(DossierEntry.item_id).where(
                DossierEntry.dossier_id == record.id, DossierEntry.status == "included"
            )
        )
    )
    return service.record_dispatch(
        session=session,
        actor=actor,
        ref=record.reference,
        item_ids=items,
        channel=record.channel,
        host=record.host or "EU",
        addressee=record.addressee_key,
        sent_on=sent_on,
        provider=record.addressee_key if record.kind.endswith("_referral") else None,
        note_number=note_number,
        channel_reference=channel_reference,
        ticket_number=ticket_number,
    )
