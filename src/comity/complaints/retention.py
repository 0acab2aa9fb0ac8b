"""Retention: what is deleted when its purpose ends, legal holds that suspend it, and the run.

Periods are per kind of data and per outcome of the item (its final state),
counted from the item's last change (`items.updated_at`: a withdrawn, closed,
rejected or expired item changes no further). The defaults below are the
centre's policy, not law; `retention_days` in settings replaces any of them
("evidence.withdrawn=180").

Kinds a run deletes:
- evidence: the WARC and the content file of each capture, and the visible
  text read from them for search (comity.evidence.models.CaptureText);
- screenshots: the screenshot of each capture;
- reporters: what a report says about who reported (`source`) and its note.
The hashes stay on the evidence row (the proof that the file existed, never a
way to restore it); each deletion is an audit event (`evidence.deleted`,
`report.anonymised`) and the run one more (`retention.run`) listing what went.
Dossiers are not deleted here: issued dossiers are frozen official records
(their tables refuse updates) and the audit chain names staff by design.

Legal holds: a hold on one item suspends every deletion of its data; a hold
on a kind with `min_days` is a minimum period (a statute, a court order) that
no configured period may undercut: such a run is refused, naming both.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session

from comity.complaints.models import LegalHold
from comity.core import audit
from comity.core.audit import AuditEvent
from comity.core.db import session_scope, utcnow
from comity.core.errors import BadInput, NotFound, Refused
from comity.core.settings import Settings, get_settings
from comity.evidence.models import CaptureText, Evidence
from comity.evidence.store import Store, StoreError
from comity.intake.models import Item, Report
from comity.users.service import require

__all__ = [
    "DEFAULT_DAYS",
    "KINDS",
    "OUTCOMES",
    "Plan",
    "active_holds",
    "apply",
    "check_periods",
    "figures",
    "periods",
    "place_hold",
    "plan",
    "release_hold",
    "run",
]

KINDS = ("evidence", "screenshots", "reporters")
OUTCOMES = ("closed", "withdrawn", "rejected", "expired")
# Policy defaults (days). Evidence of a closed case is kept five years, what a
# withdrawn or refused proposal gathered one year; reporters' details go first.
DEFAULT_DAYS: dict[str, int] = {
    "evidence.closed": 1825,
    "evidence.withdrawn": 365,
    "evidence.rejected": 365,
    "evidence.expired": 365,
    "screenshots.closed": 1825,
    "screenshots.withdrawn": 365,
    "screenshots.rejected": 365,
    "screenshots.expired": 365,
    "reporters.closed": 365,
    "reporters.withdrawn": 90,
    "reporters.rejected": 90,
    "reporters.expired": 90,
}


def periods(settings: Settings | None = None) -> dict[str, int]:
    """The defaults with the settings' `retention_days` applied, each entry checked."""
    out = dict(DEFAULT_DAYS)
    for entry in (settings or get_settings()).retention_days:
        key, sep, value = entry.partition("=")
        key = key.strip()
        if not sep or key not in DEFAULT_DAYS:
            raise BadInput(
                f"retention_days: '{entry}' must be KIND.OUTCOME=DAYS with KIND one of "
                f"{', '.join(KINDS)} and OUTCOME one of {', '.join(OUTCOMES)}",
                field="retention_days",
            )
        try:
            days = int(value)
        except ValueError:
            days = -1
        if days < 1:
            raise BadInput(
                f"retention_days: '{entry}': the period is a whole number of days, 1 or more",
                field="retention_days",
            )
        out[key] = days
    return out


def _active(today: date) -> Any:
    return (LegalHold.released_at.is_(None)) & (
        or_(LegalHold.until.is_(None), LegalHold.until >= today)
    )


def active_holds(*, session: Session, today: date | None = None) -> list[LegalHold]:
    day = today or utcnow().date()
    return list(session.scalars(select(LegalHold).where(_active(day)).order_by(LegalHold.id)))


def check_periods(*, session: Session, days: dict[str, int], today: date | None = None) -> None:
    """Refuse when a configured period is shorter than a legal hold's minimum."""
    for hold in active_holds(session=session, today=today):
        if hold.item_id is not None or hold.min_days is None:
            continue
        for key, value in sorted(days.items()):
            if (hold.kind is None or key.startswith(f"{hold.kind}.")) and value < hold.min_days:
                raise Refused(
                    f"retention_days: {key} = {value} days is shorter than legal hold "
                    f"{hold.id} ({hold.min_days} days: {hold.reason}); set {key} to "
                    f"{hold.min_days} or more, or release the hold"
                )


