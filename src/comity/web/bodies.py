"""Request bodies are bounded, and uploads authenticated, before a byte of them is read.

Starlette parses a multipart form (spooling each file to a temporary file past
1 MB) as soon as anything asks for the form: the CSRF check, or a route's
`File()` parameter. Without this middleware an anonymous client could make
the server write a 1 GB upload to disk before the route answered 401, and a
logged-in one any size at all. So, before the application sees the request:

- a multipart body, or any body to an import route, needs a valid session or
  API token first (the same check the routes use, `deps.authenticate`): 401
  on the API, or the redirect to the log-in form on pages, with the body
  unread. The route still checks the permission and CSRF;
- a body whose Content-Length exceeds the limit (COMITY_MAX_UPLOAD_MB for the
  import routes, 1 MB for every other route) is answered 413 unread;
- a body without a Content-Length (chunked) is counted as it streams and
  refused with 413 the moment it passes the limit, so nothing past the limit
  is ever read or spooled.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from fastapi import HTTPException
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from comity.web.deps import NotAuthenticated, authenticate
from comity.web.params import safe_next
from comity.web.problems import problem

__all__ = ["UPLOAD_PATHS", "BoundedBodies"]

# Routes that take a file: never read for an anonymous client, whatever the content type.
UPLOAD_PATHS = frozenset({"/intake/import", "/api/v1/intake/import"})
# Every other body is a form or a JSON object of a few fields (a note is at most
# 10,000 characters): the log-in form, open to anyone, included.
FORM_BYTES = 1_000_000
_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "TRACE"})


def _refusal(scope: Scope, status: int, message: str) -> Response:
    headers = {"Connection": "close"}  # the unread body is not worth draining
    if scope["path"].startswith("/api/"):
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return problem(status, message, instance=scope["path"], headers=headers)
    if status == 401:  # pages send the anonymous to the log-in form, as the routes do
        target = quote(safe_next(scope["path"]), safe="/")
        return RedirectResponse(f"/login?next={target}", status_code=303, headers=headers)
    html = f"<!doctype html><title>{status}</title><h1>{status}</h1><p>{escape(message)}</p>"
    return HTMLResponse(html, status_code=status, headers=headers)


class BoundedBodies:
    """ASGI middleware; `max_bytes` is the largest request body accepted."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _BODYLESS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        declared = request.headers.get("content-length", "")
        upload = scope["path"] in UPLOAD_PATHS
        limit = self.max_bytes if upload else min(self.max_bytes, FORM_BYTES)
        too_large = (
            f"request body larger than {limit // 1_000_000} MB (COMITY_MAX_UPLOAD_MB)"
            if upload
            else f"request body larger than {limit:,} bytes (only imports take files)"
        )
        multipart = request.headers.get("content-type", "").startswith("multipart/")
        if multipart or upload:
            try:
                await run_in_threadpool(authenticate, request)
            except NotAuthenticated as exc:
                await _refusal(scope, 401, str(exc) or "log in first")(scope, receive, send)
                return
        if declared.isdigit() and int(declared) > limit:
            await _refusal(scope, 413, too_large)(scope, receive, send)
            return
        await self.app(scope, self._counted(receive, limit, too_large), send)

    def _counted(self, receive: Receive, limit: int, too_large: str) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # Raised into whoever reads the body (the form parser, a route):
                    # FastAPI passes HTTPException through, and the app's handler
                    # answers 413 in the usual error shape.
                    raise HTTPException(status_code=413, detail=too_large)
            return message

        return counted
