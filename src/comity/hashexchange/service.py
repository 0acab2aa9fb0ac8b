"""Export the hashes of approved items; import others' hash lists; flag captures they match.

Services are keyword-only and write their audit event in the caller's
transaction (`session_scope`): an import either lands whole, with its event,
or not at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from comity.cases.models import Case, CaseItem, Proposal
from comity.core import audit
from comity.core.db import utcnow
from comity.core.errors import BadInput
from comity.evidence.groups import MIN_PDQ_QUALITY
from comity.evidence.models import Evidence, ObjectHashRow
from comity.evidence.pdqindex import near_rows
from comity.evidence.similar import DEFAULT_PDQ_DISTANCE, own_hashes, set_chunks
from comity.hashexchange import stix, tcap, threatexchange
from comity.hashexchange.models import ExternalHash, ExternalMatch, HashImport
from comity.hashexchange.records import MAX_FILE_BYTES, HashRecord
from comity.intake.models import Item
from comity.users.service import require

__all__ = [
    "FORMATS",
    "export_hashes",
    "external_matches",
    "flag_capture",
    "import_hashes",
    "list_imports",
    "similar_external",
]

FORMATS = ("threatexchange", "tcap-csv", "stix")
_BATCH = 500


def _org_name(org: str | None) -> str | None:
    if org is None:
        return None
    from comity.law.kb.loader import load_kb

    found = load_kb().register.organisations.get(org)
    return found.name if found is not None else None


def _approved(session: Session, since: date | None) -> dict[int, Proposal]:
    """Each item's latest approved proposal (decided on or after `since`)."""
    query = select(Proposal).where(Proposal.state == "approved")
    if since is not None:
        start = datetime.combine(since, datetime.min.time()).replace(tzinfo=utcnow().tzinfo)
        query = query.where(Proposal.decided_at >= start)
    latest: dict[int, Proposal] = {}
    for proposal in session.scalars(query.order_by(Proposal.decided_at, Proposal.id)):
        latest[proposal.item_id] = proposal
    return latest


def _cases(session: Session, item_ids: Sequence[int]) -> dict[int, str]:
    names: dict[int, list[str]] = {}
    rows = session.execute(
        select(CaseItem.item_id, Case.name)
        .join(Case, Case.id == CaseItem.case_id)
        .where(CaseItem.item_id.in_(list(item_ids)))
        .order_by(Case.id)
    )
    for item_id, name in rows:
        names.setdefault(item_id, []).append(name)
    return {item_id: "; ".join(found) for item_id, found in names.items()}


def _exported(session: Session, since: date | None) -> list[list[HashRecord]]:
    """The hashes of each captured object of each approved item, with the item's metadata."""
    approved = _approved(session, since)
    cases = _cases(session, list(approved))
    objects: list[list[HashRecord]] = []
    for item in session.scalars(select(Item).where(Item.id.in_(list(approved))).order_by(Item.id)):
        proposal = approved[item.id]
        assert proposal.decided_at is not None  # an approved proposal was decided
        by_object: dict[str, list[HashRecord]] = {}
        for row in own_hashes(session, item.id):
            if row.algorithm == "pdq" and (row.quality or 0) < MIN_PDQ_QUALITY:
                continue  # low-quality PDQs match unrelated images: never shared
            assert row.value is not None  # own_hashes reads hashed rows only
            by_object.setdefault(row.url, []).append(
                HashRecord(
                    algorithm=row.algorithm,
                    value=row.value,
                    reference=f"item-{item.id}",
                    url=item.url,
                    conduct=proposal.conduct,
                    organisation=item.org_id,
                    organisation_name=_org_name(item.org_id),
                    decision=proposal.state,
                    decided_on=proposal.decided_at.date().isoformat(),
                    case_name=cases.get(item.id),
                )
            )
        objects += [sorted(group, key=lambda r: r.key) for _, group in sorted(by_object.items())]
    return objects