def place_hold(
    *,
    session: Session,
    actor: str | None,
    reason: str,
    item_id: int | None = None,
    kind: str | None = None,
    min_days: int | None = None,
    until: date | None = None,
) -> LegalHold:
    """A hold on one item's data, or a minimum period for a kind (or every kind)."""
    user = require(session=session, actor=actor, action="retention")
    if not reason or not reason.strip():
        raise BadInput("--reason: a legal hold states its reason (the order, the statute)")
    if kind is not None and kind not in KINDS:
        raise BadInput(f"--kind: '{kind}' is not valid; valid: {', '.join(KINDS)}", field="kind")
    if item_id is None and min_days is None:
        raise BadInput("--item or --min-days: a hold is on one item, or a minimum period")
    if item_id is not None and min_days is not None:
        raise BadInput("--min-days: a hold on one item keeps all of it; give one or the other")
    if min_days is not None and min_days < 1:
        raise BadInput("--min-days: a whole number of days, 1 or more", field="min_days")
    if until is not None and until < utcnow().date():
        raise BadInput(f"--until: {until} is in the past", field="until")
    if item_id is not None and session.get(Item, item_id) is None:
        raise NotFound(f"item {item_id} does not exist")
    hold = LegalHold(
        item_id=item_id,
        kind=kind,
        min_days=min_days,
        until=until,
        reason=reason.strip(),
        placed_by=user.name,
    )
    session.add(hold)
    session.flush()
    audit.record(
        session=session,
        actor=user.name,
        action="hold.placed",
        object_type="legal_hold",
        object_id=hold.id,
        state={"item": item_id, "kind": kind, "min_days": min_days, "until": until},
        data={"item": item_id, "kind": kind, "min_days": min_days, "reason": hold.reason},
    )
    return hold


def release_hold(*, session: Session, actor: str | None, hold_id: int, reason: str) -> LegalHold:
    user = require(session=session, actor=actor, action="retention")
    if not reason or not reason.strip():
        raise BadInput("--reason: say why the hold ends")
    hold = session.get(LegalHold, hold_id)
    if hold is None:
        raise NotFound(f"legal hold {hold_id} does not exist")
    if hold.released_at is not None:
        raise Refused(f"legal hold {hold_id} was released on {hold.released_at.date()}")
    hold.released_at, hold.released_by = utcnow(), user.name
    audit.record(
        session=session,
        actor=user.name,
        action="hold.released",
        object_type="legal_hold",
        object_id=hold.id,
        state={"released": True},
        data={"reason": reason.strip()},
    )
    return hold


@dataclass
class Plan:
    """What a run deletes (or, dry, would delete)."""

    today: date
    periods: dict[str, int]
    evidence: list[tuple[int, int, str]] = field(default_factory=list)  # (id, item, what)
    reporters: list[tuple[int, int]] = field(default_factory=list)  # (report id, item)
    held: list[int] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)  # (rel path, sha256)

    def summary(self) -> dict[str, Any]:
        return {
            "as_of": self.today.isoformat(),
            "evidence_files": sum(1 for _, _, w in self.evidence if w != "screenshot"),
            "screenshots": sum(1 for _, _, w in self.evidence if w == "screenshot"),
            "reports_anonymised": len(self.reporters),
            "items": sorted({i for _, i, _ in self.evidence} | {i for _, i in self.reporters}),
            "held_items": sorted(set(self.held)),
            "files_deleted": len(self.files),
        }


def _due(item: Item, kind: str, days: dict[str, int], today: date) -> bool:
    changed: datetime = item.updated_at
    return changed.date() + timedelta(days=days[f"{kind}.{item.state}"]) <= today


def plan(*, session: Session, today: date | None = None, settings: Settings | None = None) -> Plan:
    """What is due for deletion today; refuses a period shorter than a legal hold."""
    day = today or utcnow().date()
    days = periods(settings)
    check_periods(session=session, days=days, today=day)
    out = Plan(today=day, periods=days)
    held = {h.item_id for h in active_holds(session=session, today=day) if h.item_id}
    items = session.scalars(select(Item).where(Item.state.in_(OUTCOMES)).order_by(Item.id))
    for item in items:
        kinds = [k for k in KINDS if _due(item, k, days, day)]
        if not kinds:
            continue
        if item.id in held:
            out.held.append(item.id)
            continue
        for ev in session.scalars(select(Evidence).where(Evidence.item_id == item.id)):
            if "evidence" in kinds and (ev.warc_path or ev.content_path):
                out.evidence.append((ev.id, item.id, "warc"))
            if "screenshots" in kinds and ev.screenshot_path:
                out.evidence.append((ev.id, item.id, "screenshot"))
        if "reporters" in kinds:
            reports = select(Report.id).where(
                Report.item_id == item.id, or_(Report.source.is_not(None), Report.note.is_not(None))
            )
            out.reporters += [(rid, item.id) for rid in session.scalars(reports)]
    return out


def _sha(value: str | None) -> str | None:
    return hashlib.sha256(value.encode()).hexdigest() if value is not None else None


