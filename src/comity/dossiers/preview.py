"""Preview a draft dossier: the document as it would read, before it is issued.

A preview is rendered from the draft's items as last attributed (no fresh
look-up: that happens at issue), carries no reference number (the text reads
"DRAFT" where the number will be), is marked DRAFT on every page, is never
stored and never freezes anything. Only the fact that someone previewed it
is audited (`dossier.preview`), with the hash of what they saw.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.cases.models import Proposal
from comity.core import audit
from comity.core.db import utcnow
from comity.core.errors import BadInput, Refused
from comity.dossiers import build
from comity.dossiers.issue import NonDisclosure
from comity.dossiers.models import DossierEntry, DossierRecord
from comity.dossiers.schemas import Dossier
from comity.dossiers.service import EXPORT_FORMATS, dossier_state, get_dossier
from comity.hosting.models import AttributionRecord
from comity.intake.models import Item
from comity.users.service import require

__all__ = ["DRAFT", "preview"]

DRAFT = "DRAFT"


def _snapshots(session: Session, record: DossierRecord) -> list[dict[str, Any]]:
    entries = session.scalars(
        select(DossierEntry)
        .where(DossierEntry.dossier_id == record.id, DossierEntry.status == "included")
        .order_by(DossierEntry.position)
    )
    out = []
    for entry in entries:
        proposal = session.get_one(Proposal, entry.proposal_id)
        item = session.get_one(Item, entry.item_id)
        seen = (
            session.get(AttributionRecord, entry.attribution_id) if entry.attribution_id else None
        )
        hosting = build.hosting_from(seen.data, proposal.host) if seen else None
        if hosting is None:
            raise Refused(f"item {item.id} has no routable hosting address: attribute it again")
        out.append(
            build.snapshot_of(session=session, proposal=proposal, item=item, hosting=hosting)
        )
    return out


def _mark_docx(data: bytes) -> bytes:
    """DRAFT in the header of every section of a DOCX (only previews pay for this)."""
    import docx

    document = docx.Document(io.BytesIO(data))
    for section in document.sections:
        section.header.is_linked_to_previous = False
        paragraph = section.header.add_paragraph()
        run = paragraph.add_run(DRAFT)
        run.bold = True
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def preview(
    *,
    session: Session,
    dossier_id: int,
    fmt: str,
    actor: str | None,
    language: str | None = None,
    non_disclosure: NonDisclosure | None = None,
) -> tuple[str, bytes]:
    """(file name, bytes) of draft `dossier_id` rendered in `fmt`, marked DRAFT."""
    from comity.dossiers.render import formats_for

    user = require(session=session, actor=actor, action="dossier")
    if fmt not in EXPORT_FORMATS:
        raise BadInput(f"--format: {fmt!r}; valid: {', '.join(EXPORT_FORMATS)}")
    record = get_dossier(session=session, dossier_id=dossier_id)
    if record.state != "draft":
        raise Refused(
            f"dossier {record.id} is {record.state}: only a draft is previewed; "
            "export the issued file instead (comity dossier export)"
        )
    non_disclosure = non_disclosure or NonDisclosure()
    non_disclosure.check(record.kind)
    language = language or record.languages[0]
    if language not in record.languages:
        raise BadInput(f"--lang: {language!r}; this dossier is in {', '.join(record.languages)}")
    previous = session.get(DossierRecord, record.supersedes_id) if record.supersedes_id else None
    dossier: Dossier = build.make_dossier(
        kind=record.kind,
        channel=record.channel,
        language=language,
        sender=record.sender,
        addressee=record.addressee,
        snapshots=_snapshots(session, record),
        reference=DRAFT,
        on=utcnow().date(),
        version=record.version,
        supersedes=previous.reference if previous else None,
        priority=record.priority,
        at=utcnow(),
        draft=True,
        non_disclosure_reason=non_disclosure.reason,
        non_disclosure_weeks=non_disclosure.weeks,
        staff_language=non_disclosure.language,
    )
    renderers = formats_for(dossier)
    suffix = EXPORT_FORMATS[fmt]
    if suffix not in renderers:
        raise BadInput(
            f"--format: a {record.kind} has no {fmt} file; valid: {', '.join(renderers)}"
        )
    data = renderers[suffix](dossier)
    if suffix == "docx":
        data = _mark_docx(data)
    audit.record(
        session=session,
        actor=user.name,
        action="dossier.preview",
        object_type="dossier",
        object_id=record.id,
        state=dossier_state(session=session, record=record),
        data={"format": suffix, "language": language, "sha256": hashlib.sha256(data).hexdigest()},
    )
    return f"dossier-{record.id}.{DRAFT}.{language}.{suffix}", data
