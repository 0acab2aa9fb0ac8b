"""The application factory: routers, static files, security headers, error pages."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import pkgutil
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from comity.core.db import get_engine
from comity.core.errors import BadInput, ComityError, NotFound
from comity.core.settings import Settings, get_settings
from comity.law.kb.loader import KnowledgeBaseError, load_kb
from comity.web import api, api_admin, api_job, health, openapi, pages, reportpages
from comity.web.auth import TooManyAttempts
from comity.web.bodies import BoundedBodies
from comity.web.deps import Forbidden, NotAuthenticated
from comity.web.etags import PreconditionFailed
from comity.web.i18n import translator
from comity.web.idempotency import Idempotency
from comity.web.limits import refuse_control_characters
from comity.web.params import safe_next
from comity.web.problems import problem
from comity.web.ratelimit import RateLimit
from comity.web.render import language, page
from comity.web.security import SecurityHeaders
from comity.web.threads import ThreadsPerConnection

__all__ = ["create_app"]


def _status(exc: ComityError) -> int:
    if isinstance(exc, TooManyAttempts):
        return 429
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, BadInput):
        return 400
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, PreconditionFailed):
        return 412
    return 409  # Refused and other failures: the request was understood but cannot be done


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str, field: str | None = None) -> Response:
    if _is_api(request):
        kind = "stale" if status == 412 else None
        return problem(status, message, field=field, instance=request.url.path, kind=kind)
    t = translator(language(request))
    return page(request, "error.html", status=status, heading=t(f"error.{status}"), detail=message)


async def _not_authenticated(request: Request, exc: Exception) -> Response:
    if "authorization" in request.headers and not _is_api(request):
        # A token presented to a page: refused outright, never turned into a log-in form.
        return _error(request, 401, str(exc))
    if _is_api(request):
        return problem(
            401,
            str(exc) or "authentication required",
            instance=request.url.path,
            headers={"WWW-Authenticate": "Bearer"},
        )
    target = safe_next(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return RedirectResponse(f"/login?next={_quote(target)}", status_code=303)


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="/")


async def _comity_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ComityError)
    return _error(request, _status(exc), exc.message, exc.field)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return _error(request, exc.status_code, str(exc.detail))


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
    message = f"{where}: {first.get('msg', 'invalid')}" if where else "invalid request"
    if _is_api(request):
        errors = [
            {
                "field": ".".join(
                    str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path")
                ),
                "detail": str(e.get("msg", "invalid")),
                "in": str(e.get("loc", ("body",))[0]),
            }
            for e in jsonable(exc.errors())
        ]
        return problem(
            422,
            message,
            field=where or None,
            instance=request.url.path,
            kind="invalid",
            extra={"errors": errors},
        )
    return _error(request, 400, message, where)


def jsonable(value: Any) -> Any:
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(value, custom_encoder={Exception: str})


def _domain_views(app: FastAPI) -> None:
    """Include `comity.<domain>.views.router` of every domain that has one (later pages)."""
    import comity

    for module in pkgutil.iter_modules(comity.__path__):
        name = f"comity.{module.name}.views"
        if module.ispkg and module.name != "web" and importlib.util.find_spec(name):
            router = getattr(importlib.import_module(name), "router", None)
            if router is not None:
                app.include_router(router)


def create_app(settings: Settings | None = None) -> FastAPI:
    """A FastAPI application over the database named by `settings` (default: the process's)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Comity",
        version="1",
        description="Lawful cross-border removal requests: REST API v1.",
        openapi_url="/api/v1/openapi.json",
        # The interactive docs pull scripts from a CDN, which the CSP forbids.
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(refuse_control_characters)],
    )
    app.state.settings = settings
    app.state.engine = get_engine(settings.resolved_database_url)
    # Each `serve` worker builds its app here, before it accepts a connection: the
    # knowledge base is read now, not by the first request that needs it. A new
    # knowledge base (a new version of the law) is validated once, 1.0 s of CPU on a
    # quiet machine and more under load: in bench_scale's first round after a law
    # change, with an empty cache, every kind of request had a max of 17-24 s (1.7-6.3 s
    # in the next round, with the cache).
    # If it is broken, the pages that need it show the error; the others still serve.
    with contextlib.suppress(KnowledgeBaseError):
        load_kb()
    # Added first, so it runs innermost: it reads a body BoundedBodies has bounded.
    app.add_middleware(Idempotency)
    # Added before SecurityHeaders, so it runs inside it: its refusals get the headers too.
    app.add_middleware(BoundedBodies, max_bytes=settings.max_upload_mb * 1_000_000)
    app.add_middleware(RateLimit)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(ThreadsPerConnection)
    app.add_exception_handler(NotAuthenticated, _not_authenticated)
    app.add_exception_handler(ComityError, _comity_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.mount("/static", StaticFiles(packages=[("comity.web", "static")]), name="static")
    app.include_router(health.router)
    app.include_router(api.router)
    app.include_router(api_job.router)
    app.include_router(api_admin.router)
    app.include_router(pages.router)
    app.include_router(reportpages.router)
    _domain_views(app)
    openapi.install(app)
    return app
