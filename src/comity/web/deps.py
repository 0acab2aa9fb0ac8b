"""Who is asking and may they: authentication, CSRF and the role check on every route.

Every route other than the log-in page, static files and the OpenAPI document
depends on `need(PERMISSION)`; the route-table test fails for a route without it.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from comity.core.db import read_session, session_scope
from comity.core.errors import ComityError
from comity.users.roles import PERMISSIONS, SCOPE_OF, allowed
from comity.web import auth, tokens

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "Actor",
    "Forbidden",
    "NotAuthenticated",
    "authenticate",
    "cookie_name",
    "cookie_secure",
    "need",
    "session_cookie",
]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


class NotAuthenticated(Exception):
    """No valid session or token: 401 for the API, a redirect to /login for pages."""


class Forbidden(ComityError):
    """Authenticated, but not allowed (role, CSRF): HTTP 403."""


@dataclass(frozen=True)
class Actor:
    name: str
    role: str
    via: str  # "session" or "token"
    csrf_token: str | None = None
    session_id: str | None = None
    scopes: frozenset[str] | None = None  # a token's scopes; None for a browser session
    time_zone: str | None = None  # the zone the user reads dates in; None: the installation's

    def may(self, permission: str) -> bool:
        return allowed(self.role, permission) and self.has_scope(permission)

    def has_scope(self, permission: str) -> bool:
        return self.scopes is None or SCOPE_OF[permission] in self.scopes


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return host is not None and ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def cookie_secure(request: Request) -> bool:
    """Whether the session cookie is `__Host-` + Secure (always, except local development).

    Browsers refuse `__Host-` and Secure cookies set over plain http, so on
    http://127.0.0.1 in development mode the cookie is `comity_session`
    without Secure; every other combination (production, or any non-loopback
    host) gets the hardened cookie and therefore needs https.
    """
    settings = request.app.state.settings
    plain_local = request.url.scheme == "http" and _loopback(request.url.hostname)
    return not (plain_local and settings.mode == "development")


def cookie_name(request: Request) -> str:
    return "__Host-comity" if cookie_secure(request) else "comity_session"


def session_cookie(request: Request) -> str | None:
    return request.cookies.get(cookie_name(request))


def _lookup(request: Request) -> Actor:
    engine = request.app.state.engine
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    with read_session(engine) as session:
        if scheme.lower() == "bearer" and credential.strip():
            # A page answers with a session and its CSRF token only: a token sent to
            # a page would skip CSRF, and a page is never a machine's business.
            if not request.url.path.startswith("/api/"):
                raise NotAuthenticated("API tokens are accepted on /api/ only; log in for pages")
            try:
                user, scopes = tokens.token_holder(session=session, token=credential.strip())
            except ComityError as exc:
                raise NotAuthenticated(exc.message) from None
            return Actor(name=user.name, role=user.role, via="token", scopes=scopes)
        session_id = session_cookie(request)
        found = auth.session_user(session=session, session_id=session_id) if session_id else None
        if found is None or session_id is None:
            raise NotAuthenticated("log in first")
        user, csrf, stale = found
        name, role, zone = user.name, user.role, user.time_zone
    if stale:
        with session_scope(engine) as session:
            auth.touch_session(session=session, session_id=session_id)
    return Actor(
        name=name,
        role=role,
        via="session",
        csrf_token=csrf,
        session_id=session_id,
        time_zone=zone,
    )


def authenticate(request: Request) -> Actor:
    """The user behind the request's session or token (no permission check), or
    NotAuthenticated; for callers outside the routes (the body middleware)."""
    return _lookup(request)


async def _check_csrf(request: Request, actor: Actor) -> None:
    """Synchronizer token: a browser's state change must echo the session's token.

    Bearer-token calls are exempt: a browser never attaches them on its own,
    which is the whole of what CSRF exploits.
    """
    if request.method in _SAFE or actor.via != "session":
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not actor.csrf_token or not hmac.compare_digest(sent, actor.csrf_token):
        raise Forbidden("missing or wrong CSRF token; reload the page and try again")


def need(permission: str) -> Callable[[Request], Awaitable[Actor]]:
    """A dependency: the acting user, if they may `permission` (a key of PERMISSIONS)."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    async def dependency(request: Request) -> Actor:
        actor = await run_in_threadpool(_lookup, request)
        await _check_csrf(request, actor)
        if not allowed(actor.role, permission):
            who = ", ".join(sorted(PERMISSIONS[permission]))
            raise Forbidden(f"{actor.name} ({actor.role}) may not {permission}; allowed: {who}")
        if not actor.has_scope(permission):
            raise Forbidden(
                f"this API token lacks scope {SCOPE_OF[permission]!r}, needed to {permission}"
            )
        request.state.actor = actor
        return actor

    dependency.comity_permission = permission  # type: ignore[attr-defined]
    return dependency
