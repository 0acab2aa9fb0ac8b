"""Priority and withdrawal through the API (issue 20 parity: the browser gained both
in issue 16): the same service, permission and audit events as the pages."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from comity.core.db import read_session
from comity.intake.models import Item
from tests.web.conftest import LOCAL, TestClient
from tests.web.test_forms import _events
from tests.web.test_workflow_pages import _item


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_priority_through_the_api_is_audited_with_its_reason(
    app: FastAPI, engine: Engine, tokens: dict[str, str]
) -> None:
    item_id = _item(engine, "https://urgent.example/api")
    with TestClient(app, base_url=LOCAL) as client:
        path = f"/api/v1/items/{item_id}/priority"
        blank = client.post(
            path, json={"level": "crisis", "reason": " "}, headers=_bearer(tokens["analyst"])
        )
        assert blank.status_code == 400 and "reason" in blank.json()["detail"]
        bad = client.post(
            path, json={"level": "urgent", "reason": "x"}, headers=_bearer(tokens["analyst"])
        )
        assert bad.status_code == 400
        auditor = client.post(
            path, json={"level": "crisis", "reason": "x"}, headers=_bearer(tokens["auditor"])
        )
        assert auditor.status_code == 403
        done = client.post(
            path,
            json={"level": "threat_to_life", "reason": "a date and place are named"},
            headers=_bearer(tokens["analyst"]),
        )
        assert done.status_code == 200, done.text
        assert done.json() == {"id": item_id, "priority": "threat_to_life", "state": "reported"}
    ((who, data),) = _events(engine, "item.priority")
    assert who == "alice" and data["reason"] == "a date and place are named"


def test_withdrawal_through_the_api_needs_the_role_and_a_reason(
    app: FastAPI, engine: Engine, tokens: dict[str, str]
) -> None:
    item_id = _item(engine, "https://mistake.example/api")
    with TestClient(app, base_url=LOCAL) as client:
        path = f"/api/v1/items/{item_id}/withdrawal"
        reviewer = client.post(
            path, json={"reason": "x"}, headers=_bearer(tokens["legal_reviewer"])
        )
        assert reviewer.status_code == 403  # as in the browser: analysts and supervisors only
        unknown = client.post(
            path, json={"reason": "x", "why": "y"}, headers=_bearer(tokens["analyst"])
        )
        assert unknown.status_code == 422 and unknown.json()["field"] == "why"
        done = client.post(
            path, json={"reason": "Reported by mistake."}, headers=_bearer(tokens["analyst"])
        )
        assert done.status_code == 200, done.text
        again = client.post(path, json={"reason": "again"}, headers=_bearer(tokens["analyst"]))
        assert again.status_code == 409
    with read_session(engine) as session:
        assert session.get_one(Item, item_id).state == "withdrawn"
    withdrawn = [
        (who, d["reason"]) for who, d in _events(engine, "item.state") if d["to"] == "withdrawn"
    ]
    assert withdrawn == [("alice", "Reported by mistake.")]
