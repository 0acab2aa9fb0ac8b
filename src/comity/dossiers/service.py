"""Request dossiers: group approved proposals into drafts, revise, show, list, export.

Issuing (re-attribution, reference number, rendering, freezing) lives in
`comity.dossiers.issue`; this module holds everything that does not render.
Every change is audited in the same transaction; an issued dossier is never
updated here (the only write to one is `superseded`, done by issuing its
next version), and the database refuses anything else (migration 0007).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from comity.cases.models import Proposal
from comity.core import audit
from comity.core.db import utcnow
from comity.core.errors import BadInput, ComityError, NotFound, Refused
from comity.core.settings import get_settings
from comity.dossiers import build
from comity.dossiers.models import DOSSIER_STATES, DossierEntry, DossierFile, DossierRecord
from comity.intake.models import Item
from comity.users.service import require

__all__ = [
    "EXPORT_FORMATS",
    "BuildResult",
    "active_membership",
    "build_drafts",
    "dossier_state",
    "export_file",
    "get_dossier",
    "list_dossiers",
    "revise",
]

EXPORT_FORMATS = {
    "pdf": "pdf",
    "docx": "docx",
    "json": "json",
    "csv": "csv",
    "eml": "eml",
    "xarf": "xarf.json",
    # portal_referral: the copy-ready sheet typed into the platform's web form
    "sheet": "sheet.txt",
}
_PRIORITY_RANK = {"threat_to_life": 0, "crisis": 1, "standard": 2}
_CHANNELS = (*build.CHANNEL_KINDS, "eu_coordinator")


@dataclass
class BuildResult:
    created: list[DossierRecord] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)


def active_membership() -> Any:
    """SQL condition: the proposal is in a draft or issued dossier already."""
    return exists().where(
        DossierEntry.proposal_id == Proposal.id,
        DossierEntry.status == "included",
        DossierEntry.dossier_id == DossierRecord.id,
        DossierRecord.state.in_(("draft", "issued")),
    )


def _waiting(
    session: Session, *, channel: str | None, host: str | None, now: datetime
) -> list[tuple[Proposal, Item]]:
    query = (
        select(Proposal, Item)
        .join(Item, Item.id == Proposal.item_id)
        .where(
            Proposal.state == "approved",
            Item.state.in_(("approved", "in_dossier")),
            or_(Proposal.valid_until.is_(None), Proposal.valid_until > now),
            Proposal.channel.in_(tuple(build.CHANNEL_KINDS)),
            ~active_membership(),
        )
        .order_by(Proposal.id)
    )
    if host:
        query = query.where(Proposal.host == host)
    if channel == "eu_coordinator":
        query = query.where(
            Proposal.channel.in_(("diplomatic_request", "eu_removal_order_request")),
            Proposal.host.in_(sorted(build.eu_members())),
        )
    elif channel:
        query = query.where(Proposal.channel == channel)
    return [(row[0], row[1]) for row in session.execute(query)]


def _check_filters(channel: str | None, host: str | None) -> str | None:
    if channel is not None and channel not in _CHANNELS:
        raise BadInput(f"--channel: {channel!r} is not valid; valid: {', '.join(_CHANNELS)}")
    if host is None:
        return None
    code = host.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise BadInput(f"--host: {host!r} is not an ISO 3166-1 alpha-2 code (e.g. DE)")
    return code


def build_drafts(
    *,
    session: Session,
    actor: str | None,
    channel: str | None = None,
    host: str | None = None,
    provider: str | None = None,
    now: datetime | None = None,
) -> BuildResult:
    """Group approved proposals not yet in a dossier into one draft per addressee.

    A proposal that cannot go in a document as it stands (no evidence, a
    provision without a source, no routable address) is left out and listed in
    `refused` with the reason; the others are grouped.
    """
    from comity.hosting.store import latest
    from comity.law.kb.loader import load_kb

    user = require(session=session, actor=actor, action="dossier")
    code = _check_filters(channel, host)
    now = now or utcnow()
    kb, requesting = load_kb(), get_settings().requesting_state
    groups: dict[tuple[str, str, str, str], tuple[build.Addressee, list[dict[str, Any]]]] = {}
    result = BuildResult()
    for proposal, item in _waiting(session, channel=channel, host=code, now=now):
        record = latest(session, item.id)
        try:
            if channel == "eu_coordinator":
                addressee = build.coordinator(kb=kb, requesting=requesting)
            else:
                addressee = build.addressee_for(
                    kb=kb,
                    requesting=requesting,
                    channel=proposal.channel,
                    host=proposal.host,
                    assessment=proposal.assessment,
                    attribution=record.data if record else None,
                )
            if provider and provider.casefold() not in addressee.key.casefold():
                continue
            hosting = build.hosting_from(record.data, proposal.host) if record else None
            if hosting is None:
                raise Refused(f"item {item.id} has no routable hosting address: attribute it again")
            snapshot = build.snapshot_of(
                session=session, proposal=proposal, item=item, hosting=hosting
            )
        except ComityError as exc:
            result.refused.append({"proposal": proposal.id, "item": item.id, "reason": exc.message})
            continue
        # One letter of request per treaty: two treaties are two legal bases.
        key = (addressee.kind, addressee.channel, addressee.key, addressee.party.get("treaty", ""))
        members = groups.setdefault(key, (addressee, []))[1]
        if any(m["item"].id == item.id for m in members):
            result.refused.append(
                {
                    "proposal": proposal.id,
                    "item": item.id,
                    "reason": "the item is already in this dossier",
                }
            )
            continue
        members.append({"proposal": proposal, "item": item, "record": record, "snap": snapshot})
    for addressee, members in groups.values():
        created = _create_draft(session, addressee, members, user.name, result)
        if created is not None:
            result.created.append(created)
    if not result.created and not result.refused:
        raise Refused(
            "nothing to put in a dossier: no approved proposal waits for one"
            + (" with these filters" if channel or host or provider else "")
        )
    return result


def _create_draft(
    session: Session,
    addressee: build.Addressee,
    members: list[dict[str, Any]],
    actor: str,
    result: BuildResult,
) -> DossierRecord | None:
    priority = min((m["item"].priority for m in members), key=lambda p: _PRIORITY_RANK.get(p, 2))
    priority = priority if priority in _PRIORITY_RANK else "standard"
    try:  # the group as a whole must make a sendable document (EU scope, one host state...)
        for language in addressee.languages:
            build.make_dossier(
                kind=addressee.kind,
                channel=addressee.channel,
                language=language,
                sender=addressee.sender,
                addressee=addressee.party,
                snapshots=[m["snap"] for m in members],
                reference="DRAFT",
                on=utcnow().date(),
                version=1,
                supersedes=None,
                priority=priority,
            )
    except ComityError as exc:
        for m in members:
            result.refused.append(
                {"proposal": m["proposal"].id, "item": m["item"].id, "reason": exc.message}
            )
        return None
    record = DossierRecord(
        kind=addressee.kind,
        channel=addressee.channel,
        host=addressee.host,
        addressee_key=addressee.key,
        addressee=addressee.party,
        sender=addressee.sender,
        languages=addressee.languages,
        skipped_languages=addressee.skipped,
        priority=priority,
        state="draft",
        version=1,
        created_by=actor,
        created_at=utcnow(),
    )
    session.add(record)
    session.flush()
    for position, m in enumerate(members, start=1):
        session.add(
            DossierEntry(
                dossier_id=record.id,
                proposal_id=m["proposal"].id,
                item_id=m["item"].id,
                attribution_id=m["record"].id if m["record"] else None,
                position=position,
                status="included",
            )
        )
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="dossier.build",
        object_type="dossier",
        object_id=record.id,
        state=dossier_state(session=session, record=record),
        data={
            "addressee": record.addressee_key,
            "kind": record.kind,
            "proposals": [m["proposal"].id for m in members],
        },
    )
    return record


def get_dossier(*, session: Session, dossier_id: int) -> DossierRecord:
    record = session.get(DossierRecord, dossier_id)
    if record is None:
        raise NotFound(f"dossier {dossier_id} does not exist (see: comity dossier list)")
    return record


def list_dossiers(*, session: Session, state: str | None = None) -> list[DossierRecord]:
    query = select(DossierRecord).order_by(DossierRecord.id)
    if state is not None:
        if state not in DOSSIER_STATES:
            raise BadInput(f"--state: {state!r}; valid: {', '.join(DOSSIER_STATES)}")
        query = query.where(DossierRecord.state == state)
    return list(session.scalars(query))


def _entries(session: Session, dossier_id: int) -> list[DossierEntry]:
    return list(
        session.scalars(
            select(DossierEntry)
            .where(DossierEntry.dossier_id == dossier_id)
            .order_by(DossierEntry.position)
        )
    )


def dossier_state(*, session: Session, record: DossierRecord) -> dict[str, Any]:
    """The JSON form of a dossier, its entries and its stored files."""
    files = session.scalars(
        select(DossierFile).where(DossierFile.dossier_id == record.id).order_by(DossierFile.id)
    )
    superseded_by = session.scalar(
        select(DossierRecord.id).where(DossierRecord.supersedes_id == record.id)
    )
    names = record.addressee.get("names", {})
    return {
        "id": record.id,
        "reference": record.reference,
        "state": record.state,
        "kind": record.kind,
        "channel": record.channel,
        "host": record.host,
        "addressee": (names.get("en") or {}).get("name"),
        "addressee_key": record.addressee_key,
        "languages": record.languages,
        "skipped_languages": record.skipped_languages,
        "priority": record.priority,
        "version": record.version,
        "supersedes": record.supersedes_id,
        "superseded_by": superseded_by,
        "created_by": record.created_by,
        "created_at": record.created_at,
        "issued_by": record.issued_by,
        "issued_at": record.issued_at,
        "issue_date": record.issue_date,
        "items": [
            {
                "proposal": e.proposal_id,
                "item": e.item_id,
                "position": e.position,
                "status": e.status,
                "reason": e.reason,
                "url": (e.snapshot or {}).get("url"),
            }
            for e in _entries(session, record.id)
        ],
        "files": [
            {"format": f.format, "language": f.language, "sha256": f.sha256, "size": f.size}
            for f in files
        ],
    }


def revise(*, session: Session, dossier_id: int, actor: str | None) -> DossierRecord:
    """A new draft version of an issued dossier; issuing it supersedes the old one."""
    user = require(session=session, actor=actor, action="dossier")
    old = get_dossier(session=session, dossier_id=dossier_id)
    if old.state != "issued":
        raise Refused(
            f"dossier {old.id} is {old.state}: only an issued dossier can be revised"
            + (" (a draft can simply be issued)" if old.state == "draft" else "")
        )
    newer = session.scalar(select(DossierRecord.id).where(DossierRecord.supersedes_id == old.id))
    if newer is not None:
        raise Refused(f"dossier {old.id} already has a new version: dossier {newer}")
    record = DossierRecord(
        kind=old.kind,
        channel=old.channel,
        host=old.host,
        addressee_key=old.addressee_key,
        addressee=old.addressee,
        sender=old.sender,
        languages=old.languages,
        skipped_languages=old.skipped_languages,
        priority=old.priority,
        state="draft",
        version=old.version + 1,
        supersedes_id=old.id,
        created_by=user.name,
        created_at=utcnow(),
    )
    session.add(record)
    session.flush()
    kept = [e for e in _entries(session, old.id) if e.status == "included"]
    for position, entry in enumerate(kept, start=1):
        session.add(
            DossierEntry(
                dossier_id=record.id,
                proposal_id=entry.proposal_id,
                item_id=entry.item_id,
                attribution_id=entry.attribution_id,
                position=position,
                status="included",
            )
        )
    session.flush()
    audit.record(
        session=session,
        actor=user.name,
        action="dossier.revise",
        object_type="dossier",
        object_id=record.id,
        state=dossier_state(session=session, record=record),
        data={"supersedes": old.id, "reference": old.reference, "version": record.version},
    )
    return record


def export_file(
    *, session: Session, dossier_id: int, fmt: str, language: str | None = None
) -> tuple[str, bytes]:
    """(file name, bytes) of a stored file, re-hashed: refused if it no longer matches."""
    import hashlib

    from comity.evidence.store import Store, StoreError

    if fmt not in EXPORT_FORMATS:
        raise BadInput(f"--format: {fmt!r}; valid: {', '.join(EXPORT_FORMATS)}")
    record = get_dossier(session=session, dossier_id=dossier_id)
    if record.state == "draft":
        raise Refused(f"dossier {record.id} is a draft: issue it first (comity dossier issue)")
    language = language or record.languages[0]
    stored = session.scalar(
        select(DossierFile).where(
            and_(
                DossierFile.dossier_id == record.id,
                DossierFile.format == EXPORT_FORMATS[fmt],
                DossierFile.language == language,
            )
        )
    )
    if stored is None:
        have = sorted({f"{f.format}/{f.language}" for f in record_files(session, record.id)})
        raise NotFound(
            f"dossier {record.id} has no {fmt} file in {language!r}; it has: " + ", ".join(have)
        )
    try:
        path = Store(get_settings().home).path(stored.path, sha256=stored.sha256)
        data = path.read_bytes()
    except (StoreError, OSError) as exc:
        raise Refused(f"dossier {record.reference}: stored {fmt} file unreadable ({exc})") from exc
    actual = hashlib.sha256(data).hexdigest()
    if actual != stored.sha256:
        raise Refused(
            f"dossier {record.reference}: the stored {fmt} file ({language}) no longer matches "
            f"its SHA-256 (recorded {stored.sha256}, now {actual}); refusing to export it"
        )
    # The row itself may have been rewritten to match a swapped file (triggers
    # dropped, hash updated): the audit chain recorded the dossier as issued.
    from comity.integrity.verify import check_object

    difference = check_object(session=session, object_type="dossier", object_id=record.id)
    if difference is not None:
        raise Refused(
            f"dossier {record.reference}: {difference.detail}; the stored files may have been "
            "swapped, refusing to export (run: comity audit verify)"
        )
    safe = (record.reference or f"dossier-{record.id}").replace("/", "-")
    return f"{safe}.{language}.{EXPORT_FORMATS[fmt]}", data


def record_files(session: Session, dossier_id: int) -> list[DossierFile]:
    return list(session.scalars(select(DossierFile).where(DossierFile.dossier_id == dossier_id)))
