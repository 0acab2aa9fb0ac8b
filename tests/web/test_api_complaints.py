"""API v1: a complaint from receipt to outcome, notices to the provider, holds, retention,
each by the role that does it on the pages; the approver and the wrong role are refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from comity.core.audit import AuditEvent
from comity.core.db import read_session
from tests.reports.conftest import World, build_world
from tests.web.conftest import TestClient


@pytest.fixture
def world(engine: Engine, staff: dict[str, str]) -> World:
    return build_world(engine)


def _h(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_a_complaint_through_the_api_from_receipt_to_upheld(
    client: TestClient, tokens: dict[str, str], world: World, engine: Engine
) -> None:
    item = world.item_ids[3]
    body = {
        "complainant": "The channel's owner",
        "complainant_role": "content_provider",
        "route": "email",
        "grounds": "A documentary excerpt.",
        "received_on": world.today.isoformat(),
    }
    made = _ok(
        client.post(f"/api/v1/items/{item}/complaints", json=body, headers=_h(tokens, "liaison")),
        201,
    )
    cid = made["id"]
    assert made["state"] == "received" and made["next"]["step"] == "decision"
    # the reviewer who approved the request: refused (409, the service's own refusal)
    refused = client.post(f"/api/v1/complaints/{cid}/review", headers=_h(tokens, "legal_reviewer"))
    assert refused.status_code == 409 and "rita approved the request" in refused.text
    # a liaison officer may record but not decide (403 before any service)
    wrong = client.post(
        f"/api/v1/complaints/{cid}/decision",
        json={"outcome": "upheld", "reason": "x"},
        headers=_h(tokens, "liaison"),
    )
    assert wrong.status_code == 403
    typo = client.post(
        f"/api/v1/complaints/{cid}/decision",
        json={"outcome": "upheld", "reasons": "x"},
        headers=_h(tokens, "supervisor"),
    )
    assert typo.status_code in (400, 422) and "reasons" in typo.text
    _ok(client.post(f"/api/v1/complaints/{cid}/review", headers=_h(tokens, "supervisor")))
    upheld = _ok(
        client.post(
            f"/api/v1/complaints/{cid}/decision",
            json={"outcome": "upheld", "reason": "Documentary, not incitement."},
            headers=_h(tokens, "supervisor"),
        )
    )
    assert upheld["state"] == "upheld" and "we withdraw our request" in upheld["addressee_notice"]
    told = _ok(
        client.post(
            f"/api/v1/complaints/{cid}/addressee-told", json={}, headers=_h(tokens, "liaison")
        )
    )
    assert told["addressee_told_on"] == world.today.isoformat()
    listed = _ok(client.get("/api/v1/complaints?state=upheld", headers=_h(tokens, "auditor")))
    assert [c["id"] for c in listed["complaints"]] == [cid]
    with read_session(engine) as s:
        actions = list(
            s.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.object_type == "item", AuditEvent.object_id == str(item))
                .order_by(AuditEvent.seq)
            )
        )
    assert actions[-5:] == [
        "complaint.received",
        "complaint.review",
        "item.state",
        "complaint.upheld",
        "complaint.addressee_told",
    ]


def test_a_complaint_about_an_item_never_requested_is_refused_by_the_api(
    client: TestClient, tokens: dict[str, str], world: World
) -> None:
    body = {"complainant": "x", "complainant_role": "uploader", "route": "email", "grounds": "x"}
    refused = client.post(
        f"/api/v1/items/{world.item_ids[11]}/complaints", json=body, headers=_h(tokens, "liaison")
    )
    assert refused.status_code == 409 and "was never requested" in refused.text
    bad = client.post(
        f"/api/v1/items/{world.item_ids[3]}/complaints",
        json={**body, "route": "pigeon"},
        headers=_h(tokens, "liaison"),
    )
    assert bad.status_code == 400 and "'pigeon' is not valid" in bad.text


def test_notices_holds_and_retention_through_the_api(
    client: TestClient, tokens: dict[str, str], world: World
) -> None:
    _ok(
        client.post(
            f"/api/v1/items/{world.item_ids[0]}/provider-notices/informed",
            json={"on": world.today.isoformat(), "by": "host"},
            headers=_h(tokens, "liaison"),
        ),
        201,
    )
    rows = _ok(client.get("/api/v1/provider-notices", headers=_h(tokens, "auditor")))["requests"]
    assert {r["item_id"]: r["status"] for r in rows}[world.item_ids[0]] == "informed"
    assert client.post("/api/v1/retention/run", headers=_h(tokens, "liaison")).status_code == 403
    dry = _ok(client.post("/api/v1/retention/run", headers=_h(tokens, "supervisor")))
    assert dry["dry_run"] is True
    hold = _ok(
        client.post(
            "/api/v1/legal-holds",
            json={"kind": "reporters", "min_days": 400, "reason": "Court order"},
            headers=_h(tokens, "admin"),
        ),
        201,
    )
    short = client.post("/api/v1/retention/run", headers=_h(tokens, "supervisor"))
    assert short.status_code == 409 and "is shorter than legal hold" in short.text
    _ok(
        client.post(
            f"/api/v1/legal-holds/{hold['id']}/release",
            json={"reason": "order lifted"},
            headers=_h(tokens, "admin"),
        )
    )
    assert _ok(client.post("/api/v1/retention/run", headers=_h(tokens, "supervisor")))["dry_run"]
