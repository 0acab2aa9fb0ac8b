"""REST API v1: complaints, notice to the content provider, legal holds, retention.

Same conventions as comity.web.api_job: each route calls the service the
page and the command line call, under the same permission; the service
writes the audit event; bodies refuse unknown fields by name.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ConfigDict, Field

from comity.complaints import notices, retention, service
from comity.core.db import read_session, session_scope
from comity.web.deps import Actor, need
from comity.web.limits import Id

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["v1: after the request"])
Read = Annotated[Actor, Depends(need("read"))]
Track = Annotated[Actor, Depends(need("track"))]
Review = Annotated[Actor, Depends(need("review"))]
Retain = Annotated[Actor, Depends(need("retention"))]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ComplaintBody(Body):
    complainant: str = Field(min_length=1, max_length=500)
    complainant_role: str = Field(max_length=24)
    route: str = Field(max_length=24)
    grounds: str = Field(min_length=1, max_length=10_000)
    received_on: date | None = None
    dossier: str | None = Field(default=None, max_length=64)


class DecisionBody(Body):
    outcome: Literal["upheld", "rejected"]
    reason: str = Field(min_length=1, max_length=10_000)
    on: date | None = None


class DayBody(Body):
    on: date | None = None


class InformedBody(Body):
    on: date
    by: Literal["host", "centre"]
    dossier: str | None = Field(default=None, max_length=64)


class NonDisclosureBody(Body):
    reason: str = Field(min_length=1, max_length=10_000)
    until: date
    dossier: str | None = Field(default=None, max_length=64)


class ReinstatedBody(Body):
    dossier: str = Field(min_length=1, max_length=64)
    on: date
    answer_ref: str | None = Field(default=None, max_length=128)


class HoldBody(Body):
    reason: str = Field(min_length=1, max_length=2_000)
    item_id: int | None = Field(default=None, ge=1)
    kind: str | None = Field(default=None, max_length=16)
    min_days: int | None = Field(default=None, ge=1, le=36_500)
    until: date | None = None


class ReleaseBody(Body):
    reason: str = Field(min_length=1, max_length=2_000)


class RunBody(Body):
    dry_run: bool = True


def _one(request: Request, complaint_id: int) -> Any:
    with read_session(request.app.state.engine) as s:
        c = service.get_complaint(session=s, complaint_id=complaint_id)
        return jsonable_encoder(service.complaint_dict(s, c))


@router.post("/items/{item_id}/complaints", status_code=201, summary="Record a complaint")
def receive(request: Request, item_id: Id, actor: Track, body: ComplaintBody) -> Any:
    with session_scope(request.app.state.engine) as s:
        c = service.receive(
            session=s,
            actor=actor.name,
            item_id=item_id,
            complainant_role=body.complainant_role,
            complainant=body.complainant,
            route=body.route,
            received_on=body.received_on or date.today(),
            grounds=body.grounds,
            ref=body.dossier,
        )
        s.flush()
        cid = c.id
    return _one(request, cid)


@router.get("/complaints", summary="Complaints, oldest first, with the next step due")
def complaints(request: Request, actor: Read, state: str | None = None) -> Any:
    with read_session(request.app.state.engine) as s:
        return jsonable_encoder({"complaints": service.list_complaints(session=s, state=state)})


@router.get("/complaints/{complaint_id}", summary="One complaint")
def complaint(request: Request, complaint_id: Id, actor: Read) -> Any:
    return _one(request, complaint_id)


@router.post("/complaints/{complaint_id}/review", summary="Take for review (not the approver)")
def review(request: Request, complaint_id: Id, actor: Review) -> Any:
    with session_scope(request.app.state.engine) as s:
        service.start_review(session=s, actor=actor.name, complaint_id=complaint_id)
    return _one(request, complaint_id)


@router.post("/complaints/{complaint_id}/decision", summary="Uphold or reject, with reasons")
def decide(request: Request, complaint_id: Id, actor: Review, body: DecisionBody) -> Any:
    with session_scope(request.app.state.engine) as s:
        service.decide(
            session=s,
            actor=actor.name,
            complaint_id=complaint_id,
            outcome=body.outcome,
            reason=body.reason,
            on=body.on,
        )
    return _one(request, complaint_id)


@router.post("/complaints/{complaint_id}/addressee-told", summary="The withdrawal notice left")
def told(request: Request, complaint_id: Id, actor: Track, body: DayBody | None = None) -> Any:
    with session_scope(request.app.state.engine) as s:
        service.tell_addressee(
            session=s, actor=actor.name, complaint_id=complaint_id, on=body.on if body else None
        )
    return _one(request, complaint_id)


@router.get("/provider-notices", summary="Requests acted on: was the content provider informed")
def provider_notices(request: Request, actor: Read) -> Any:
    with read_session(request.app.state.engine) as s:
        return jsonable_encoder({"requests": notices.notice_status(session=s)})


@router.post("/items/{item_id}/provider-notices/informed", status_code=201, summary="Informed")
def informed(request: Request, item_id: Id, actor: Track, body: InformedBody) -> Any:
    with session_scope(request.app.state.engine) as s:
        n = notices.record_informed(
            session=s, actor=actor.name, item_id=item_id, on=body.on, by=body.by, ref=body.dossier
        )
        return {"id": n.id, "kind": n.kind, "informed_on": body.on.isoformat(), "by": body.by}


@router.post(
    "/items/{item_id}/provider-notices/non-disclosure", status_code=201, summary="Art. 11(3)"
)
def non_disclosure(request: Request, item_id: Id, actor: Track, body: NonDisclosureBody) -> Any:
    with session_scope(request.app.state.engine) as s:
        n = notices.record_non_disclosure(
            session=s,
            actor=actor.name,
            item_id=item_id,
            reason=body.reason,
            until=body.until,
            ref=body.dossier,
        )
        return {"id": n.id, "kind": n.kind, "until": body.until.isoformat()}


@router.post(
    "/items/{item_id}/reinstatement-notice", status_code=201, summary="The host reinstated it"
)
def reinstatement(request: Request, item_id: Id, actor: Track, body: ReinstatedBody) -> Any:
    from comity.tracking.reinstatement import record_reinstatement

    with session_scope(request.app.state.engine) as s:
        record_reinstatement(
            session=s,
            actor=actor.name,
            ref=body.dossier,
            item_id=item_id,
            on=body.on,
            answer_ref=body.answer_ref,
        )
    return {"item_id": item_id, "dossier": body.dossier, "reinstated_on": body.on.isoformat()}


@router.post("/legal-holds", status_code=201, summary="Place a legal hold")
def hold(request: Request, actor: Retain, body: HoldBody) -> Any:
    with session_scope(request.app.state.engine) as s:
        h = retention.place_hold(session=s, actor=actor.name, **body.model_dump())
        return {"id": h.id, "item_id": h.item_id, "kind": h.kind, "min_days": h.min_days}


@router.post("/legal-holds/{hold_id}/release", summary="Release a legal hold")
def release(request: Request, hold_id: Id, actor: Retain, body: ReleaseBody) -> Any:
    with session_scope(request.app.state.engine) as s:
        retention.release_hold(session=s, actor=actor.name, hold_id=hold_id, reason=body.reason)
    return {"id": hold_id, "released": True}


@router.post("/retention/run", summary="Run retention (dry run unless dry_run is false)")
def run(request: Request, actor: Retain, body: RunBody | None = None) -> Any:
    return jsonable_encoder(
        retention.run(
            engine=request.app.state.engine,
            actor=actor.name,
            dry_run=body.dry_run if body else True,
            settings=request.app.state.settings,
        )
    )
