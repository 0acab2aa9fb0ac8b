"""The item page as a case file: proposals and reviews, dossiers, dispatches and
answers, monitor checks, the deadline, and a timeline of everything that happened.

Read-only queries over the domains' own tables (like `comity.web.queries`), so
that the page shows the case rather than the program's data; every list is
bounded, and each table is read once (no query per row), so the page stays fast
with many captures, proposals and dossiers (bench/bench_web.py).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from comity.cases.models import Proposal
from comity.core.audit import AuditEvent
from comity.core.db import utcnow
from comity.dossiers.models import DossierEntry, DossierRecord
from comity.evidence.models import CaptureText, Evidence
from comity.intake.models import Report
from comity.tracking.models import Dispatch, MonitorCheck, TrackedRequest
from comity.tracking.outcome import disputed

__all__ = ["TIMELINE_LIMIT", "case_file", "passage", "raw_json"]

TIMELINE_LIMIT = 300  # newest events shown; the CLI's `item show` has the whole chain
_CHECKS_SHOWN = 20


def raw_json(value: Any) -> str:
    """A section's raw data for the technical-details disclosure (escaped by the template)."""
    return json.dumps(value, indent=1, ensure_ascii=False, default=str)


# Words a report quotes: between quotation marks of any of the usual kinds, 4-300 characters.
_QUOTED = re.compile(r'["«“„‘‚]([^"«»“”„‘’‚]{4,300})["»”“’‘]')
_CONTEXT = 240  # characters of the captured text shown on either side of the passage
_OPENING = 480  # characters shown when no report quotes the text


def passage(text: str, notes: list[str]) -> dict[str, Any]:
    """The part of a capture's text that matters: where it says what a report quotes.

    Reports quote the words they were filed for ("...", «...»); the first quotation
    found in the text (case and spacing aside) is shown with some context around it.
    When none is found, the opening of the text is shown and said to be only that.
    """
    lowered = text.lower()
    for note in notes:
        for quote in _QUOTED.findall(note):
            words = " ".join(quote.split())
            at = lowered.find(words.lower()) if words else -1
            if at < 0:
                continue
            start, end = max(0, at - _CONTEXT), min(len(text), at + len(words) + _CONTEXT)
            # Cut at spaces, not inside a word (unless a word is longer than the context).
            if start and (space := text.find(" ", start, at)) >= 0:
                start = space + 1
            if end < len(text) and (space := text.rfind(" ", at + len(words), end)) >= 0:
                end = space
            return {
                "quoted": True,
                "before": text[start:at],
                "match": text[at : at + len(words)],
                "after": text[at + len(words) : end],
                "cut_before": start > 0,
                "cut_after": end < len(text),
            }
    end = min(len(text), _OPENING)
    if end < len(text) and (space := text.rfind(" ", 0, end)) > 0:
        end = space
    return {
        "quoted": False,
        "before": text[:end],
        "match": "",
        "after": "",
        "cut_before": False,
        "cut_after": end < len(text),
    }


