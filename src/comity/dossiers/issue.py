"""Issue a draft dossier: re-attribute, take out what moved, number, render, store, freeze.

Three short transactions around the slow work, so that no lock is held while
DNS answers or typst renders:

1. re-attribution (I/O, no transaction), then one transaction that records the
   fresh observations, takes out items that moved or vanished (audited; the
   approval lapses and the item goes back for a new proposal) and gives the
   dossier its reference number once (a retry reuses it);
2. rendering every format and language, each file stored content-addressed
   (temp file + fsync + rename) before any row points at it;
3. one transaction that records the files and flips the dossier from draft
   to issued with a conditional UPDATE: of two concurrent issues exactly one
   lands. The database triggers then keep it frozen.

Lock order (PostgreSQL): dossier row, sequence row, item rows, audit head.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session

from comity.cases import safeguards, states
from comity.cases.context import holds_covering
from comity.cases.models import Proposal
from comity.core import audit
from comity.core.db import read_session, session_scope, utcnow
from comity.core.errors import Refused
from comity.core.settings import get_settings
from comity.dossiers import build
from comity.dossiers.models import DossierEntry, DossierFile, DossierRecord, DossierSequence
from comity.dossiers.schemas import SEALED_KINDS, check_non_disclosure
from comity.dossiers.service import dossier_state, get_dossier
from comity.hosting.attribution import Attribution
from comity.intake.models import Item
from comity.users.service import require

__all__ = ["Attribute", "NonDisclosure", "issue", "next_reference"]

Attribute = Callable[[Sequence[str]], list[Attribution]]


def _default_attribute() -> Attribute:
    from comity.hosting.service import attribute_urls, resolver_config_from_env

    config = resolver_config_from_env()
    return lambda urls: attribute_urls(urls, resolver_config=config)


def next_reference(session: Session, *, requesting: str, year: int) -> str:
    """The next number of `year` (row-locked UPDATE ... RETURNING: no two callers share one)."""
    bump = (
        update(DossierSequence)
        .where(DossierSequence.year == year)
        .values(last=DossierSequence.last + 1)
        .returning(DossierSequence.last)
    )
    number = session.execute(bump).scalar()
    if number is None:
        dialect = session.get_bind().dialect.name
        from sqlalchemy.dialects import postgresql, sqlite

        # A concurrent first issue of the year may insert the row too: let one win.
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(upsert(DossierSequence).values(year=year, last=0).on_conflict_do_nothing())
        number = session.execute(bump).scalar_one()
    return f"{build.reference_prefix(requesting)}/{year}/{number:06d}"


def _included(session: Session, dossier_id: int) -> list[DossierEntry]:
    return list(
        session.scalars(
            select(DossierEntry)
            .where(DossierEntry.dossier_id == dossier_id, DossierEntry.status == "included")
            .order_by(DossierEntry.position)
        )
    )


def _take_out(session: Session, entry: DossierEntry, reason: str, actor: str) -> None:
    """Remove an entry from the draft; the approval lapses so the item is reviewed again."""
    entry.status, entry.reason = "removed", reason
    lapsed = states.rows_changed(
        session.execute(
            update(Proposal)
            .where(Proposal.id == entry.proposal_id, Proposal.state == "approved")
            .values(state="expired")
            .execution_options(synchronize_session=False)
        )
    )
    item = session.get_one(Item, entry.item_id)
    other = session.scalar(
        select(Proposal.id).where(Proposal.item_id == item.id, Proposal.state == "approved")
    )
    if lapsed and item.state == "approved" and other is None:
        states.transition(
            session=session,
            item=item,
            to="expired",
            actor=actor,
            reason=f"taken out of a dossier: {reason}",
        )
    audit.record(
        session=session,
        actor=actor,
        action="dossier.take_out",
        object_type="dossier",
        object_id=entry.dossier_id,
        state={"entry": entry.id, "status": "removed"},
        data={
            "proposal": entry.proposal_id,
            "item": entry.item_id,
            "reason": reason,
            "approval_lapsed": bool(lapsed),
        },
    )
    if lapsed:
        audit.record(
            session=session,
            actor=actor,
            action="proposal.lapse",
            object_type="proposal",
            object_id=entry.proposal_id,
            state={"state": "expired"},
            data={"dossier": entry.dossier_id, "reason": reason},
        )


def _still_valid(session: Session, entry: DossierEntry) -> str | None:
    proposal = session.get_one(Proposal, entry.proposal_id)
    if proposal.state != "approved":
        return f"proposal {proposal.id} is {proposal.state}, no longer approved"
    if proposal.valid_until is not None and proposal.valid_until <= utcnow():
        return f"the approval of proposal {proposal.id} expired"
    return _held_since_approval(session, proposal, session.get_one(Item, entry.item_id))


_HOLD_ID = re.compile(r"deconfliction hold (\d+) ")


def _held_since_approval(session: Session, proposal: Proposal, item: Item) -> str | None:
    """A deconfliction hold approved after the proposal was: the request must not go.

    The approval checked the holds in force then; a supervisor who overrode one
    took that hold into account, so only holds the approval did not see (or did
    not override) take the item out, and its approval lapses for a new review.
    """
    overridden = {
        match.group(1)
        for finding in proposal.overridden or []
        if isinstance(finding, dict) and finding.get("code") == "deconfliction_hold"
        for match in [_HOLD_ID.search(str(finding.get("message", "")))]
        if match
    }
    context = safeguards.Context(
        now=utcnow(), holds=tuple(holds_covering(session=session, item=item))
    )
    for finding in safeguards.held(context):
        match = _HOLD_ID.search(finding.message)
        if match is None or match.group(1) not in overridden:
            return f"held: {finding.message}"
    return None


def _refresh(
    engine: Engine, dossier_id: int, actor: str, fresh: dict[int, Attribution], on: date
) -> None:
    """Transaction 1: record observations, take out moved/vanished items, number the dossier."""
    from comity.hosting.attribution import footprint, moved_between
    from comity.hosting.store import record_observation

    with session_scope(engine) as session:
        record = session.scalars(
            select(DossierRecord).where(DossierRecord.id == dossier_id).with_for_update()
        ).one()
        if record.state != "draft":
            raise _not_draft(record)
        for entry in _included(session, dossier_id):
            proposal = session.get_one(Proposal, entry.proposal_id)
            item = session.get_one(Item, entry.item_id)
            observed = record_observation(session, item, fresh[entry.item_id], actor)
            reason = _still_valid(session, entry)
            now_at = footprint(observed.data)
            if reason is None and not now_at.live:
                reason = "vanished: the address no longer resolves to a routable host"
            if reason is None and entry.attribution_id is not None:
                before = session.get_one(
                    type(observed), entry.attribution_id
                )  # the observation the draft was built on
                moved = moved_between(footprint(before.data), now_at)
                reason = f"moved: {moved}" if moved else None
            governmental = (
                record.kind not in ("provider_referral", "portal_referral") and record.host
            )
            if reason is None and governmental and record.host not in now_at.countries:
                reason = f"moved: no longer hosted in {record.host}"
            hosting = None if reason else build.hosting_from(observed.data, proposal.host)
            if reason is None and hosting is None:
                reason = "vanished: no routable hosting address"
            if reason is not None:
                _take_out(session, entry, reason, actor)
                continue
            assert hosting is not None

            entry.snapshot = build.snapshot_of(
                session=session, proposal=proposal, item=item, hosting=hosting
            )
        if _included(session, dossier_id) and record.reference is None:
            record.reference = next_reference(
                session, requesting=get_settings().requesting_state, year=on.year
            )


def _render(
    record: DossierRecord,
    snapshots: list[dict[str, Any]],
    on: date,
    supersedes: str | None,
    at: datetime,
    non_disclosure: NonDisclosure,
) -> list[tuple[str, str, bytes]]:
    from comity.dossiers.render import formats_for

    out = []
    for language in record.languages:
        dossier = build.make_dossier(
            kind=record.kind,
            channel=record.channel,
            language=language,
            sender=record.sender,
            addressee=record.addressee,
            snapshots=snapshots,
            reference=record.reference or "",
            on=on,
            version=record.version,
            supersedes=supersedes,
            priority=record.priority,
            at=at,
            non_disclosure_reason=non_disclosure.reason,
            non_disclosure_weeks=non_disclosure.weeks,
            staff_language=non_disclosure.language,
        )
        for fmt, render in formats_for(dossier).items():
            out.append((fmt, language, render(dossier)))
    return out


def _not_draft(record: DossierRecord) -> Refused:
    """The refusal for issuing a dossier that is no longer a draft: which one, and who won."""
    if record.state == "issued" and record.issued_by:
        when = f" at {record.issued_at:%Y-%m-%d %H:%M:%S} UTC" if record.issued_at else ""
        return Refused(
            f"dossier {record.id} ({record.reference}) was already issued by "
            f"{record.issued_by}{when}: an issued dossier never changes; "
            "use revise for a new version"
        )
    return Refused(
        f"dossier {record.id} is already {record.state} ({record.reference}): "
        "an issued dossier never changes; use revise for a new version"
    )


@dataclass(frozen=True)
class NonDisclosure:
    """The request that the issuing authority decide, under Article 11(3) of
    Regulation (EU) 2021/784, that the content provider is not informed: the
    reason in staff's words and the period asked for, in weeks (EU annex only)."""

    reason: str = ""
    weeks: int | None = None
    language: str = ""  # the language staff wrote the reason in (never translated)

    def check(self, kind: str) -> None:
        """Refuse before anything is numbered or rendered, naming the field."""
        check_non_disclosure(kind, self.reason, self.weeks, self.language)


