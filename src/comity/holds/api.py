"""REST API v1: the deconfliction hold register (/api/v1/holds); the pages are in views.

Same conventions as comity.web.api_admin: each route calls the service the
command line calls, under the same permission; the service writes the audit
event; bodies refuse unknown fields by name; writes take `If-Match` (ETags)
and `Idempotency-Key` (the app's middleware); the list pages with a cursor.
Not to be confused with the retention *legal holds* (`/api/v1/legal-holds`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ConfigDict, Field

from comity.core.db import read_session, session_scope
from comity.holds import service
from comity.web.deps import Actor, need
from comity.web.etags import if_match, register_version, set_etag
from comity.web.limits import Id
from comity.web.paging import Cursor, Limit, decode_cursor, keyset_page

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["v1: deconfliction holds"])
Read = Annotated[Actor, Depends(need("read"))]
Deconflict = Annotated[Actor, Depends(need("deconflict"))]
KIND = "deconfliction_hold"


def _version(session: Any, key: str) -> Any:
    hold = service.get_hold(session=session, hold_id=int(key))
    return [hold.id, hold.state, str(hold.until), hold.approved_by, hold.ended_by]


register_version(KIND, _version)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewHold(Body):
    scope_kind: Literal["sha256", "pdq", "url", "url_prefix", "domain", "org"] = Field(
        description="content (sha256, pdq), url, url_prefix (an account), domain or org"
    )
    scope_value: str = Field(min_length=1, max_length=4_000)
    agency: str = Field(min_length=1, max_length=500, description="who asked (need-to-know)")
    contact: str | None = Field(default=None, max_length=500)
    legal_basis: str = Field(min_length=1, max_length=2_000)
    reason: str = Field(min_length=1, max_length=10_000)
    until: date


class ReleaseBody(Body):
    reason: str = Field(min_length=1, max_length=2_000)


def _one(request: Request, response: Response, actor: str, hold_id: int) -> Any:
    with read_session(request.app.state.engine) as s:
        set_etag(response, s, KIND, hold_id)
        return jsonable_encoder(service.show_hold(session=s, actor=actor, hold_id=hold_id))


@router.post("/holds", status_code=201, summary="Enter a deconfliction hold (pending)")
def add_hold(request: Request, response: Response, actor: Deconflict, body: NewHold) -> Any:
    with session_scope(request.app.state.engine) as s:
        hold = service.add_hold(session=s, actor=actor.name, **body.model_dump())
        hold_id = hold.id
    return _one(request, response, actor.name, hold_id)


@router.get("/holds", summary="Deconfliction holds, newest first")
def list_holds(
    request: Request,
    actor: Read,
    state: Literal["pending", "active", "released", "expired"] | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Any:
    after = decode_cursor("holds", cursor)
    with read_session(request.app.state.engine) as s:
        rows = service.list_holds(
            session=s,
            actor=actor.name,
            state=state,
            before=int(after[0]) if after else None,
            limit=limit + 1,
        )
    shown, nxt = keyset_page("holds", rows, limit, lambda r: [r["id"]])
    return jsonable_encoder({"holds": shown, "next_cursor": nxt})


@router.get("/holds/{hold_id}", summary="One deconfliction hold")
def show_hold(request: Request, response: Response, hold_id: Id, actor: Read) -> Any:
    return _one(request, response, actor.name, hold_id)


@router.post(
    "/holds/{hold_id}/approve",
    summary="Approve a deconfliction hold (not by who entered it)",
    dependencies=[if_match(KIND, "hold_id")],
)
def approve_hold(request: Request, response: Response, hold_id: Id, actor: Deconflict) -> Any:
    with session_scope(request.app.state.engine) as s:
        service.approve_hold(session=s, actor=actor.name, hold_id=hold_id)
    return _one(request, response, actor.name, hold_id)


@router.post(
    "/holds/{hold_id}/release",
    summary="End a deconfliction hold early, with a reason",
    dependencies=[if_match(KIND, "hold_id")],
)
def release_hold(
    request: Request, response: Response, hold_id: Id, actor: Deconflict, body: ReleaseBody
) -> Any:
    with session_scope(request.app.state.engine) as s:
        service.release_hold(session=s, actor=actor.name, hold_id=hold_id, reason=body.reason)
    return _one(request, response, actor.name, hold_id)
