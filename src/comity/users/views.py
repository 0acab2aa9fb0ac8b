"""The signed-in user's own settings: for now the time zone their pages show dates in
(issue 16 item 5). The same service as `comity user time-zone` (validation, audit);
POST-redirect-GET with a confirmation, errors in the page's language naming the field."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from comity.core.db import session_scope, utcnow
from comity.core.errors import BadInput
from comity.users import service
from comity.users.zones import canonical_zone, offset_label, pickable_zones
from comity.web.deps import Actor, need
from comity.web.flash import redirect_done
from comity.web.formerrors import FieldError, field_error
from comity.web.render import language, page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Read = Annotated[Actor, Depends(need("read"))]
_LABELS = {"time_zone": "account.time_zone"}


def _options(chosen: str) -> list[tuple[str, str]]:
    """(value, label) of every zone offered, with its offset now; `chosen` kept even when
    it is not offered (a legacy name set on the command line, or a refused value)."""
    now = utcnow()
    zones = list(pickable_zones())
    if chosen and chosen not in zones:
        zones.insert(0, chosen)
    return [
        (zone, f"{zone.replace('_', ' ')} ({offset_label(zone, now)})")
        if canonical_zone(zone)
        else (zone, zone)
        for zone in zones
    ]


def _account_page(
    request: Request,
    actor: Actor,
    *,
    chosen: str,
    errors: list[FieldError] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "account.html",
        status=status,
        active="nav.account",
        chosen=chosen,
        zones=_options(chosen),
        installation_zone=request.app.state.settings.time_zone,
        now=utcnow(),
        errors=errors or [],
        invalid={e.field for e in errors or []},
    )


@router.get("/account")
def account(request: Request, actor: Read) -> HTMLResponse:
    return _account_page(request, actor, chosen=actor.time_zone or "")


@router.post("/account/time-zone")
def set_time_zone(
    request: Request, actor: Read, time_zone: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    try:
        with session_scope(request.app.state.engine) as session:
            stored = service.set_time_zone(
                session=session, name=actor.name, time_zone=time_zone or None, actor=actor.name
            )
    except BadInput as exc:
        errors = [field_error(language(request), exc, _LABELS)]
        return _account_page(request, actor, chosen=time_zone, errors=errors, status=400)
    if stored is None:
        zone = request.app.state.settings.time_zone
        return redirect_done(request, "/account", "done.time_zone_default", zone=zone)
    return redirect_done(request, "/account", "done.time_zone", zone=stored)