def export_hashes(
    *,
    session: Session,
    fmt: str,
    actor: str | None,
    since: date | None = None,
    tlp: str = "amber",
    now: datetime | None = None,
) -> tuple[str, dict[str, Any]]:
    """The export file's text and a summary; audited (`hashes.export`)."""
    user = require(session=session, actor=actor, action="dossier")
    if fmt not in FORMATS:
        raise BadInput(f"--format: '{fmt}' is not one of {', '.join(FORMATS)}")
    objects = _exported(session, since)
    flat = [record for group in objects for record in group]
    if fmt == "threatexchange":
        text = threatexchange.write(flat)
    elif fmt == "tcap-csv":
        text = tcap.write(flat)
    else:
        text = stix.write(objects, tlp=tlp, now=now or utcnow())
    written = [
        r for r in flat if fmt != "threatexchange" or r.algorithm in threatexchange.SIGNAL_TYPES
    ]
    summary = {
        "format": fmt,
        "since": since.isoformat() if since else None,
        "tlp": tlp if fmt == "stix" else None,
        "items": len({r.reference for r in written}),
        "hashes": len(written),
        "file_sha256": hashlib.sha256(text.encode()).hexdigest(),
    }
    audit.record(
        session=session,
        actor=user.name,
        action="hashes.export",
        object_type="hash_export",
        object_id=str(summary["file_sha256"]),
        state=summary,
        data=summary,
    )
    return text, summary


def _parse(fmt: str, text: str) -> tuple[list[HashRecord], list[str]]:
    if fmt == "threatexchange":
        return threatexchange.read(text), []
    if fmt == "tcap-csv":
        return tcap.read(text)
    return stix.read(text)


def _source(name: str) -> str:
    text = name.strip()
    if not text or len(text) > 64 or not text.isprintable():
        raise BadInput("--source: give the list's provider, 1 to 64 printable characters")
    return text


def _existing(
    session: Session, source: str, records: Sequence[HashRecord]
) -> set[tuple[str, str, str]]:
    values = sorted({r.value for r in records})
    found: set[tuple[str, str, str]] = set()
    for start in range(0, len(values), _BATCH):
        rows = session.execute(
            select(ExternalHash.algorithm, ExternalHash.value, ExternalHash.reference).where(
                ExternalHash.source == source,
                ExternalHash.value.in_(values[start : start + _BATCH]),
            )
        )
        found |= {(a, v, r) for a, v, r in rows}
    return found


def import_hashes(
    *,
    session: Session,
    data: bytes,
    fmt: str,
    source: str,
    actor: str | None,
    file_name: str | None = None,
) -> dict[str, Any]:
    """Store a hash list's new hashes with their provenance; audited (`hashes.import`).

    Every row is checked before anything is written; the first bad one fails the
    whole import (BadInput naming its row and field). The same file from the
    same source again, or rows already held, add nothing.
    """
    user = require(session=session, actor=actor, action="intake")
    if fmt not in FORMATS:
        raise BadInput(f"--format: '{fmt}' is not one of {', '.join(FORMATS)}")
    source = _source(source)
    if len(data) > MAX_FILE_BYTES:
        raise BadInput(f"the file has {len(data)} bytes: at most {MAX_FILE_BYTES} are read")
    sha = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"the file is not UTF-8 text (byte {exc.start})") from None
    records, ignored = _parse(fmt, text)
    summary: dict[str, Any] = {
        "source": source,
        "format": fmt,
        "file_sha256": sha,
        "rows": len(records),
        "ignored": ignored,
    }
    before = session.scalars(
        select(HashImport).where(HashImport.source == source, HashImport.file_sha256 == sha)
    ).first()
    if before is not None:
        summary |= {"import_id": before.id, "added": 0, "already_imported": True}
        _audit_import(session, user.name, before.id, summary)
        return summary
    held = _existing(session, source, records)
    fresh = {r.key: r for r in records if r.key not in held}
    batch = HashImport(
        source=source,
        format=fmt,
        file_sha256=sha,
        file_name=file_name,
        rows=len(records),
        added=len(fresh),
        imported_by=user.name,
    )
    session.add(batch)
    session.flush()
    for record in fresh.values():
        row = ExternalHash(import_id=batch.id, source=source, **record.to_json())
        if record.algorithm == "pdq":
            set_chunks(row, record.value)
        session.add(row)
    session.flush()
    summary |= {
        "import_id": batch.id,
        "added": len(fresh),
        "already_imported": False,
        "imported_at": batch.imported_at.isoformat(),
        "imported_by": user.name,
    }
    _audit_import(session, user.name, batch.id, summary)
    return summary


def _audit_import(session: Session, actor: str, import_id: int, summary: dict[str, Any]) -> None:
    audit.record(
        session=session,
        actor=actor,
        action="hashes.import",
        object_type="hash_import",
        object_id=import_id,
        state=summary,
        data=summary,
    )


