"""Pages of the deconfliction hold register: the list with the form that enters a hold,
and one hold with its second approval and its release (issue 17 item 5).

The same service as the command line and the API (comity.holds.service: four eyes,
audit, who asked shown only to `deconflict_identity`); actions that cannot succeed
(approving a hold one entered oneself, approving or releasing a hold that has ended)
are disabled with the reason shown. The API routes (comity.holds.api) are included
here so that the web app's domain discovery picks both up.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from comity.core.db import read_session, session_scope, utcnow
from comity.core.errors import BadInput
from comity.holds import service
from comity.holds.api import router as api_router
from comity.holds.models import HOLD_STATES, SCOPE_KINDS
from comity.web.deps import Actor, need
from comity.web.flash import redirect_done
from comity.web.formerrors import FieldError, field_error, required
from comity.web.limits import Id, parse_day
from comity.web.render import NavEntry, language, page, register_nav

__all__ = ["router"]

router = APIRouter()
pages = APIRouter(include_in_schema=False)
Read = Annotated[Actor, Depends(need("read"))]
Deconflict = Annotated[Actor, Depends(need("deconflict"))]
Short = Annotated[str, Form(max_length=500)]

register_nav(NavEntry("/holds", "nav.holds", "read"))

# Form field -> the label it is named by in errors.
_LABELS = {
    "scope_kind": "holds.scope_kind",
    "scope": "holds.scope_value",
    "scope_value": "holds.scope_value",
    "agency": "holds.agency",
    "contact": "holds.contact_field",
    "legal_basis": "holds.legal_basis",
    "reason": "holds.reason",
    "until": "holds.until",
}
_REQUIRED = ("scope_value", "agency", "legal_basis", "reason", "until")


def _list_page(
    request: Request,
    actor: Actor,
    *,
    state: str | None,
    form: dict[str, str],
    errors: list[FieldError],
    status: int = 200,
) -> HTMLResponse:
    with read_session(request.app.state.engine) as session:
        rows = service.list_holds(session=session, actor=actor.name, state=state, limit=200)
    return page(
        request,
        "holds.html",
        status=status,
        active="nav.holds",
        holds=rows,
        state=state,
        states=HOLD_STATES,
        kinds=SCOPE_KINDS,
        form=form,
        errors=errors,
        invalid={e.field for e in errors},
        today=utcnow().date().isoformat(),
    )


@pages.get("/holds")
def holds(request: Request, actor: Read, state: str | None = None) -> HTMLResponse:
    if state is not None and state not in HOLD_STATES:
        raise BadInput(f"state: valid states are {', '.join(HOLD_STATES)}", field="state")
    return _list_page(request, actor, state=state, form={"scope_kind": "url"}, errors=[])


@pages.post("/holds")
def enter(
    request: Request,
    actor: Deconflict,
    scope_kind: Annotated[str, Form(max_length=16)] = "url",
    scope_value: Annotated[str, Form(max_length=4_000)] = "",
    agency: Short = "",
    contact: Short = "",
    legal_basis: Annotated[str, Form(max_length=2_000)] = "",
    reason: Annotated[str, Form(max_length=10_000)] = "",
    until: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    form = {
        "scope_kind": scope_kind,
        "scope_value": scope_value,
        "agency": agency,
        "contact": contact,
        "legal_basis": legal_basis,
        "reason": reason,
        "until": until,
    }
    lang = language(request)
    errors = [required(lang, name, _LABELS) for name in _REQUIRED if not form[name].strip()]
    if not errors:
        try:
            with session_scope(request.app.state.engine) as session:
                hold = service.add_hold(
                    session=session,
                    actor=actor.name,
                    scope_kind=scope_kind,
                    scope_value=scope_value,
                    agency=agency,
                    contact=contact or None,
                    legal_basis=legal_basis,
                    reason=reason,
                    until=parse_day(until, "until"),
                )
                hold_id = hold.id
        except BadInput as exc:
            error = field_error(lang, exc, _LABELS)
            # The service names the scope "scope"; the form's field is scope_value.
            errors = [replace(error, field="scope_value") if error.field == "scope" else error]
    if errors:
        return _list_page(request, actor, state=None, form=form, errors=errors, status=400)
    return redirect_done(request, f"/holds/{hold_id}", "done.hold_entered", id=hold_id)


def _approval_blocked(data: dict[str, Any], actor: str, today: str) -> str | None:
    """Why a second approval cannot succeed now (shown beside the disabled button)."""
    if data["state"] != "pending":
        return "not_pending"
    if data["until"] < today:
        return "ran_out"
    if data["entered_by"] == actor:
        return "own"  # four eyes
    return None


def _hold_page(
    request: Request,
    actor: Actor,
    hold_id: int,
    *,
    errors: list[FieldError] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with read_session(request.app.state.engine) as session:
        data = service.show_hold(session=session, actor=actor.name, hold_id=hold_id)
    today = utcnow().date().isoformat()
    return page(
        request,
        "hold.html",
        status=status,
        active="nav.holds",
        h=data,
        approve_blocked=_approval_blocked(data, actor.name, today),
        releasable=data["state"] in ("pending", "active"),
        errors=errors or [],
        invalid={e.field for e in errors or []},
        form=form or {},
    )


@pages.get("/holds/{hold_id}")
def hold(request: Request, hold_id: Id, actor: Read) -> HTMLResponse:
    return _hold_page(request, actor, hold_id)


@pages.post("/holds/{hold_id}/approve")
def approve(request: Request, hold_id: Id, actor: Deconflict) -> Response:
    with session_scope(request.app.state.engine) as session:
        service.approve_hold(session=session, actor=actor.name, hold_id=hold_id)
    return redirect_done(request, f"/holds/{hold_id}", "done.hold_approved", id=hold_id)


@pages.post("/holds/{hold_id}/release")
def release(
    request: Request,
    hold_id: Id,
    actor: Deconflict,
    reason: Annotated[str, Form(max_length=2_000)] = "",
) -> Response:
    if not reason.strip():
        errors = [required(language(request), "reason", _LABELS)]
        return _hold_page(request, actor, hold_id, errors=errors, form={}, status=400)
    with session_scope(request.app.state.engine) as session:
        service.release_hold(session=session, actor=actor.name, hold_id=hold_id, reason=reason)
    return redirect_done(request, f"/holds/{hold_id}", "done.hold_released", id=hold_id)


router.include_router(pages)
router.include_router(api_router)
