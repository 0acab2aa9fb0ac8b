"""The rest of parity through the API (issue 20): users and tokens under the admin
scope, the audit chain for auditors, the organisations register, reports, paging by
cursor; each refused to the role the page refuses."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_an_admin_adds_and_deactivates_a_user_and_the_users_tokens_stop_working(
    client: TestClient, tokens: dict[str, str]
) -> None:
    admin = _bearer(tokens["admin"])
    added = _ok(
        client.post("/api/v1/users", json={"name": "nina", "role": "analyst"}, headers=admin), 201
    )
    assert added["role"] == "analyst" and added["active"] is True
    analyst = _bearer(tokens["analyst"])
    assert client.get("/api/v1/users", headers=analyst).status_code == 403
    alice_tokens = _ok(client.get("/api/v1/tokens", headers=analyst))["tokens"]
    assert {t["user"] for t in alice_tokens} == {"alice"}
    gone = _ok(
        client.post("/api/v1/users/alice/deactivate", json={"reason": "left"}, headers=admin)
    )
    assert gone["revoked_tokens"] == [t["id"] for t in alice_tokens]
    assert client.get("/api/v1/me", headers=analyst).status_code == 401
    events = _ok(client.get("/api/v1/audit/events?action=user.deactivate", headers=admin))
    assert [(e["actor"], e["object_type"]) for e in events["events"]] == [("ada", "user")]


def test_an_admin_cannot_mint_a_token_for_another_user(
    client: TestClient, tokens: dict[str, str]
) -> None:
    admin = _bearer(tokens["admin"])
    mine = _ok(client.post("/api/v1/tokens", json={"name": "ci"}, headers=admin), 201)
    me = _ok(client.get("/api/v1/me", headers=_bearer(mine["token"])))
    assert me["name"] == "ada"
    refused = client.post("/api/v1/tokens", json={"name": "x", "user": "alice"}, headers=admin)
    assert refused.status_code == 422 and refused.json()["field"] == "user"
    # a read-only token cannot reach the admin routes even though its user is an admin
    assert client.get("/api/v1/users", headers=_bearer(mine["token"])).status_code == 403


def test_an_analyst_cannot_read_the_audit_chain_and_an_auditor_pages_through_it(
    client: TestClient, tokens: dict[str, str]
) -> None:
    assert client.get("/api/v1/audit/events", headers=_bearer(tokens["analyst"])).status_code == 403
    auditor = _bearer(tokens["auditor"])
    seen: list[int] = []
    url = "/api/v1/audit/events?limit=3"
    while url:
        page = _ok(client.get(url, headers=auditor))
        seen += [e["seq"] for e in page["events"]]
        url = (
            f"/api/v1/audit/events?limit=3&cursor={page['next_cursor']}"
            if page["next_cursor"]
            else ""
        )
    assert seen == sorted(seen) and len(seen) == len(set(seen)) and len(seen) > 3
    assert _ok(client.get("/api/v1/audit/verify", headers=auditor))["ok"] is True


def test_a_cursor_from_another_list_or_edited_is_refused_naming_the_field(
    client: TestClient, tokens: dict[str, str]
) -> None:
    admin = _bearer(tokens["admin"])
    first = _ok(client.get("/api/v1/users?limit=2", headers=admin))
    assert first["next_cursor"]
    wrong = client.get(f"/api/v1/audit/events?cursor={first['next_cursor']}", headers=admin)
    assert wrong.status_code == 400 and wrong.json()["field"] == "cursor"
    junk = client.get("/api/v1/users?cursor=%%%", headers=admin)
    assert junk.status_code == 400 and junk.json()["field"] == "cursor"


def test_organisations_page_by_cursor_and_show_their_designations(
    client: TestClient, tokens: dict[str, str]
) -> None:
    reader = _bearer(tokens["auditor"])
    ids: list[str] = []
    cursor = ""
    while True:
        page = _ok(client.get(f"/api/v1/organisations?limit=20&cursor={cursor}", headers=reader))
        ids += [o["id"] for o in page["organisations"]]
        if not page["next_cursor"]:
            break
        cursor = page["next_cursor"]
    assert ids == sorted(set(ids)) and len(ids) > 20
    one = _ok(client.get(f"/api/v1/organisations/{ids[0]}", headers=reader))
    assert one["id"] == ids[0] and one["designations"]
    listed = _ok(client.get("/api/v1/law/jurisdictions/GB/designations", headers=reader))
    assert any(d["org"] == ids[0] for d in listed["designations"]) or listed["designations"]


def test_reports_come_as_the_pages_give_them(client: TestClient, tokens: dict[str, str]) -> None:
    reader = _bearer(tokens["auditor"])
    report = client.get("/api/v1/reports/transparency?format=json", headers=reader)
    assert report.status_code == 200 and report.json()["report"] == "transparency"
    tco = client.get("/api/v1/reports/tco?year=2025&format=csv", headers=reader)
    assert tco.status_code == 200 and tco.headers["content-type"].startswith("text/csv")
    bad = client.get("/api/v1/reports/tco?year=2025&format=exe", headers=reader)
    assert bad.status_code == 400 and bad.json()["field"] == "format"
    # the dashboard is for auditors and supervisors, as the page
    assert client.get("/api/v1/dashboard", headers=_bearer(tokens["analyst"])).status_code == 403