def _delete_evidence(session: Session, ev: Evidence, what: str, out: Plan) -> dict[str, Any]:
    pairs = (
        [("warc", "warc_path", "warc_sha256"), ("content", "content_path", "content_sha256")]
        if what == "warc"
        else [("screenshot", "screenshot_path", "screenshot_sha256")]
    )
    gone: dict[str, Any] = {}
    for name, path_attr, sha_attr in pairs:
        rel = getattr(ev, path_attr)
        if rel is None:
            continue
        out.files.append((rel, getattr(ev, sha_attr)))
        setattr(ev, path_attr, None)
        gone[name] = getattr(ev, sha_attr)
    if what == "warc":
        _erase_capture_text(session, ev)
    return gone


def _erase_capture_text(session: Session, ev: Evidence) -> None:
    """The capture's visible text was read from the files deleted: it goes with them
    (and from the search index with it); the page title, kept on the evidence row,
    stays searchable."""
    row = session.get(CaptureText, ev.id)
    if row is None:
        return
    if ev.title:
        row.text = ev.title
    else:
        session.delete(row)


def apply(*, session: Session, actor: str | None, dry_run: bool, out: Plan) -> dict[str, Any]:
    """Carry out `out` (unless dry): null the paths, keep the hashes, audit each step.

    Files are listed in `out.files` for the caller to delete after the commit
    (a file deleted before a rollback could not come back); a content file
    still named by a row that keeps it is never listed.
    """
    user = require(session=session, actor=actor, action="retention")
    if dry_run:
        return {"dry_run": True, **out.summary()}
    entries: list[audit.Entry] = []
    for ev_id, item_id, what in out.evidence:
        ev = session.get_one(Evidence, ev_id)
        gone = _delete_evidence(session, ev, what, out)
        entries.append(
            audit.Entry(
                "evidence.deleted",
                "evidence",
                ev_id,
                {"deleted": sorted(gone)},
                {"item": item_id, "hashes": gone, "why": "retention"},
            )
        )
    for report_id, item_id in out.reporters:
        report = session.get_one(Report, report_id)
        kept = {"source_sha256": _sha(report.source), "note_sha256": _sha(report.note)}
        report.source = report.note = None
        entries.append(
            audit.Entry("report.anonymised", "item", item_id, {"report": report_id}, kept)
        )
    session.flush()
    still = {
        rel
        for row in session.execute(
            select(Evidence.warc_path, Evidence.content_path, Evidence.screenshot_path)
        )
        for rel in row
        if rel
    }
    out.files = sorted({(rel, sha) for rel, sha in out.files if rel not in still})
    summary = {"dry_run": False, **out.summary()}
    entries.append(
        audit.Entry(
            "retention.run", "retention", out.today.isoformat(), summary, {"periods": out.periods}
        )
    )
    audit.record_many(session=session, actor=user.name, entries=entries)
    return summary


def run(
    *,
    engine: Engine,
    actor: str | None,
    dry_run: bool,
    today: date | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """`comity retention run`: plan, apply in one transaction, then delete the files."""
    settings = settings or get_settings()
    with session_scope(engine) as session:
        due = plan(session=session, today=today, settings=settings)
        summary = apply(session=session, actor=actor, dry_run=dry_run, out=due)
    if dry_run:
        return summary
    store, failed = Store(settings.home), []
    for rel, sha in due.files:
        try:
            store.path(rel, sha256=sha).unlink(missing_ok=True)
        except (OSError, StoreError) as exc:  # the row is already cleared: say so, go on
            failed.append(f"{rel}: {exc}")
    return {**summary, "file_errors": failed}


# What the transparency report says of retention: read from the audit chain, where each
# run, deletion, anonymisation and hold is recorded (the rows themselves keep no trace).
_FIGURES = {
    "retention.run": "runs",
    "evidence.deleted": "evidence_deleted",
    "report.anonymised": "reporters_anonymised",
    "hold.placed": "holds_placed",
}


def figures(*, session: Session, start: date, end: date) -> dict[str, int]:
    """Retention in [start, end] (days, UTC): runs, evidence records whose files were
    deleted, items whose reporters' data was blanked, legal holds placed."""
    since = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    rows = session.execute(
        select(AuditEvent.action, AuditEvent.object_id).where(
            AuditEvent.action.in_(list(_FIGURES)), AuditEvent.at >= since, AuditEvent.at < until
        )
    )
    seen: dict[str, set[str]] = {name: set() for name in _FIGURES.values()}
    runs = 0
    for action, object_id in rows:
        if action == "retention.run":
            runs += 1  # one per run, whatever day it was run "as of"
        else:
            # an evidence record's file and its screenshot are two events, one record
            seen[_FIGURES[action]].add(str(object_id))
    return {name: runs if name == "runs" else len(ids) for name, ids in seen.items()}