def _captured_text(session: Session, item_id: int) -> dict[str, Any] | None:
    """The newest capture that has a text, with the passage the reports quote."""
    row = session.execute(
        select(Evidence.id, Evidence.captured_at, Evidence.content_path, CaptureText.text)
        .join(CaptureText, CaptureText.evidence_id == Evidence.id)
        .where(Evidence.item_id == item_id)
        .order_by(Evidence.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    notes = [n for n in session.scalars(select(Report.note).where(Report.item_id == item_id)) if n]
    return {
        "evidence_id": row.id,
        "captured_at": row.captured_at,
        "has_source": row.content_path is not None,
        "passage": passage(row.text, notes),
    }


def _proposals(session: Session, item_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            Proposal.id,
            Proposal.host,
            Proposal.role,
            Proposal.channel,
            Proposal.conduct,
            Proposal.state,
            Proposal.dual_criminality,
            Proposal.note,
            Proposal.proposed_by,
            Proposal.proposed_at,
            Proposal.decided_by,
            Proposal.decided_at,
            Proposal.decision_reason,
            Proposal.override_reason,
            Proposal.valid_until,
        )
        .where(Proposal.item_id == item_id)
        .order_by(Proposal.id)
    ).all()
    return [dict(r._mapping) for r in rows]


def _dossiers(session: Session, item_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(DossierRecord, DossierEntry.status)
        .join(DossierEntry, DossierEntry.dossier_id == DossierRecord.id)
        .where(DossierEntry.item_id == item_id)
        .order_by(DossierRecord.id)
    ).all()
    out: dict[int, dict[str, Any]] = {}
    for d, status in rows:
        names = (d.addressee or {}).get("names") or {}
        out.setdefault(
            d.id,
            {
                "id": d.id,
                "reference": d.reference,
                "kind": d.kind,
                "channel": d.channel,
                "host": d.host,
                "state": d.state,
                # {lang: name}: the page picks its language's name, else English's.
                "addressee": {k: v.get("name") for k, v in names.items() if isinstance(v, dict)},
                "addressee_key": d.addressee_key,
                "languages": d.languages,
                "created_by": d.created_by,
                "created_at": d.created_at,
                "issued_at": d.issued_at,
                "entry": status,
            },
        )
    return list(out.values())


def _requests(session: Session, item_id: int, verdict: str | None) -> list[dict[str, Any]]:
    rows = session.execute(
        select(TrackedRequest, Dispatch)
        .join(Dispatch, Dispatch.id == TrackedRequest.dispatch_id)
        .where(TrackedRequest.item_id == item_id)
        .order_by(Dispatch.sent_on, TrackedRequest.id)
    ).all()
    return [
        {
            "reference": d.dossier_ref,
            "channel": d.channel,
            "host": d.host_country,
            "addressee": d.addressee,
            "provider": d.provider,
            "sent_on": d.sent_on,
            "acknowledged_on": d.acknowledged_on,
            "due_at": r.due_at,
            "decision": r.decision,
            "reason": r.reason,
            "decided_on": r.decided_on,
            "answer_ref": r.answer_ref,
            "removed_at": r.removed_at,
            "open": r.decision in (None, "no_reply"),
            "disputed": disputed(r, verdict),
        }
        for r, d in rows
    ]


def _checks(session: Session, item_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(MonitorCheck.checked_at, MonitorCheck.verdict, MonitorCheck.status)
        .where(MonitorCheck.item_id == item_id)
        .order_by(MonitorCheck.checked_at.desc(), MonitorCheck.id.desc())
        .limit(_CHECKS_SHOWN)
    ).all()
    return [dict(r._mapping) for r in rows]


def _timeline(
    session: Session,
    item_id: int,
    *,
    proposals: list[int],
    dossiers: list[dict[str, Any]],
    references: list[str],
) -> list[dict[str, Any]]:
    """Audit events about the item and everything that belongs to it, newest first."""
    evidence = list(session.scalars(select(Evidence.id).where(Evidence.item_id == item_id)))
    reports = list(session.scalars(select(Report.id).where(Report.item_id == item_id)))
    # A dossier's events name it by id (build, issue) or by its reference (dispatch,
    # acknowledgement); a request may have been recorded without a dossier built here.
    dossier_keys = sorted(
        {str(d["id"]) for d in dossiers}
        | {d["reference"] for d in dossiers if d["reference"]}
        | set(references)
    )
    about = [and_(AuditEvent.object_type == "item", AuditEvent.object_id == str(item_id))]
    for kind, ids in (
        ("report", reports),
        ("proposal", proposals),
        ("evidence", evidence),
        ("dossier", dossier_keys),
    ):
        if ids:
            about.append(
                and_(
                    AuditEvent.object_type == kind,
                    AuditEvent.object_id.in_([str(i) for i in ids]),
                )
            )
    rows = session.execute(
        select(
            AuditEvent.seq,
            AuditEvent.at,
            AuditEvent.actor,
            AuditEvent.action,
            AuditEvent.object_type,
            AuditEvent.object_id,
            AuditEvent.data,
            AuditEvent.hash,
        )
        .where(or_(*about))
        .order_by(AuditEvent.seq.desc())
        .limit(TIMELINE_LIMIT)
    ).all()
    return [dict(r._mapping) | {"data": r.data or {}} for r in rows]


def _deadline(requests: list[dict[str, Any]]) -> datetime | None:
    """The nearest time limit of a request still waiting for its answer."""
    due = [r["due_at"] for r in requests if r["open"] and r["due_at"] is not None]
    return min(due) if due else None


def case_file(*, session: Session, item_id: int, verdict: str | None) -> dict[str, Any]:
    """Everything the case file shows beyond the item and its sections.

    `verdict` is the monitor's latest verdict (from the monitor section), used to
    mark a host's "removed" that the monitor contradicts.
    """
    proposals = _proposals(session, item_id)
    dossiers = _dossiers(session, item_id)
    requests = _requests(session, item_id, verdict)
    return {
        "now": utcnow(),
        "proposals": proposals,
        "dossiers": dossiers,
        "requests": requests,
        "checks": _checks(session, item_id),
        "captured_text": _captured_text(session, item_id),
        "deadline": _deadline(requests),
        "timeline": _timeline(
            session,
            item_id,
            proposals=[p["id"] for p in proposals],
            dossiers=dossiers,
            references=[r["reference"] for r in requests],
        ),
    }
