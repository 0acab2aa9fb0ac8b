"""Check the data against the audit chain: every audited object, every stored file.

For each object kind (comity.integrity.objects) two streaming passes, each in
batches by key so that memory stays flat however large the database:

1. every row: its current digest against the row digest of its newest event
   that carries one; its stored files re-hashed against the row;
2. every object the chain names whose row is gone: an event that recorded the
   row (and no later deletion event) means the row was deleted behind the
   services' back.

An object whose events all predate row digests is counted as not covered,
never as tampered.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from comity.core.audit import AuditEvent, digest
from comity.evidence.store import Store
from comity.integrity.objects import ABSENT, KINDS, Kind, kind_for, numeric_ids, states

__all__ = ["DataReport", "Difference", "check_object", "verify_data"]

BATCH = 2_000


@dataclass(frozen=True)
class Difference:
    """One object whose data does not match the chain (or its files)."""

    object_type: str
    object_id: str
    problem: str  # state_differs | deleted | no_event | file
    detail: str
    event: int | None = None

    def line(self) -> str:
        return f"{self.object_type} {self.object_id}: {self.detail}"


@dataclass
class DataReport:
    objects: int = 0
    covered: int = 0
    not_covered: int = 0
    files: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    def as_dict(self) -> dict[str, Any]:
        return {
            "objects": self.objects,
            "covered": self.covered,
            "not_covered": self.not_covered,
            "files_checked": self.files,
            "differences": [asdict(d) for d in self.differences],
        }


@dataclass(frozen=True)
class _Last:
    events: int
    seq: int | None  # newest event carrying a row digest
    row_digest: str | None


def _last_events(session: Session, object_type: str, ids: Sequence[str]) -> dict[str, _Last]:
    """Per object: how many events name it, and the newest row digest among them."""
    if not ids:
        return {}
    e = AuditEvent
    newest = func.max(case((e.row_digest.is_not(None), e.seq)))
    counts = session.execute(
        select(e.object_id, func.count(), newest)
        .where(e.object_type == object_type, e.object_id.in_(ids))
        .group_by(e.object_id)
    ).all()
    seqs = [int(s) for _, _, s in counts if s is not None]
    digests = dict(session.execute(select(e.seq, e.row_digest).where(e.seq.in_(seqs))).all())
    return {
        str(oid): _Last(int(n), s, digests.get(s) if s is not None else None)
        for oid, n, s in counts
    }


def _rows(session: Session, kind: Kind, batch: int) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    """Every row of `kind` as (id, state), `batch` at a time in key order."""
    last = None
    while True:
        query = select(kind.pk).order_by(kind.pk).limit(batch)
        if last is not None:
            query = query.where(kind.pk > last)
        ids = list(session.scalars(query))
        if not ids:
            return
        last = ids[-1]
        found = states(session, kind, ids)
        yield [(i, found[i]) for i in ids if i in found]


def _compare(
    kind: Kind, object_id: str, state: dict[str, Any], last: _Last | None
) -> Difference | None:
    if last is None or last.events == 0:
        if kind.always_audited:
            return Difference(
                kind.object_type,
                object_id,
                "no_event",
                "the row has no audit event (inserted outside the services)",
            )
        return None
    if last.row_digest is None:
        return None
    if digest(state) != last.row_digest:
        return Difference(
            kind.object_type,
            object_id,
            "state_differs",
            f"the row differs from its last audited event {last.seq}"
            + (" (which recorded it deleted)" if last.row_digest == ABSENT else ""),
            last.seq,
        )
    return None


def _covered(report: DataReport, last: _Last | None) -> None:
    if last is not None and last.row_digest is not None:
        report.covered += 1
    else:
        report.not_covered += 1


def _check_files(
    kind: Kind, object_id: str, state: dict[str, Any], store: Store, report: DataReport
) -> None:
    pairs = [(f.what, state[f.path], state[f.sha256]) for f in kind.files]
    pairs += [
        (f"{fmt}/{lang}", path, sha) for fmt, lang, sha, _size, path in state.get("files", ())
    ]
    for what, rel, sha in pairs:
        if rel is None and sha is None:
            continue
        report.files += 1
        problem = store.check(rel, sha)
        if problem is not None:
            report.differences.append(
                Difference(kind.object_type, object_id, "file", f"{what} {problem}")
            )


def _existing(
    session: Session, kind: Kind, report: DataReport, store: Store | None, batch: int
) -> None:
    for rows in _rows(session, kind, batch):
        lasts = _last_events(session, kind.object_type, [str(i) for i, _ in rows])
        for pk, state in rows:
            object_id = str(pk)
            last = lasts.get(object_id)
            report.objects += 1
            _covered(report, last)
            difference = _compare(kind, object_id, state, last)
            if difference is not None:
                report.differences.append(difference)
            if store is not None:
                _check_files(kind, object_id, state, store, report)


def _deleted(session: Session, kind: Kind, report: DataReport, batch: int) -> None:
    e = AuditEvent
    last = ""
    while True:
        named = list(
            session.scalars(
                select(e.object_id)
                .where(e.object_type == kind.object_type, e.object_id > last)
                .distinct()
                .order_by(e.object_id)
                .limit(batch)
            )
        )
        if not named:
            return
        last = named[-1]
        ids = numeric_ids(named)
        present = set(session.scalars(select(kind.pk).where(kind.pk.in_(ids))))
        gone = [str(i) for i in ids if i not in present]
        for object_id, seen in _last_events(session, kind.object_type, gone).items():
            if seen.row_digest is None or seen.row_digest == ABSENT:
                continue  # predates row digests, or its deletion was audited
            report.objects += 1
            report.covered += 1
            report.differences.append(
                Difference(
                    kind.object_type,
                    object_id,
                    "deleted",
                    f"the row is gone but audit event {seen.seq} recorded it",
                    seen.seq,
                )
            )


def verify_data(
    *,
    session: Session,
    store: Store | None,
    batch: int = BATCH,
    kinds: Sequence[str] | None = None,
) -> DataReport:
    """Compare every audited object (of `kinds`, default all) and, given the store, every
    stored file with the chain; list each difference."""
    report = DataReport()
    for kind in (KINDS[k] for k in kinds or KINDS):
        _existing(session, kind, report, store, batch)
        _deleted(session, kind, report, batch)
    return report


def check_object(*, session: Session, object_type: str, object_id: int) -> Difference | None:
    """The difference between one object's rows and its last audited event, if any."""
    kind = kind_for(object_type)
    if kind is None:
        return None
    state = states(session, kind, [object_id]).get(object_id)
    last = _last_events(session, object_type, [str(object_id)]).get(str(object_id))
    if state is None:
        if last is None or last.row_digest in (None, ABSENT):
            return None
        return Difference(object_type, str(object_id), "deleted", "the row is gone", last.seq)
    return _compare(kind, str(object_id), state, last)
