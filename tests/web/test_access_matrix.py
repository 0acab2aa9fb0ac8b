"""401/403 for every route and role, generated from the app's own route table.

A new route without a `need(...)` permission fails `test_every_route_declares_a_permission`;
a route whose permission lets the wrong role in fails the matrix.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from comity.users.roles import PERMISSIONS, SCOPE_OF, SCOPES
from tests.web.conftest import LOCAL, TestClient, log_in

# Reachable without logging in, on purpose.
PUBLIC = {
    ("/login", "GET"),
    ("/login", "POST"),
    ("/lang", "GET"),
    ("/api/v1/openapi.json", "GET"),
    ("/api/v1/openapi.json", "HEAD"),
    # Health checks for a load balancer: no token, and they reveal only which check failed.
    ("/healthz", "GET"),
    ("/readyz", "GET"),
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# The auditor reads everything and changes nothing; ending their own session, or minting
# and revoking their own API token (as `comity token create` lets every user), is not a
# change to the work; nor is choosing the time zone their own pages show dates in.
AUDITOR_MAY_POST = {
    "/logout",
    "/api/v1/tokens",
    "/api/v1/tokens/{token_id}/revoke",
    "/account/time-zone",
}


def _permission(dependant: Any) -> str | None:
    for sub in dependant.dependencies:
        found = getattr(sub.call, "comity_permission", None) or _permission(sub)
        if found:
            return str(found)
    return None


def _routes(app: FastAPI) -> list[tuple[str, str, str | None]]:
    out = []
    # FastAPI includes routers lazily; iter_route_contexts flattens them with their prefixes.
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            for method in sorted(context.methods or ()):
                out.append((str(context.path), method, _permission(route.dependant)))
    assert len(out) >= 15, "the route table was not read"
    return out


def _url(path: str) -> str:
    # Path parameters get values that exist, so "allowed" never hides behind a 404.
    url = re.sub(r"\{(\w+)\}", lambda m: {"item_id": "1", "code": "KZ"}.get(m[1], "x"), path)
    # An event stream stays open until its timeout: one second is enough to see the status.
    return url + "?timeout=1" if "/events/stream" in path else url


def test_every_route_declares_a_permission(app: FastAPI) -> None:
    missing = [(p, m) for p, m, perm in _routes(app) if perm is None and (p, m) not in PUBLIC]
    assert missing == []
    assert {perm for _, _, perm in _routes(app) if perm} <= set(PERMISSIONS)


def test_no_unsafe_route_is_open_to_the_auditor(app: FastAPI) -> None:
    for path, method, perm in _routes(app):
        if method in UNSAFE and perm and path not in AUDITOR_MAY_POST:
            assert "auditor" not in PERMISSIONS[perm], (path, method, perm)


@pytest.fixture
def one_item(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/items",
        json={"url": "https://m.example/", "conduct": "terrorism.threat"},
        headers={"Authorization": f"Bearer {tokens['analyst']}"},
    )
    assert response.json()["id"] == 1


def test_anonymous_gets_401_from_the_api_and_the_login_page_elsewhere(
    app: FastAPI, client: TestClient, one_item: None
) -> None:
    client.cookies.clear()
    for path, method, perm in _routes(app):
        if perm is None:
            continue
        response = client.request(method, _url(path), follow_redirects=False)
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path)
            assert response.headers["www-authenticate"] == "Bearer"
        else:
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/login?next=")


def _sessions(app: FastAPI, staff: dict[str, str]) -> list[tuple[str, TestClient, str]]:
    """A logged-in browser per role, with its CSRF token."""
    browsers = [(role, name, TestClient(app, base_url=LOCAL)) for role, name in staff.items()]
    return [(role, browser, log_in(browser, name)) for role, name, browser in browsers]


def test_each_role_gets_403_exactly_where_its_permission_is_missing(
    app: FastAPI,
    client: TestClient,
    tokens: dict[str, str],
    one_item: None,
    passwords: str,
    staff: dict[str, str],
) -> None:
    """API routes with each role's token (every scope the role can use), pages with a session."""
    checked = 0
    # /logout last: it ends the session the other page checks use.
    routes = sorted(_routes(app), key=lambda r: r[0] == "/logout")
    api = [r for r in routes if r[0].startswith("/api/") and r[2]]
    pages = [r for r in routes if not r[0].startswith("/api/") and r[2]]
    callers = [(role, client, {"Authorization": f"Bearer {t}"}, api) for role, t in tokens.items()]
    callers += [
        (role, browser, {"X-CSRF-Token": csrf}, pages)
        for role, browser, csrf in _sessions(app, staff)
    ]
    for role, caller, headers, table in callers:
        for path, method, perm in table:
            assert perm is not None
            response = caller.request(method, _url(path), headers=headers, follow_redirects=False)
            if role in PERMISSIONS[perm]:
                assert response.status_code not in (401, 403), (role, method, path)
            else:
                assert response.status_code == 403, (role, method, path)
                assert perm in (
                    response.json()["error"] if path.startswith("/api/") else response.text
                )
            checked += 1
    assert checked >= 6 * 10


def test_every_permission_has_a_token_scope() -> None:
    assert set(SCOPE_OF) == set(PERMISSIONS)
    assert set(SCOPE_OF.values()) == set(SCOPES)
