"""Server-rendered pages: each view parses input, calls a service, renders a template."""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from comity.cases.priority import PRIORITIES
from comity.cases.states import STATES
from comity.core.db import read_session, session_scope
from comity.core.errors import BadInput, ComityError
from comity.intake import service as intake
from comity.intake.conducts import conduct_codes
from comity.law.kb.loader import load_kb
from comity.web import auth, lawviews
from comity.web.casefile import case_file, raw_json
from comity.web.deps import Actor, cookie_name, cookie_secure, need, session_cookie
from comity.web.flash import redirect_done
from comity.web.formerrors import field_error, required
from comity.web.i18n import LANGUAGES, translator
from comity.web.limits import MAX_PAGE, Id
from comity.web.paging import encode_cursor
from comity.web.params import filters_from, import_upload, int_param, safe_next
from comity.web.queries import item_detail
from comity.web.render import LANG_COOKIE, dates, language, page, query_string
from comity.web.sections import item_sections
from comity.web.worklist import (
    ItemPage,
    cursor_key,
    items_after,
    next_key,
    open_deadlines,
    search_items,
)

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "comity_login_csrf"
Read = Annotated[Actor, Depends(need("read"))]
Intake = Annotated[Actor, Depends(need("intake"))]
# The report form's fields, by the interface string that labels them.
_INTAKE_LABELS = {
    "url": "item.url",
    "conduct": "item.conducts",
    "note": "report.note",
    "source": "report.source",
}


def _login_page(
    request: Request,
    *,
    status: int = 200,
    message: str | None = None,
    username: str = "",
    change: bool = False,
) -> HTMLResponse:
    # Double-submit token for the log-in form, which comes before any session.
    token = secrets.token_urlsafe(32)
    response = page(
        request,
        "login.html",
        status=status,
        login_csrf=token,
        next_path=safe_next(request.query_params.get("next")),
        username=username,
        change=change,
        message=message,
        message_kind="error" if message else None,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request),
        path="/login",
    )
    return response


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    return _login_page(request)


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/items",
    new_password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    t = translator(language(request))
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        return _login_page(request, status=403, message=t("login.expired"))
    client = request.client.host if request.client else "unknown"
    with session_scope(request.app.state.engine) as session:
        try:
            done = auth.log_in(
                session=session,
                name=username.strip(),
                password=password,
                client=client,
                replaces=session_cookie(request),
                new_password=new_password or None,
            )
        except auth.TooManyAttempts as exc:
            refused = _login_page(request, status=429, message=exc.message, username=username)
            refused.headers["Retry-After"] = str(exc.retry_after)
            return refused
        except (auth.PasswordChangeNeeded, BadInput) as exc:
            status = 200 if isinstance(exc, auth.PasswordChangeNeeded) else 400
            return _login_page(
                request, status=status, message=exc.message, username=username, change=True
            )
    if done is None:
        return _login_page(request, status=401, message=t("login.wrong"), username=username)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        cookie_name(request),
        done.session_id,
        max_age=int(auth.SESSION_MAX.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, actor: Read) -> Response:
    if actor.session_id:
        with session_scope(request.app.state.engine) as session:
            auth.end_session(session=session, session_id=actor.session_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        cookie_name(request), path="/", secure=cookie_secure(request), httponly=True
    )
    return response


@router.get("/lang")
def switch_language(request: Request, to: str = "en", next: str = "/items") -> Response:
    if to not in LANGUAGES:
        raise BadInput(f"to: valid languages are {', '.join(LANGUAGES)}", field="to")
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        LANG_COOKIE, to, max_age=365 * 86400, samesite="strict", secure=cookie_secure(request)
    )
    return response


@router.get("/")
def home(actor: Read) -> Response:
    return RedirectResponse("/items", status_code=303)