def issue(
    *,
    engine: Engine,
    dossier_id: int,
    actor: str | None,
    attribute: Attribute | None = None,
    on: date | None = None,
    non_disclosure: NonDisclosure | None = None,
) -> DossierRecord:
    """Issue draft `dossier_id` (see the module docstring); returns the issued record."""
    from comity.evidence.store import Store

    non_disclosure = non_disclosure or NonDisclosure()
    with read_session(engine) as session:
        user = require(session=session, actor=actor, action="dossier").name
        record = get_dossier(session=session, dossier_id=dossier_id)
        if record.state != "draft":
            raise _not_draft(record)
        non_disclosure.check(record.kind)
        if record.kind in SEALED_KINDS:
            # Named before anything is numbered: never a half-issued dossier.
            kind = record.kind if record.kind == "letter_of_request" else "note_verbale"
            missing = build.missing_sender_settings(kind)
            if missing:
                raise Refused("settings not set: " + "; ".join(missing))
        urls = {
            e.item_id: session.get_one(Item, e.item_id).url for e in _included(session, dossier_id)
        }
    if not urls:
        raise Refused(f"dossier {dossier_id} has no items: nothing to request")
    on = on or utcnow().date()
    ids = sorted(urls)
    results = (attribute or _default_attribute())([urls[i] for i in ids])
    _refresh(engine, dossier_id, user, dict(zip(ids, results, strict=True)), on)

    with read_session(engine) as session:
        record = get_dossier(session=session, dossier_id=dossier_id)
        entries = _included(session, dossier_id)
        previous = (
            session.get(DossierRecord, record.supersedes_id) if record.supersedes_id else None
        )
        session.expunge_all()  # used after the read transaction ends (rollback would expire them)
    if not entries:
        raise Refused(
            f"dossier {dossier_id} has no items left after re-attribution "
            "(all moved or vanished): nothing to issue"
        )
    snapshots = [e.snapshot for e in entries if e.snapshot is not None]
    # The documents carry the moment of issue (the e-mail's Date header, the
    # X-ARF timestamp); the dossier row records the same moment as issued_at.
    moment = utcnow()
    supersedes = previous.reference if previous else None
    rendered = _render(record, snapshots, on, supersedes, moment, non_disclosure)
    store = Store(get_settings().home)
    stored = [(fmt, lang, store.put_bytes("objects", data)) for fmt, lang, data in rendered]

    with session_scope(engine) as session:
        # Two people may issue the same draft at once: the row lock (PostgreSQL)
        # or the write transaction (SQLite, BEGIN IMMEDIATE) puts the loser here
        # after the winner committed, to be refused by name rather than by the
        # files' unique constraint.
        locked = session.scalars(
            select(DossierRecord).where(DossierRecord.id == dossier_id).with_for_update()
        ).one()
        if locked.state != "draft":
            raise _not_draft(locked)
        current = [(e.id, e.snapshot) for e in _included(session, dossier_id)]
        if current != [(e.id, e.snapshot) for e in entries]:
            raise Refused(f"dossier {dossier_id} changed while it was rendered: issue it again")
        now = moment
        session.execute(
            insert(DossierFile),
            [
                {
                    "dossier_id": dossier_id,
                    "format": fmt,
                    "language": lang,
                    "sha256": f.sha256,
                    "size": f.size,
                    "path": f.path,
                    "created_at": now,
                }
                for fmt, lang, f in stored
            ],
        )
        landed = states.rows_changed(
            session.execute(
                update(DossierRecord)
                .where(DossierRecord.id == dossier_id, DossierRecord.state == "draft")
                .values(state="issued", issued_by=user, issued_at=now, issue_date=on)
                .execution_options(synchronize_session=False)
            )
        )
        if landed != 1:  # unreachable while the lock above holds; kept as the last word
            raise Refused(f"dossier {dossier_id} was issued by someone else meanwhile")
        if previous is not None:
            _supersede(session, previous.id, now)
        for entry in entries:
            item = session.get_one(Item, entry.item_id)
            if item.state == "approved":
                states.transition(
                    session=session,
                    item=item,
                    to="in_dossier",
                    actor=user,
                    reason=f"issued in {record.reference}",
                )
        issued = get_dossier(session=session, dossier_id=dossier_id)
        session.refresh(issued)
        audit.record(
            session=session,
            actor=user,
            action="dossier.issue",
            object_type="dossier",
            object_id=dossier_id,
            state=dossier_state(session=session, record=issued),
            data={
                "reference": issued.reference,
                "items": len(entries),
                "files": {f"{fmt}/{lang}": f.sha256 for fmt, lang, f in stored},
                **(
                    {
                        "non_disclosure": {
                            "reason": non_disclosure.reason,
                            "language": non_disclosure.language,
                            "weeks": non_disclosure.weeks,
                        }
                    }
                    if non_disclosure.reason
                    else {}
                ),
            },
        )
        if previous is not None:
            audit.record(
                session=session,
                actor=user,
                action="dossier.supersede",
                object_type="dossier",
                object_id=previous.id,
                state={"state": "superseded", "superseded_by": dossier_id},
                data={"reference": previous.reference, "superseded_by": issued.reference},
            )
        return issued


def _supersede(session: Session, previous_id: int, now: Any) -> None:
    landed = states.rows_changed(
        session.execute(
            update(DossierRecord)
            .where(DossierRecord.id == previous_id, DossierRecord.state == "issued")
            .values(state="superseded", superseded_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    if landed != 1:
        raise Refused(f"dossier {previous_id} is no longer issued: it cannot be superseded")
