"""REST API v1, the rest of parity (issue 20): dossier preview and revision, evidence
files, reports, organisations and designations, users and tokens (admin scope), and
the audit chain.

As in `api_job`, each route runs the page's or the command's own service call under
the same permission, so the audit trail does not depend on the door used. Lists page
with a keyset cursor (`paging`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from comity.core.db import read_session, session_scope
from comity.core.errors import BadInput
from comity.web.deps import Actor, need
from comity.web.etags import if_match, set_etag
from comity.web.limits import Id
from comity.web.paging import Cursor, Limit, decode_cursor, encode_cursor, keyset_page

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["v1: administration and records"])

Read = Annotated[Actor, Depends(need("read"))]
Dossier = Annotated[Actor, Depends(need("dossier"))]
Users = Annotated[Actor, Depends(need("users"))]
Audit = Annotated[Actor, Depends(need("audit"))]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- dossiers: preview a draft, revise an issued one --------------------------------


class PreviewBody(Body):
    format: str = Field(max_length=8, description="pdf, docx, json, csv, eml, xarf or sheet")
    language: str | None = Field(default=None, max_length=8)


@router.post(
    "/dossiers/{dossier_id}/preview",
    summary="Render a draft marked DRAFT (not stored)",
    dependencies=[if_match("dossier", "dossier_id")],
)
def preview(request: Request, dossier_id: Id, actor: Dossier, body: PreviewBody) -> Response:
    from comity.dossiers.preview import preview as render_preview
    from comity.dossiers.views import MEDIA_TYPES, file_response

    if body.format not in MEDIA_TYPES:
        raise BadInput(f"format: valid values are {', '.join(MEDIA_TYPES)}", field="format")
    with session_scope(request.app.state.engine) as session:
        name, data = render_preview(
            session=session,
            dossier_id=dossier_id,
            fmt=body.format,
            actor=actor.name,
            language=body.language or "",
        )
    return file_response(name, data, body.format)


@router.post(
    "/dossiers/{dossier_id}/revise",
    status_code=201,
    summary="A new draft superseding an issue",
    dependencies=[if_match("dossier", "dossier_id")],
)
def revise(request: Request, dossier_id: Id, actor: Dossier) -> Any:
    from comity.dossiers import service

    with session_scope(request.app.state.engine) as session:
        record = service.revise(session=session, dossier_id=dossier_id, actor=actor.name)
        return jsonable_encoder(service.dossier_state(session=session, record=record))


@router.get("/evidence/{evidence_id}/{kind}", summary="A sealed evidence file, re-hashed")
def evidence_file(request: Request, evidence_id: Id, kind: str, actor: Read) -> Response:
    from comity.evidence.views import download as same_as_the_page

    return same_as_the_page(request, evidence_id, kind, actor)


# --- reports ------------------------------------------------------------------------


@router.get("/reports/transparency", summary="The public transparency report (pdf, html, json)")
async def transparency(
    request: Request,
    actor: Read,
    fmt: Annotated[str, Query(alias="format")] = "json",
    start: Annotated[str | None, Query(alias="from", description="YYYY-MM-DD")] = None,
    end: Annotated[str | None, Query(alias="to", description="YYYY-MM-DD")] = None,
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    from comity.web.reportpages import transparency_download

    return await transparency_download(request, actor, fmt, start, end, lang or "en")


_TCO_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


@router.get("/reports/tco", summary="Regulation (EU) 2021/784 Art. 7/8 figures for a year")
def tco(
    request: Request,
    actor: Read,
    year: Annotated[int, Query(ge=2021, le=2999)],
    fmt: Annotated[str, Query(alias="format")] = "json",
    lang: Annotated[str, Query(max_length=8)] = "en",
) -> Response:
    from comity.reports import tco as report

    if fmt not in _TCO_TYPES:
        raise BadInput(f"format: valid values are {', '.join(_TCO_TYPES)}", field="format")
    with read_session(request.app.state.engine) as session:
        body = report.render(session=session, year=year, fmt=fmt, language=lang)
    return Response(
        body, media_type=_TCO_TYPES[fmt], headers={"Content-Security-Policy": "sandbox"}
    )


# --- organisations and designations (the register is data: read only) ---------------


@router.get("/organisations", summary="The organisations register, with where each is listed")
def organisations(
    actor: Read,
    cursor: Cursor = None,
    limit: Limit = 50,
    jurisdiction: Annotated[str | None, Query(max_length=8)] = None,
    search: Annotated[str | None, Query(max_length=200)] = None,
    on: Annotated[date | None, Query(description="listed as of (default today)")] = None,
) -> Any:
    from comity.law.countries import normalise_code
    from comity.law.kb.loader import load_kb
    from comity.law.orgs.show import list_orgs

    code = (jurisdiction or "").strip().upper()
    if code and code != "UN":
        code = normalise_code(code, field="jurisdiction")
    rows = list_orgs(kb=load_kb(), on=on or date.today(), jurisdiction=code or None, search=search)
    after = decode_cursor("organisations", cursor)
    if search:  # best match first: the cursor is the position in that order
        start = int(after[0]) if after else 0
        shown = rows[start : start + limit]
        more = start + limit < len(rows)
        nxt = encode_cursor("organisations", [start + limit]) if more else None
    else:
        rows = sorted(rows, key=lambda r: str(r["id"]))
        if after:
            rows = [r for r in rows if str(r["id"]) > str(after[0])]
        shown, nxt = keyset_page("organisations", rows[: limit + 1], limit, lambda r: [r["id"]])
    return jsonable_encoder({"organisations": shown, "next_cursor": nxt})


@router.get("/organisations/{ident}", summary="One organisation: aliases and designations")
def organisation(ident: str, actor: Read) -> Any:
    from comity.law.kb.loader import load_kb
    from comity.law.orgs.show import show_org

    return jsonable_encoder(show_org(kb=load_kb(), ident=ident[:128]))


@router.get("/law/jurisdictions/{code}/designations", summary="Every designation on its lists")
def designations(code: str, actor: Read) -> Any:
    from comity.law.countries import normalise_code
    from comity.law.kb.loader import load_kb
    from comity.law.orgs.show import designations_in

    wanted = code.strip().upper()
    if wanted not in ("UN", "EU"):
        wanted = normalise_code(wanted, field="code")
    return jsonable_encoder({"designations": designations_in(kb=load_kb(), code=wanted)})


# --- users and tokens ---------------------------------------------------------------


class NewUser(Body):
    name: str = Field(max_length=64)
    role: str = Field(max_length=32)
    password: str | None = Field(default=None, max_length=1024)


class Reason(Body):
    reason: str = Field(min_length=1, max_length=2000)


@router.get("/users", summary="Users and their roles")
def users(request: Request, actor: Users, cursor: Cursor = None, limit: Limit = 50) -> Any:
    from comity.users.models import User
    from comity.users.service import user_state

    after = decode_cursor("users", cursor)
    query = select(User).order_by(User.id).limit(limit + 1)
    if after:
        query = query.where(User.id > int(after[0]))
    with read_session(request.app.state.engine) as session:
        rows, nxt = keyset_page("users", session.scalars(query).all(), limit, lambda u: [u.id])
        return jsonable_encoder({"users": [user_state(u) for u in rows], "next_cursor": nxt})


@router.get("/users/{name}", summary="One user")
def user(request: Request, response: Response, name: str, actor: Users) -> Any:
    from comity.users.service import get_user, user_state

    with read_session(request.app.state.engine) as session:
        set_etag(response, session, "user", name[:64])
        return jsonable_encoder(user_state(get_user(session=session, name=name[:64])))


@router.post("/users", status_code=201, summary="Add a user with a role")
def add_user(request: Request, actor: Users, body: NewUser) -> Any:
    from comity.users.service import add_user as add
    from comity.users.service import user_state

    with session_scope(request.app.state.engine) as session:
        added = add(
            session=session,
            name=body.name,
            role=body.role,
            actor=actor.name,
            password=body.password,
        )
        return jsonable_encoder(user_state(added))


@router.post(
    "/users/{name}/deactivate",
    summary="No log-in, session or token from now on",
    dependencies=[if_match("user", "name")],
)
def deactivate(request: Request, name: str, actor: Users, body: Reason) -> Any:
    from comity.users.lifecycle import deactivate_user

    with session_scope(request.app.state.engine) as session:
        revoked = deactivate_user(
            session=session, name=name[:64], actor=actor.name, reason=body.reason
        )
    return {"name": name, "active": False, "revoked_tokens": revoked}


@router.post(
    "/users/{name}/reset-password",
    summary="A temporary password, shown once",
    dependencies=[if_match("user", "name")],
)
def reset_password(request: Request, name: str, actor: Users) -> Any:
    from comity.users.lifecycle import reset_password as reset

    with session_scope(request.app.state.engine) as session:
        temporary = reset(session=session, name=name[:64], actor=actor.name)
    return {"name": name, "temporary_password": temporary}


@router.post(
    "/users/{name}/end-sessions",
    summary="Log the user out of every browser",
    dependencies=[if_match("user", "name")],
)
def end_sessions(request: Request, name: str, actor: Users) -> Any:
    from comity.users.lifecycle import end_sessions as end

    with session_scope(request.app.state.engine) as session:
        ended = end(session=session, name=name[:64], actor=actor.name)
    return {"name": name, "sessions_ended": ended}


class NewToken(Body):
    name: str = Field(min_length=1, max_length=128)
    scopes: list[str] = Field(default_factory=lambda: ["read"], max_length=8)
    days: int = Field(default=90, ge=1, le=365)


@router.get("/tokens", summary="API tokens (yours; an admin sees everyone's)")
def tokens(request: Request, actor: Read, cursor: Cursor = None, limit: Limit = 50) -> Any:
    from comity.web.tokens import list_tokens

    after = decode_cursor("tokens", cursor)
    with read_session(request.app.state.engine) as session:
        rows = list_tokens(session=session, actor=actor.name)
    if after:
        rows = [t for t in rows if t["id"] > int(after[0])]
    shown, nxt = keyset_page("tokens", rows[: limit + 1], limit, lambda t: [t["id"]])
    return jsonable_encoder({"tokens": shown, "next_cursor": nxt})


@router.post("/tokens", status_code=201, summary="Mint a token for yourself (shown once)")
def create_token(request: Request, actor: Read, body: NewToken) -> Any:
    from comity.web.tokens import create_token as mint

    with session_scope(request.app.state.engine) as session:
        issued = mint(
            session=session, actor=actor.name, name=body.name, scopes=body.scopes, days=body.days
        )
    return {"id": issued.id, "token": issued.token, "scopes": body.scopes}


@router.post(
    "/tokens/{token_id}/revoke",
    summary="Revoke a token (its user, or an admin)",
    dependencies=[if_match("token", "token_id")],
)
def revoke(request: Request, token_id: Id, actor: Read, body: Reason) -> Any:
    from comity.web.tokens import revoke_token

    with session_scope(request.app.state.engine) as session:
        row = revoke_token(session=session, token_id=token_id, actor=actor.name, reason=body.reason)
        return jsonable_encoder({"id": row.id, "revoked_at": row.revoked_at})


# --- the audit chain ----------------------------------------------------------------


@router.get("/audit/events", summary="The audit chain, oldest first, filtered")
def audit_events(
    request: Request,
    actor: Audit,
    cursor: Cursor = None,
    limit: Limit = 100,
    action: Annotated[str | None, Query(max_length=64)] = None,
    object_type: Annotated[str | None, Query(max_length=32)] = None,
    object_id: Annotated[str | None, Query(max_length=64)] = None,
    by: Annotated[str | None, Query(max_length=128, description="the actor")] = None,
) -> Any:
    from comity.core.audit import AuditEvent

    after = decode_cursor("audit", cursor)
    query = select(AuditEvent).order_by(AuditEvent.seq).limit(limit + 1)
    if after:
        query = query.where(AuditEvent.seq > int(after[0]))
    for column, value in (
        (AuditEvent.action, action),
        (AuditEvent.object_type, object_type),
        (AuditEvent.object_id, object_id),
        (AuditEvent.actor, by),
    ):
        if value is not None:
            query = query.where(column == value)
    with read_session(request.app.state.engine) as session:
        rows, nxt = keyset_page("audit", session.scalars(query).all(), limit, lambda e: [e.seq])
        events = [
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "data": e.data,
                "state_digest": e.state_digest,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in rows
        ]
    return jsonable_encoder({"events": events, "next_cursor": nxt})


@router.get("/audit/verify", summary="Walk the chain; name the first event that does not hold")
def audit_verify(request: Request, actor: Audit) -> Any:
    from comity.core.audit import verify_chain

    with read_session(request.app.state.engine) as session:
        chain = verify_chain(session)
    return {
        "events": chain.events,
        "ok": chain.ok,
        "first_broken": chain.first_broken,
        "reason": chain.reason,
    }
