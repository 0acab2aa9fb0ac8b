"""Pages: the complaints list (with the form that records one) and one complaint, from
receipt to outcome: review, decision with reasons, the notice to the addressee.

The API routes (comity.complaints.api) are included here so that the web app's
domain discovery picks both up.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from comity.complaints import service
from comity.complaints.api import router as api_router
from comity.core.db import read_session, session_scope, utcnow
from comity.web.deps import Actor, need
from comity.web.limits import FormId, Id, parse_day
from comity.web.render import NavEntry, page, register_nav

__all__ = ["router"]

router = APIRouter()
pages = APIRouter(include_in_schema=False)
Read = Annotated[Actor, Depends(need("read"))]
Track = Annotated[Actor, Depends(need("track"))]
Review = Annotated[Actor, Depends(need("review"))]
Text = Annotated[str, Form(max_length=10_000)]
Short = Annotated[str, Form(max_length=500)]

register_nav(NavEntry("/complaints", "nav.complaints", "read"))


def _today() -> str:
    return utcnow().date().isoformat()


@pages.get("/complaints")
def complaints(request: Request, actor: Read, item: int | None = None) -> HTMLResponse:
    with read_session(request.app.state.engine) as session:
        rows = service.list_complaints(session=session)
    return page(
        request,
        "complaints.html",
        active="nav.complaints",
        complaints=rows,
        roles=service.ROLES,
        routes=service.ROUTES,
        today=_today(),
        item=item,
    )


@pages.post("/complaints")
def receive(
    request: Request,
    actor: Track,
    item_id: FormId,
    complainant: Short,
    complainant_role: Annotated[str, Form(max_length=24)],
    route: Annotated[str, Form(max_length=24)],
    grounds: Text,
    received_on: Annotated[str, Form(max_length=10)] = "",
    dossier: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    with session_scope(request.app.state.engine) as session:
        c = service.receive(
            session=session,
            actor=actor.name,
            item_id=item_id,
            complainant_role=complainant_role,
            complainant=complainant,
            route=route,
            received_on=parse_day(received_on or _today(), "received_on"),
            grounds=grounds,
            ref=dossier.strip() or None,
        )
        session.flush()
        cid = c.id
    return RedirectResponse(f"/complaints/{cid}?done=received", status_code=303)


@pages.get("/complaints/{complaint_id}")
def complaint(
    request: Request, complaint_id: Id, actor: Read, done: str | None = None
) -> HTMLResponse:
    with read_session(request.app.state.engine) as session:
        c = service.get_complaint(session=session, complaint_id=complaint_id)
        data = service.complaint_dict(session, c)
    return page(
        request,
        "complaint.html",
        active="nav.complaints",
        c=data,
        done=done if done in ("received", "review", "upheld", "rejected", "told") else None,
        today=_today(),
    )


@pages.post("/complaints/{complaint_id}/review")
def review(request: Request, complaint_id: Id, actor: Review) -> Response:
    with session_scope(request.app.state.engine) as session:
        service.start_review(session=session, actor=actor.name, complaint_id=complaint_id)
    return RedirectResponse(f"/complaints/{complaint_id}?done=review", status_code=303)


@pages.post("/complaints/{complaint_id}/decision")
def decide(
    request: Request,
    complaint_id: Id,
    actor: Review,
    outcome: Annotated[str, Form(max_length=16)],
    reason: Text,
) -> Response:
    with session_scope(request.app.state.engine) as session:
        service.decide(
            session=session,
            actor=actor.name,
            complaint_id=complaint_id,
            outcome=outcome,
            reason=reason,
        )
    return RedirectResponse(f"/complaints/{complaint_id}?done={outcome}", status_code=303)


@pages.post("/complaints/{complaint_id}/told")
def told(
    request: Request,
    complaint_id: Id,
    actor: Track,
    on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    with session_scope(request.app.state.engine) as session:
        service.tell_addressee(
            session=session,
            actor=actor.name,
            complaint_id=complaint_id,
            on=parse_day(on or _today(), "on"),
        )
    return RedirectResponse(f"/complaints/{complaint_id}?done=told", status_code=303)


router.include_router(pages)
router.include_router(api_router)
