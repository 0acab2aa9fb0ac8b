"""Attacker stories: each test's name says the attack and what stops it."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import Engine, func, select, update

from comity.core.db import session_scope, utcnow
from comity.evidence.models import Evidence
from comity.intake.models import Item
from comity.users.models import User
from comity.web.deps import Actor, need
from comity.web.security import CSP
from tests.web.conftest import LOCAL, PASSWORD, TestClient, csrf_of, log_in

XSS = "<script>alert('pwned')</script><img src=x onerror=alert(1)>"


def _add_item(client: TestClient, csrf: str, note: str = "") -> int:
    response = client.post(
        "/intake",
        data={
            "url": "https://evil.example/p",
            "conduct": "terrorism.threat",
            "note": note,
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def _items(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Item)) or 0)


def test_stored_xss_through_a_captured_page_title_is_shown_as_text(
    client: TestClient, passwords: str, engine: Engine
) -> None:
    csrf = log_in(client, "alice")
    item_id = _add_item(client, csrf)
    with session_scope(engine) as session:
        session.add(
            Evidence(
                item_id=item_id,
                captured_at=utcnow(),
                requested_url="https://evil.example/p",
                outcome="ok",
                headers=[],
                title=XSS,
                captured_by="alice",
            )
        )
    page = client.get(f"/items/{item_id}")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "onerror=alert(1)>" not in page.text
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in page.text
    assert page.headers["content-security-policy"] == CSP


def test_stored_xss_through_a_report_note_is_shown_as_text(
    client: TestClient, passwords: str
) -> None:
    csrf = log_in(client, "alice")
    item_id = _add_item(client, csrf, note=XSS)
    for path in (f"/items/{item_id}", "/items?q=pwned"):
        page = client.get(path)
        assert "<script>alert" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in client.get(f"/items/{item_id}").text


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_csrf_on_the_intake_form_without_the_session_token_is_refused(
    client: TestClient, passwords: str, engine: Engine, token: str | None
) -> None:
    log_in(client, "alice")
    data = {"url": "https://csrf.example/", "conduct": "terrorism.threat"}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/intake", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert _items(engine) == 0


def test_csrf_token_of_another_session_is_refused(
    app: FastAPI, client: TestClient, passwords: str, engine: Engine
) -> None:
    with TestClient(app, base_url=LOCAL) as other:
        stolen = log_in(other, "alan")
    log_in(client, "alice")
    response = client.post(
        "/intake",
        data={"url": "https://c.example/", "conduct": "terrorism.threat", "csrf_token": stolen},
    )
    assert response.status_code == 403
    assert _items(engine) == 0


def test_csrf_on_the_api_from_a_browser_session_needs_the_header(
    client: TestClient, passwords: str, engine: Engine
) -> None:
    csrf = log_in(client, "alice")
    body = {"url": "https://api-csrf.example/", "conduct": "terrorism.threat"}
    refused = client.post("/api/v1/items", json=body)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]
    assert _items(engine) == 0
    allowed = client.post("/api/v1/items", json=body, headers={"X-CSRF-Token": csrf})
    assert allowed.status_code == 201


def test_csrf_on_logout_is_refused_and_the_session_survives(
    client: TestClient, passwords: str
) -> None:
    log_in(client, "alice")
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert client.get("/api/v1/me").json()["name"] == "alice"


def test_an_analyst_calling_a_reviewer_only_endpoint_gets_403(
    app: FastAPI, client: TestClient, passwords: str, tokens: dict[str, str]
) -> None:
    # The approval endpoint arrives with the cases views; this is the dependency it will use.
    router = APIRouter()

    @router.post("/api/v1/test-approve")
    def approve(actor: Annotated[Actor, Depends(need("review"))]) -> dict[str, str]:
        return {"approved_by": actor.name}

    app.include_router(router)
    analyst = client.post(
        "/api/v1/test-approve", headers={"Authorization": f"Bearer {tokens['analyst']}"}
    )
    assert analyst.status_code == 403
    assert "alice (analyst) may not review" in analyst.json()["error"]
    reviewer = client.post(
        "/api/v1/test-approve", headers={"Authorization": f"Bearer {tokens['legal_reviewer']}"}
    )
    assert (reviewer.status_code, reviewer.json()) == (200, {"approved_by": "rita"})


def test_an_auditor_cannot_report_a_url_through_the_form(
    client: TestClient, passwords: str, engine: Engine
) -> None:
    csrf = log_in(client, "aud")
    response = client.post(
        "/intake",
        data={"url": "https://a.example/", "conduct": "terrorism.threat", "csrf_token": csrf},
    )
    assert response.status_code == 403
    assert _items(engine) == 0


def test_session_fixation_a_planted_session_id_is_replaced_at_log_in(
    client: TestClient, passwords: str
) -> None:
    client.cookies.set("comity_session", "attacker-chosen-id", domain="127.0.0.1")
    log_in(client, "alice")
    assert client.cookies.get("comity_session") not in (None, "attacker-chosen-id")
    with TestClient(client.app, base_url=LOCAL) as attacker:
        attacker.cookies.set("comity_session", "attacker-chosen-id")
        assert attacker.get("/api/v1/me").status_code == 401


def test_session_fixation_the_previous_session_dies_at_the_next_log_in(
    app: FastAPI, client: TestClient, passwords: str
) -> None:
    log_in(client, "alice")
    before = client.cookies["comity_session"]
    log_in(client, "alan")
    after = client.cookies["comity_session"]
    assert before != after
    assert len(after) >= 43  # 256 random bits, base64url
    with TestClient(app, base_url=LOCAL) as replay:
        replay.cookies.set("comity_session", before)
        assert replay.get("/api/v1/me").status_code == 401


def test_log_out_deletes_the_session_so_a_copied_cookie_is_worthless(
    app: FastAPI, client: TestClient, passwords: str
) -> None:
    csrf = log_in(client, "alice")
    copied = client.cookies["comity_session"]
    response = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.headers["location"] == "/login"
    with TestClient(app, base_url=LOCAL) as replay:
        replay.cookies.set("comity_session", copied)
        assert replay.get("/api/v1/me").status_code == 401


def _try(client: TestClient, name: str, password: str) -> int:
    form = client.get("/login")
    return client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    ).status_code


def test_brute_force_log_in_is_slowed_with_429_even_for_the_right_password(
    client: TestClient, passwords: str
) -> None:
    assert [_try(client, "alice", f"guess-{i}") for i in range(3)] == [401] * 3
    assert _try(client, "alice", "guess-4") == 429
    assert _try(client, "alice", PASSWORD) == 429


def test_brute_force_across_user_names_from_one_address_is_slowed(
    client: TestClient, passwords: str
) -> None:
    names = ["alice", "rita", "leo"]
    assert [_try(client, n, "wrong-password") for n in names] == [401] * 3
    assert _try(client, "alan", PASSWORD) == 429


def test_log_in_form_without_its_csrf_cookie_is_refused(client: TestClient, passwords: str) -> None:
    response = client.post(
        "/login",
        data={"username": "alice", "password": PASSWORD, "csrf_token": "x"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "comity_session" not in client.cookies


def test_an_api_token_of_an_inactive_user_is_refused(
    client: TestClient, tokens: dict[str, str], engine: Engine
) -> None:
    headers = {"Authorization": f"Bearer {tokens['analyst']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with session_scope(engine) as session:
        session.execute(update(User).where(User.name == "alice").values(active=False))
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"] == "the token's user is inactive"


def test_an_api_token_of_a_deleted_user_is_refused(
    client: TestClient, tokens: dict[str, str], engine: Engine
) -> None:
    headers = {"Authorization": f"Bearer {tokens['liaison']}"}
    with session_scope(engine) as session:
        session.delete(session.scalars(select(User).where(User.name == "leo")).one())
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_made_up_api_token_is_refused(client: TestClient) -> None:
    response = client.get("/api/v1/items", headers={"Authorization": "Bearer comity_nope"})
    assert response.status_code == 401


def test_log_in_does_not_redirect_to_another_site(client: TestClient, passwords: str) -> None:
    form = client.get("/login?next=//evil.example/x")
    response = client.post(
        "/login",
        data={
            "username": "alice",
            "password": PASSWORD,
            "csrf_token": csrf_of(form.text),
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/items"


def test_session_cookie_is_host_prefixed_secure_httponly_strict_over_https(
    app: FastAPI, passwords: str
) -> None:
    with TestClient(app, base_url="https://comity.test") as secure:
        form = secure.get("/login")
        response = secure.post(
            "/login",
            data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_of(form.text)},
            follow_redirects=False,
        )
    cookie = response.headers["set-cookie"].split(",")[0]
    assert cookie.startswith("__Host-comity=")
    for flag in ("Secure", "HttpOnly", "SameSite=strict", "Path=/"):
        assert flag in cookie
    assert "Domain" not in cookie
    assert "max-age=31536000" in response.headers["strict-transport-security"]


def test_plain_http_to_a_non_loopback_host_still_gets_the_secure_cookie(
    app: FastAPI, passwords: str
) -> None:
    with TestClient(app, base_url="http://comity.internal") as plain:
        form = plain.get("/login")
        assert "Secure" in form.headers["set-cookie"]
        response = plain.post(
            "/login",
            data={"username": "alice", "password": PASSWORD, "csrf_token": "x"},
            follow_redirects=False,
        )
    assert response.status_code == 403  # the browser would not send back a Secure cookie


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/items",
        "/items/1",
        "/intake",
        "/law",
        "/law/KZ",
        "/api/v1/items",
        "/api/v1/openapi.json",
        "/static/comity.css",
        "/nowhere",
    ],
)
def test_security_headers_are_on_every_response(
    client: TestClient, passwords: str, path: str
) -> None:
    csrf = log_in(client, "alice")
    _add_item(client, csrf)
    response = client.get(path)
    headers = response.headers
    assert headers["content-security-policy"] == CSP
    assert "script-src 'self'" in CSP and "frame-ancestors 'none'" in CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert "camera=()" in headers["permissions-policy"]
    expected = "public, max-age=3600" if path.startswith("/static/") else "no-store"
    assert headers["cache-control"] == expected