def list_imports(*, session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(select(HashImport).order_by(HashImport.id))
    return [
        {
            "id": r.id,
            "source": r.source,
            "format": r.format,
            "file_sha256": r.file_sha256,
            "file_name": r.file_name,
            "rows": r.rows,
            "added": r.added,
            "imported_at": r.imported_at.isoformat(),
            "imported_by": r.imported_by,
        }
        for r in rows
    ]


def _near(
    session: Session, own: Sequence[ObjectHashRow], pdq_distance: int
) -> list[tuple[ObjectHashRow, ExternalHash, int]]:
    """(own row, imported hash, distance): SHA-256 and MD5 equal, PDQ within the distance.

    Own PDQs of quality below 50 are left out, as in content groups."""
    found: list[tuple[ObjectHashRow, ExternalHash, int]] = []
    exact = [r for r in own if r.algorithm in ("sha256", "md5") and r.value]
    conditions = [
        (ExternalHash.algorithm == r.algorithm) & (ExternalHash.value == r.value) for r in exact
    ]
    for start in range(0, len(conditions), _BATCH):
        query = select(ExternalHash).where(or_(*conditions[start : start + _BATCH]))
        for ext in session.scalars(query):
            found += [
                (r, ext, 0) for r in exact if (r.algorithm, r.value) == (ext.algorithm, ext.value)
            ]
    for mine in own:
        if mine.algorithm != "pdq" or mine.value is None or (mine.quality or 0) < MIN_PDQ_QUALITY:
            continue
        near = near_rows(
            session=session, model=ExternalHash, value=mine.value, distance=pdq_distance
        )
        found += [(mine, ext, distance) for ext, distance in near]
    return found


def _external_dict(
    ext: ExternalHash, algorithm: str, distance: int, object_url: str
) -> dict[str, Any]:
    return {
        "external": True,  # another party's hash list: not evidence
        "source": ext.source,
        "import_id": ext.import_id,
        "algorithm": algorithm,
        "distance": distance,
        "object_url": object_url,
        "value": ext.value,
        "reference": ext.reference,
        "url": ext.url,
        "conduct": ext.conduct,
        "organisation": ext.organisation,
        "decision": ext.decision,
        "decided_on": ext.decided_on,
    }


def similar_external(
    session: Session, own: Sequence[ObjectHashRow], pdq_distance: int
) -> list[dict[str, Any]]:
    """For `comity evidence similar`: the imported hashes near the item's objects."""
    found = [
        _external_dict(ext, ext.algorithm, d, mine.url)
        for mine, ext, d in _near(session, own, pdq_distance)
    ]
    return sorted(found, key=lambda m: (m["distance"], m["source"], m["value"]))


def flag_capture(session: Session, actor: str, evidence: Evidence) -> None:
    """Record (and audit) every imported hash a new successful capture matches."""
    own = list(
        session.scalars(
            select(ObjectHashRow).where(
                ObjectHashRow.evidence_id == evidence.id, ObjectHashRow.value.is_not(None)
            )
        )
    )
    near = _near(session, own, DEFAULT_PDQ_DISTANCE)
    if not near:
        return
    seen: set[int] = set()
    flagged = []
    for mine, ext, distance in sorted(near, key=lambda m: (m[2], m[1].id)):
        if ext.id in seen:
            continue
        seen.add(ext.id)
        session.add(
            ExternalMatch(
                item_id=evidence.item_id,
                evidence_id=evidence.id,
                external_hash_id=ext.id,
                object_url=mine.url,
                algorithm=ext.algorithm,
                distance=distance,
            )
        )
        flagged.append(
            {
                "source": ext.source,
                "algorithm": ext.algorithm,
                "distance": distance,
                "external_hash_id": ext.id,
            }
        )
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="item.external_match",
        object_type="item",
        object_id=evidence.item_id,
        state={"item_id": evidence.item_id, "evidence_id": evidence.id, "matches": flagged},
        data={"evidence_id": evidence.id, "matches": flagged},
    )


def external_matches(*, session: Session, item_id: int) -> list[dict[str, Any]]:
    """The imported hashes the item's captures matched (for `item show`): never evidence."""
    rows = session.execute(
        select(ExternalMatch, ExternalHash)
        .join(ExternalHash, ExternalHash.id == ExternalMatch.external_hash_id)
        .where(ExternalMatch.item_id == item_id)
        .order_by(ExternalMatch.distance, ExternalMatch.id)
    )
    return [
        _external_dict(ext, match.algorithm, match.distance, match.object_url)
        | {"evidence_id": match.evidence_id, "matched_at": match.matched_at.isoformat()}
        for match, ext in rows
    ]
