"""What each audited object's state is, read from its rows: the digest events carry.

Every audit event about an object of a kind listed here carries `row_digest`,
the digest of the object's decision-relevant columns as they stand after the
change (read back from the database inside the writing transaction). `comity
audit verify` reads the same columns again and compares: a row changed by SQL
no longer matches its last event. Only columns that change through audited
services are listed (never `last_used_at`, `updated_at` or a cached title), so
an untouched object always matches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, select
from sqlalchemy.orm import Session

from comity.cases.models import Proposal
from comity.core.audit import digest
from comity.dossiers.models import DossierEntry, DossierFile, DossierRecord
from comity.evidence.models import Evidence
from comity.intake.models import Item
from comity.users.models import User
from comity.web.models import ApiToken

__all__ = ["ABSENT", "KINDS", "FileRef", "Kind", "kind_for", "numeric_ids", "row_digests", "states"]

# The digest of "no such row": what an event about a deleted object carries.
ABSENT = digest(None)

Parts = Callable[[Session, Sequence[int]], dict[int, dict[str, Any]]]


@dataclass(frozen=True)
class FileRef:
    """A stored file named by a row: which column holds its path and which its SHA-256."""

    what: str
    path: str
    sha256: str


@dataclass(frozen=True)
class Kind:
    """One audited object type: its table, the columns its digest covers, its files.

    `always_audited`: rows are only ever created by a service that records an
    event, so a row without any event was inserted behind the services' back.
    Items are not (a bulk import records one event per batch, not per item).
    """

    object_type: str
    table: Table
    columns: tuple[str, ...]
    always_audited: bool
    files: tuple[FileRef, ...] = ()
    parts: Parts | None = None

    @property
    def pk(self) -> ColumnElement[int]:
        return self.table.c.id


def _dossier_parts(session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """A dossier's entries and stored files are part of its state (a swapped PDF changes it)."""
    parts: dict[int, dict[str, Any]] = {i: {"entries": [], "files": []} for i in ids}
    entries = session.execute(
        select(
            DossierEntry.dossier_id,
            DossierEntry.proposal_id,
            DossierEntry.item_id,
            DossierEntry.position,
            DossierEntry.status,
        )
        .where(DossierEntry.dossier_id.in_(ids))
        .order_by(DossierEntry.dossier_id, DossierEntry.position, DossierEntry.id)
    )
    for dossier_id, *entry in entries:
        parts[dossier_id]["entries"].append(entry)
    files = session.execute(
        select(
            DossierFile.dossier_id,
            DossierFile.format,
            DossierFile.language,
            DossierFile.sha256,
            DossierFile.size,
            DossierFile.path,
        )
        .where(DossierFile.dossier_id.in_(ids))
        .order_by(DossierFile.dossier_id, DossierFile.format, DossierFile.language)
    )
    for dossier_id, *file in files:
        parts[dossier_id]["files"].append(file)
    return parts


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


_EVIDENCE_COLUMNS = tuple(c.name for c in _table(Evidence).columns)
_PROPOSAL_COLUMNS = tuple(c.name for c in _table(Proposal).columns)

KINDS: dict[str, Kind] = {
    k.object_type: k
    for k in (
        # Proposals change only through review, expiry, withdrawal and take-out
        # (each audited): every column is decision-relevant.
        Kind("proposal", _table(Proposal), _PROPOSAL_COLUMNS, always_audited=True),
        Kind(
            "item", _table(Item), ("id", "url", "state", "priority", "org_id"), always_audited=False
        ),
        # Evidence rows are never updated after capture.
        Kind(
            "evidence",
            _table(Evidence),
            _EVIDENCE_COLUMNS,
            always_audited=True,
            files=(
                FileRef("warc", "warc_path", "warc_sha256"),
                FileRef("content", "content_path", "content_sha256"),
                FileRef("screenshot", "screenshot_path", "screenshot_sha256"),
            ),
        ),
        Kind(
            "dossier",
            _table(DossierRecord),
            (
                "id",
                "reference",
                "kind",
                "channel",
                "host",
                "addressee_key",
                "state",
                "version",
                "supersedes_id",
                "created_by",
                "issued_by",
                "issued_at",
                "issue_date",
                "superseded_at",
            ),
            always_audited=True,
            parts=_dossier_parts,
        ),
        Kind(
            "user",
            _table(User),
            ("id", "name", "role", "active", "password_hash", "must_change_password"),
            always_audited=True,
        ),
        Kind(
            "api_token",
            _table(ApiToken),
            (
                "id",
                "user_id",
                "name",
                "token_sha256",
                "created_by",
                "scopes",
                "expires_at",
                "revoked_at",
            ),
            always_audited=True,
        ),
    )
}


def kind_for(object_type: str) -> Kind | None:
    return KINDS.get(object_type)


def numeric_ids(object_ids: Sequence[str]) -> list[int]:
    """The object ids that name a row by primary key (a dossier is also named by reference)."""
    return [int(i) for i in object_ids if _is_pk(i)]


def _is_pk(object_id: str) -> bool:
    return (
        object_id.isascii()
        and object_id.isdigit()
        and len(object_id) < 19
        and (object_id == "0" or not object_id.startswith("0"))
    )


def states(session: Session, kind: Kind, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The state (decision-relevant columns) of each existing row among `ids`."""
    if not ids:
        return {}
    cols = [kind.table.c[name] for name in kind.columns]
    rows = session.execute(select(kind.pk, *cols).where(kind.pk.in_(ids)))
    found = {int(row[0]): dict(zip(kind.columns, row[1:], strict=True)) for row in rows}
    if kind.parts is not None and found:
        for key, part in kind.parts(session, list(found)).items():
            found[key] |= part
    return found


def row_digests(session: Session, object_type: str, object_ids: Sequence[str]) -> dict[str, str]:
    """Each object's current state digest (ABSENT when its row is gone).

    Ids of a kind not listed here, or that do not name a row by primary key,
    get no entry: their events carry no row digest.
    """
    kind = kind_for(object_type)
    if kind is None:
        return {}
    found = states(session, kind, numeric_ids(object_ids))
    return {
        i: digest(found[int(i)]) if int(i) in found else ABSENT for i in object_ids if _is_pk(i)
    }
