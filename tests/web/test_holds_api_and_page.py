"""API v1 /holds and the case file: the same rules as the command line, by the wrong
actor refused, and who asked shown only to those who may see it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, select

from comity.core.audit import AuditEvent
from comity.core.db import read_session
from tests.cases.conftest import make_item
from tests.holds.conftest import PDQ, active_hold, capture_objects
from tests.web.conftest import TestClient, log_in
from tests.web.test_words_not_codes import visible_text

AGENCY = "Financial Monitoring Agency"


def _h(tokens: dict[str, str], role: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}", **extra}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_a_hold_through_the_api_from_entry_to_release(
    client: TestClient, tokens: dict[str, str], engine: Engine
) -> None:
    body = {
        "scope_kind": "domain",
        "scope_value": "www.held.example",
        "agency": AGENCY,
        "contact": "desk 4",
        "legal_basis": "art. 10",
        "reason": "observation",
        "until": (date.today() + timedelta(days=30)).isoformat(),
    }
    # the analyst may not enter a hold (403 before any service)
    assert client.post("/api/v1/holds", json=body, headers=_h(tokens, "analyst")).status_code == 403
    typo = client.post("/api/v1/holds", json=body | {"agencyy": "x"}, headers=_h(tokens, "liaison"))
    assert typo.status_code == 422 and "agencyy" in typo.text
    key = {"Idempotency-Key": "hold-1"}
    made = _ok(client.post("/api/v1/holds", json=body, headers=_h(tokens, "liaison", **key)), 201)
    again = _ok(client.post("/api/v1/holds", json=body, headers=_h(tokens, "liaison", **key)), 201)
    assert again["id"] == made["id"]  # replayed, not entered twice
    hid = made["id"]
    assert (made["state"], made["scope_value"], made["agency"]) == (
        "pending",
        "held.example",
        AGENCY,
    )
    # four eyes: the liaison officer who entered it is refused by the service (409)
    own = client.post(f"/api/v1/holds/{hid}/approve", headers=_h(tokens, "liaison"))
    assert own.status_code == 409 and "four eyes" in own.text
    etag = client.get(f"/api/v1/holds/{hid}", headers=_h(tokens, "supervisor")).headers["ETag"]
    approved = client.post(
        f"/api/v1/holds/{hid}/approve", headers=_h(tokens, "supervisor", **{"If-Match": etag})
    )
    assert _ok(approved)["state"] == "active"
    stale = client.post(
        f"/api/v1/holds/{hid}/release",
        json={"reason": "done"},
        headers=_h(tokens, "supervisor", **{"If-Match": etag}),
    )
    assert stale.status_code == 412
    listed = _ok(client.get("/api/v1/holds?state=active", headers=_h(tokens, "analyst")))
    assert [(h["id"], h["agency"], h["contact"]) for h in listed["holds"]] == [(hid, None, None)]
    one = _ok(client.get(f"/api/v1/holds/{hid}", headers=_h(tokens, "auditor")))
    assert one["agency"] == AGENCY
    released = client.post(
        f"/api/v1/holds/{hid}/release", json={"reason": "done"}, headers=_h(tokens, "liaison")
    )
    assert _ok(released)["state"] == "released"
    with read_session(engine) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_type == "deconfliction_hold")
        ).all()
    assert actions == [
        "deconfliction_hold.add",
        "deconfliction_hold.approve",
        "deconfliction_hold.release",
    ]


def test_the_holds_list_pages_with_a_cursor(
    client: TestClient, tokens: dict[str, str], engine: Engine, staff: dict[str, str]
) -> None:
    ids = [active_hold(engine, "domain", f"site{n}.example") for n in range(3)]
    first = _ok(client.get("/api/v1/holds?limit=2", headers=_h(tokens, "analyst")))
    assert [h["id"] for h in first["holds"]] == ids[:0:-1]
    rest = _ok(
        client.get(
            f"/api/v1/holds?limit=2&cursor={first['next_cursor']}", headers=_h(tokens, "analyst")
        )
    )
    assert [h["id"] for h in rest["holds"]] == ids[:1] and rest["next_cursor"] is None


def test_the_case_file_says_held_at_whose_request_only_to_who_may_see_it(
    client: TestClient, passwords: str, engine: Engine, staff: dict[str, str]
) -> None:
    item_id = make_item(engine, "https://terror.example/post/9")
    capture_objects(engine, item_id, sha="1f" * 32, pdq=PDQ)
    until = date.today() + timedelta(days=30)
    active_hold(engine, "pdq", PDQ, until=until)
    log_in(client, "sam")
    text = visible_text(client.get(f"/items/{item_id}").text, "en")
    day = f"{until.day} {until.strftime('%b')} {until.year}"  # as comity.web.dates shows days
    assert f"held at the request of {AGENCY} until {day}" in text
    assert "Law on counter-terrorism, art. 10" in text
    client.get("/logout")
    client.cookies.clear()
    log_in(client, "alice")
    page = client.get(f"/items/{item_id}").text
    assert AGENCY not in page and "duty officer" not in page
    assert "held at the request of another agency (identity restricted)" in visible_text(page, "en")
    client.cookies.set("comity_lang", "kk")
    assert "басқа ведомствоның өтініші бойынша" in client.get(f"/items/{item_id}").text
