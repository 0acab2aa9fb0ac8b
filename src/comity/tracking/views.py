"""The tracking board: dispatches, each item's decision, overdue requests first, monitor verdicts.

Forms record a dispatch (from an issued dossier), an acknowledgement and the
host's answer per item; a button runs the removal monitor on the tracked items.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from comity.core.db import read_session, session_scope, utcnow
from comity.dossiers.models import DossierRecord
from comity.intake.models import Item
from comity.tracking import service
from comity.tracking.models import Dispatch, TrackedRequest
from comity.tracking.monitor import monitor_items, monitor_section
from comity.web.deps import Actor, need
from comity.web.flash import redirect_done
from comity.web.limits import FormId, parse_day
from comity.web.render import NavEntry, page, register_nav

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Read = Annotated[Actor, Depends(need("read"))]
Track = Annotated[Actor, Depends(need("track"))]
Monitor = Annotated[Actor, Depends(need("monitor"))]

register_nav(NavEntry("/tracking", "nav.tracking", "read"))


def _day(value: str, field: str) -> date:
    if not value.strip():
        return utcnow().date()
    return parse_day(value, field)


def _ready(session: Session) -> list[DossierRecord]:
    """Issued dossiers with no recorded dispatch yet."""
    sent = select(Dispatch.dossier_ref)
    return list(
        session.scalars(
            select(DossierRecord)
            .where(DossierRecord.state == "issued", DossierRecord.reference.not_in(sent))
            .order_by(DossierRecord.id)
        )
    )


def _board(session: Session) -> dict[str, Any]:
    dispatches = []
    newest_first = select(Dispatch).order_by(Dispatch.sent_on.desc(), Dispatch.id.desc())
    for d in session.scalars(newest_first):
        data = service.dispatch_dict(session, d)
        for entry in data["items"]:
            item = session.get(Item, entry["item_id"])
            entry["state"] = item.state if item else None
            entry["monitor"] = monitor_section(session, item) if item else None
        data["open"] = sum(1 for e in data["items"] if e["decision"] is None)
        dispatches.append(data)
    return {
        "overdue": service.overdue(session=session),
        "ready": [
            {
                "id": r.id,
                "reference": r.reference,
                "kind": r.kind,
                "channel": r.channel,
                "host": r.host,
                "addressee": r.addressee_key,
            }
            for r in _ready(session)
        ],
        "dispatches": dispatches,
        "decisions": service.DECISIONS,
        "reasons": service.REASONS,
        "today": utcnow().date().isoformat(),
    }


@router.get("/tracking")
def board(request: Request, actor: Read) -> HTMLResponse:
    with read_session(request.app.state.engine) as session:
        data = _board(session)
    return page(request, "tracking.html", active="nav.tracking", **data)


@router.post("/tracking/dispatch")
def dispatch(
    request: Request,
    actor: Track,
    dossier: FormId,
    sent_on: Annotated[str, Form(max_length=10)] = "",
    note_number: Annotated[str, Form(max_length=128)] = "",
    channel_reference: Annotated[str, Form(max_length=128)] = "",
    ticket_number: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    from comity.tracking.issued import dispatch_issued

    with session_scope(request.app.state.engine) as session:
        dispatch_issued(
            session=session,
            actor=actor.name,
            dossier_id=dossier,
            sent_on=_day(sent_on, "sent_on"),
            note_number=note_number.strip() or None,
            channel_reference=channel_reference.strip() or None,
            ticket_number=ticket_number.strip() or None,
        )
    return redirect_done(request, "/tracking", "done.dispatched", dossier=dossier)


@router.post("/tracking/acknowledge")
def acknowledge(
    request: Request,
    actor: Track,
    ref: Annotated[str, Form(max_length=64)],
    on: Annotated[str, Form(max_length=10)] = "",
    reference: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    with session_scope(request.app.state.engine) as session:
        service.acknowledge(
            session=session,
            actor=actor.name,
            ref=ref,
            on=_day(on, "on"),
            reference=reference.strip() or None,
        )
    return redirect_done(request, "/tracking", "done.acknowledged", ref=ref)


@router.post("/tracking/answer")
def answer(
    request: Request,
    actor: Track,
    ref: Annotated[str, Form(max_length=64)],
    item_id: FormId,
    decision: Annotated[str, Form(max_length=16)],
    reason: Annotated[str, Form(max_length=40)] = "",
    countries: Annotated[str, Form(max_length=256)] = "",
    on: Annotated[str, Form(max_length=10)] = "",
    answer_ref: Annotated[str, Form(max_length=128)] = "",
    note: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    codes = tuple(c.strip().upper() for c in countries.replace(";", ",").split(",") if c.strip())
    with session_scope(request.app.state.engine) as session:
        service.record_answer(
            session=session,
            actor=actor.name,
            ref=ref,
            item_id=item_id,
            decision=decision,
            reason=reason or None,
            countries=codes,
            on=_day(on, "on"),
            answer_ref=answer_ref.strip() or None,
            note=note.strip() or None,
        )
    return redirect_done(request, "/tracking", "done.answered", ref=ref, item=item_id)


@router.post("/tracking/monitor")
async def monitor(request: Request, actor: Monitor) -> Response:
    from comity.tracking.runtime import hooks_from_settings

    engine, settings = request.app.state.engine, request.app.state.settings

    def run() -> None:
        with read_session(engine) as session:
            ids = sorted(set(session.scalars(select(TrackedRequest.item_id))))
        if ids:
            hooks = hooks_from_settings(settings, engine=engine, actor=actor.name)
            monitor_items(engine=engine, actor=actor.name, hooks=hooks, item_ids=ids)

    # Probing the hosts is network I/O: in the thread pool, off the event loop.
    await run_in_threadpool(run)
    return redirect_done(request, "/tracking", "done.monitored")