@router.get("/items")
def worklist(request: Request, actor: Read) -> HTMLResponse:
    values = dict(request.query_params)
    filters = filters_from(values)
    page_no = int_param(values, "page", 1, maximum=MAX_PAGE) or 1
    sort = values.get("sort", "")
    # Next pages in the default order go by cursor (an index range however deep, and
    # right while reports arrive in front); `page` then only numbers the page shown.
    # The deadline order lists open requests only, which stay few: offset paging.
    after = None if sort else cursor_key(values.get("cursor"))
    with read_session(request.app.state.engine) as session:
        if after is not None:
            rows, last = items_after(session=session, filters=filters, after=after, limit=50)
            result = ItemPage(rows, 0, page_no, 50, keyset=True, next_key=last)
        else:
            result = search_items(
                session=session, filters=filters, page=page_no, per_page=50, sort=sort
            )
            if not sort and result.has_next:
                result = replace(result, next_key=next_key(result.items, filters.priority))
        deadlines = open_deadlines(session, [i["id"] for i in result.items])
    base = filters.as_query()
    return page(
        request,
        "items.html",
        active="nav.items",
        filters=filters,
        result=result,
        sort=sort,
        deadlines=deadlines,
        d=dates(request),
        sort_query=lambda to: query_string(base | {"sort": to}),
        states=STATES,
        conducts=conduct_codes(),
        priorities=PRIORITIES,
        channels=sorted(load_kb().vocabulary.channels),
        query_for=lambda n: query_string(base | {"page": n, "sort": sort}),
        next_query=query_string(
            base | {"page": page_no + 1, "cursor": encode_cursor("items", result.next_key)}
        )
        if result.next_key
        else None,
        first_query=query_string(base),
    )


@router.get("/items/{item_id}")
def item_page(request: Request, item_id: Id, actor: Read) -> HTMLResponse:
    with read_session(request.app.state.engine) as session:
        item = item_detail(session=session, item_id=item_id, with_history=False)
        sections, _pending = item_sections(session=session, item_id=item_id)
        verdict = (sections.get("monitor") or {}).get("verdict")
        case = case_file(session=session, item_id=item_id, verdict=verdict)
        if sections.get("deconfliction_holds") and actor.may("deconflict_identity"):
            from comity.holds.service import with_holders

            sections["deconfliction_holds"] = with_holders(
                session=session, rows=sections["deconfliction_holds"]
            )
    return page(
        request,
        "item.html",
        active="nav.items",
        item=item,
        sections=sections,
        case=case,
        d=dates(request, case["now"]),
        raw=raw_json,
    )


@router.get("/intake")
def intake_form(request: Request, actor: Intake) -> HTMLResponse:
    return page(
        request, "intake.html", active="nav.intake", conducts=conduct_codes(), form={}, result=None
    )


@router.post("/intake")
def intake_add(
    request: Request,
    actor: Intake,
    url: Annotated[str, Form(max_length=8192)] = "",
    conduct: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=10_000)] = "",
    source: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    form = {"url": url, "conduct": conduct, "note": note, "source": source}
    lang = language(request)
    errors = [
        required(lang, name, _INTAKE_LABELS)
        for name in ("url", "conduct")
        if not form[name].strip()
    ]
    if not errors:
        try:
            with session_scope(request.app.state.engine) as session:
                item, _report, _created = intake.add_report(
                    session=session,
                    url=url.strip(),
                    conduct=conduct,
                    note=note or None,
                    source=source or None,
                    actor=actor.name,
                    allow=request.app.state.settings.fetch_allow,
                )
                item_id = item.id
        except BadInput as exc:
            errors = [field_error(lang, exc, _INTAKE_LABELS)]
    if errors:
        return page(
            request,
            "intake.html",
            status=400,
            active="nav.intake",
            conducts=conduct_codes(),
            form=form,
            result=None,
            errors=errors,
            invalid={e.field for e in errors},
        )
    return redirect_done(request, f"/items/{item_id}", "done.reported", item=item_id)


@router.post("/intake/import")
def intake_import(
    request: Request,
    actor: Intake,
    file: Annotated[UploadFile, File()],
    conduct: Annotated[str, Form()] = "",
    strict: Annotated[str, Form()] = "",
) -> HTMLResponse:
    settings = request.app.state.settings
    status, message = 200, None
    try:
        result = import_upload(
            engine=request.app.state.engine,
            stream=file.file,
            filename=file.filename,
            actor=actor.name,
            conduct=conduct or None,
            strict=bool(strict),
            dry_run=False,
            allow=settings.fetch_allow,
            batch_size=settings.import_batch_size,
            max_bytes=settings.max_upload_mb * 1_000_000,
        )
    except ComityError as exc:
        result, status, message = None, 400, exc.message
    return page(
        request,
        "intake.html",
        status=status,
        active="nav.intake",
        conducts=conduct_codes(),
        form={},
        result=result,
        message=message,
        message_kind="error" if message else None,
    )


router.include_router(lawviews.router)
