"""The dossier builder: build drafts by channel or host, issue, list, show, download.

Downloads go through `export_file`, which re-hashes the stored file and refuses
one that no longer matches its recorded SHA-256.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from comity.core.db import read_session, session_scope
from comity.core.errors import BadInput
from comity.dossiers import service
from comity.dossiers.issue import NonDisclosure, issue
from comity.dossiers.models import DOSSIER_STATES
from comity.dossiers.render._data import texts
from comity.dossiers.schemas import LANGUAGES
from comity.web.deps import Actor, need
from comity.web.flash import redirect_done
from comity.web.limits import Id
from comity.web.render import NavEntry, language, page, register_nav

__all__ = ["BUILD_CHANNELS", "MEDIA_TYPES", "file_response", "router"]

router = APIRouter(include_in_schema=False)
Read = Annotated[Actor, Depends(need("read"))]
Dossier = Annotated[Actor, Depends(need("dossier"))]

BUILD_CHANNELS = (
    "diplomatic_request",
    "mla_request",
    "eu_removal_order_request",
    "provider_referral",
    "eu_coordinator",
)
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "eml": "application/octet-stream",
    "xarf": "application/json",
    "sheet": "text/plain; charset=utf-8",
}
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")

register_nav(NavEntry("/dossiers", "nav.dossiers", "read"))


def _list_page(
    request: Request,
    *,
    state: str = "",
    built: dict[str, Any] | None = None,
    status: int = 200,
    message: str | None = None,
) -> HTMLResponse:
    if state and state not in DOSSIER_STATES:
        raise BadInput(f"state: valid values are {', '.join(DOSSIER_STATES)}", field="state")
    with read_session(request.app.state.engine) as session:
        rows = [
            service.dossier_state(session=session, record=r)
            for r in service.list_dossiers(session=session, state=state or None)
        ]
    rows.reverse()  # newest first: the one just built or issued is at the top
    return page(
        request,
        "dossiers.html",
        status=status,
        active="nav.dossiers",
        rows=rows,
        state=state,
        states=DOSSIER_STATES,
        channels=BUILD_CHANNELS,
        built=built,
        message=message,
        message_kind="ok" if message else None,
    )


@router.get("/dossiers")
def dossiers(request: Request, actor: Read, state: str = "") -> HTMLResponse:
    return _list_page(request, state=state)


@router.post("/dossiers/build")
def build(
    request: Request,
    actor: Dossier,
    channel: Annotated[str, Form(max_length=40)] = "",
    host: Annotated[str, Form(max_length=2)] = "",
) -> HTMLResponse:
    with session_scope(request.app.state.engine) as session:
        result = service.build_drafts(
            session=session,
            actor=actor.name,
            channel=channel or None,
            host=host.strip().upper() or None,
        )
        built = {
            "created": [service.dossier_state(session=session, record=r) for r in result.created],
            "refused": result.refused,
        }
    return _list_page(request, built=built)


@router.get("/dossiers/{dossier_id}")
def show(request: Request, dossier_id: Id, actor: Read) -> HTMLResponse:
    with read_session(request.app.state.engine) as session:
        record = service.get_dossier(session=session, dossier_id=dossier_id)
        state = service.dossier_state(session=session, record=record)
        # A portal referral: the platform's form as the directory read it, frozen at build.
        portal = record.addressee.get("portal") if record.kind == "portal_referral" else None
    # Stored files name their format by suffix ("xarf.json"); links use the export key ("xarf").
    keys = {suffix: key for key, suffix in service.EXPORT_FORMATS.items()}
    # The languages staff may write the Article 11(3) reason in, named in the page's language.
    names = texts(language(request))["language_names"]
    written = [(code, names[code]) for code in LANGUAGES]
    return page(
        request,
        "dossier.html",
        active="nav.dossiers",
        d=state,
        format_keys=keys,
        staff_languages=written,
        portal=portal,
    )


_WEEKS = "non_disclosure_weeks"


def _non_disclosure(reason: str, weeks: str, written_in: str) -> NonDisclosure:
    """The Article 11(3) request from the form; an empty field is none."""
    if weeks.strip() and not weeks.strip().isdigit():
        raise BadInput(
            "non_disclosure_weeks: a whole number of weeks", field="non_disclosure_weeks"
        )
    # The language select always has a value: it counts only with a reason.
    language = written_in.strip() if reason.strip() else ""
    return NonDisclosure(reason.strip(), int(weeks) if weeks.strip() else None, language)


@router.post("/dossiers/{dossier_id}/issue")
async def issue_dossier(
    request: Request,
    dossier_id: Id,
    actor: Dossier,
    non_disclosure_reason: Annotated[str, Form(max_length=2000)] = "",
    non_disclosure_weeks: Annotated[str, Form(max_length=4)] = "",
    non_disclosure_language: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    asked = _non_disclosure(non_disclosure_reason, non_disclosure_weeks, non_disclosure_language)
    # Issuing re-attributes every item (DNS) and renders every format: off the event loop.
    await run_in_threadpool(
        lambda: issue(
            engine=request.app.state.engine,
            dossier_id=dossier_id,
            actor=actor.name,
            non_disclosure=asked,
        )
    )
    return redirect_done(request, f"/dossiers/{dossier_id}", "done.issued", dossier=dossier_id)


@router.post("/dossiers/{dossier_id}/preview")
def preview_draft(
    request: Request,
    dossier_id: Id,
    actor: Dossier,
    target: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    from comity.dossiers.preview import preview

    fmt, _, language = target.partition("/")
    if fmt not in MEDIA_TYPES:
        raise BadInput(f"format: valid values are {', '.join(MEDIA_TYPES)}", field="target")
    with session_scope(request.app.state.engine) as session:
        name, data = preview(
            session=session, dossier_id=dossier_id, fmt=fmt, actor=actor.name, language=language
        )
    return file_response(name, data, fmt)


@router.post("/dossiers/{dossier_id}/revise")
def revise(request: Request, dossier_id: Id, actor: Dossier) -> Response:
    with session_scope(request.app.state.engine) as session:
        new_id = service.revise(session=session, dossier_id=dossier_id, actor=actor.name).id
    return redirect_done(request, f"/dossiers/{new_id}", "done.revised", dossier=new_id)


@router.get("/dossiers/{dossier_id}/files/{fmt}/{language}")
def download(request: Request, dossier_id: Id, fmt: str, language: str, actor: Read) -> Response:
    if fmt not in MEDIA_TYPES:
        raise BadInput(f"format: valid values are {', '.join(MEDIA_TYPES)}", field="format")
    with read_session(request.app.state.engine) as session:
        name, data = service.export_file(
            session=session, dossier_id=dossier_id, fmt=fmt, language=language
        )
    return file_response(name, data, fmt)


def file_response(name: str, data: bytes, fmt: str) -> Response:
    safe = _UNSAFE_NAME.sub("_", name)
    return Response(
        data,
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{safe}"',
            "Content-Security-Policy": "sandbox",
            "X-Content-Type-Options": "nosniff",
        },
    )
