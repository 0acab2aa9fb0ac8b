"""The whole job through the API alone (issue 20): report, capture, attribute, assess,
propose, approve, build, issue, download, dispatch, answer, monitor, figures, on the demo
internet (loopback DNS and HTTP), each step by the role that does it in the browser,
with the same audit trail; unknown fields and the wrong role are refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from comity.core.audit import AuditEvent
from comity.core.db import read_session, session_scope
from comity.core.settings import Settings, override_settings
from comity.demo.internet import DemoInternet, start
from comity.users.roles import scopes_for
from comity.web.app import create_app
from comity.web.tokens import create_token

URL = "http://blog.kaz-demo-blog.example/demo/post-1"


@pytest.fixture
def demo_net() -> Iterator[DemoInternet]:
    with start() as net:
        yield net


@pytest.fixture
def api(
    settings: Settings, engine: Engine, staff: dict[str, str], demo_net: DemoInternet
) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    demo = settings.model_copy(
        update={
            "dns_servers": (f"127.0.0.1:{demo_net.dns_port}",),
            "connect_overrides": tuple(
                f"{name}={h}:{p}" for name, (h, p) in demo_net.address_map().items()
            ),
        }
    )
    with session_scope(engine) as session:
        headers = {
            name: {
                "Authorization": "Bearer "
                + create_token(
                    session=session, actor=name, name="api", scopes=list(scopes_for(role))
                ).token
            }
            for role, name in staff.items()
        }
    with override_settings(demo), TestClient(create_app(demo), base_url="http://127.0.0.1") as c:
        yield c, headers


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_the_whole_job_through_the_api(
    api: tuple[TestClient, dict[str, dict[str, str]]], engine: Engine, demo_net: DemoInternet
) -> None:
    client, h = api
    item = _ok(
        client.post(
            "/api/v1/items",
            json={"url": URL, "conduct": "terrorism.glorification"},
            headers=h["alice"],
        ),
        201,
    )
    item_id = item["id"]
    captured = _ok(client.post(f"/api/v1/items/{item_id}/capture", headers=h["alice"]))
    assert captured["captures"] and captured["captures"][0]["item_id"] == item_id
    _ok(client.post(f"/api/v1/items/{item_id}/attribute", headers=h["alice"]))
    assessed = _ok(
        client.post(
            f"/api/v1/items/{item_id}/assess",
            json={"facts": {"public": True, "intent": True, "danger": True}},
            headers=h["alice"],
        )
    )
    de = next(a for a in assessed["assessments"] if a["host"] == "DE")
    assert de["dual_criminality"] in ("yes", "conditional") and de["channels"]
    channel = next(c for c in de["channels"] if c != "no_action")
    proposal = _ok(
        client.post(
            f"/api/v1/items/{item_id}/proposals",
            json={
                "assessment": de["id"],
                "channel": channel,
                "note": "Removal of this one URL only; the rest of the blog is not targeted.",
            },
            headers=h["alice"],
        ),
        201,
    )
    # the analyst who proposed cannot decide; the reviewer can
    own = client.post(
        f"/api/v1/proposals/{proposal['id']}/decision",
        json={"decision": "approve", "reason": "mine"},
        headers=h["alice"],
    )
    assert own.status_code == 403
    decided = _ok(
        client.post(
            f"/api/v1/proposals/{proposal['id']}/decision",
            json={"decision": "approve", "reason": "Dual criminality established (DE)."},
            headers=h["rita"],
        )
    )
    assert decided["state"] == "approved"
    built = _ok(
        client.post(
            "/api/v1/dossiers/build", json={"channel": channel, "host": "de"}, headers=h["leo"]
        )
    )
    assert built["created"], built
    dossier_id = built["created"][0]["id"]
    issued = _ok(client.post(f"/api/v1/dossiers/{dossier_id}/issue", headers=h["leo"]))
    assert issued["state"] == "issued" and issued["reference"]
    language = issued["languages"][0] if issued.get("languages") else "en"
    pdf = client.get(f"/api/v1/dossiers/{dossier_id}/files/pdf/{language}", headers=h["leo"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    sent = _ok(
        client.post("/api/v1/dispatches", json={"dossier": dossier_id}, headers=h["leo"]), 201
    )
    ref = issued["reference"]
    assert sent["dossier"] == ref
    answered = _ok(
        client.post(
            f"/api/v1/dispatches/{ref}/answers",
            json={"item_id": item_id, "decision": "removed"},
            headers=h["leo"],
        )
    )
    assert answered["items"][0]["decision"] == "removed"
    demo_net.take_down("blog.kaz-demo-blog.example")
    checks = _ok(client.post("/api/v1/monitor/run", headers=h["leo"]))
    assert [c["verdict"] for c in checks["checks"]] == ["removed"]
    got = _ok(client.get(f"/api/v1/items/{item_id}", headers=h["aud"]))
    assert got["state"] == "verified"
    stats = _ok(client.get("/api/v1/stats", headers=h["aud"]))
    assert stats["host"]["DE"]["removed"] == 1
    assert _ok(client.get("/api/v1/attention", headers=h["aud"])) == {"attention": []}
    # the audit trail holds every step, each by the user who took it
    with read_session(engine) as session:
        actions = {
            (a, actor) for a, actor in session.execute(select(AuditEvent.action, AuditEvent.actor))
        }
    for step in (
        ("proposal.create", "alice"),
        ("proposal.approve", "rita"),
        ("dossier.issue", "leo"),
        ("request.answer", "leo"),
    ):
        assert step in actions, sorted(actions)


def test_unknown_fields_are_refused_by_name(
    api: tuple[TestClient, dict[str, dict[str, str]]],
) -> None:
    client, h = api
    response = client.post(
        "/api/v1/proposals/1/decision",
        json={"decision": "approve", "reason": "x", "aprove": True},
        headers=h["rita"],
    )
    assert response.status_code == 422
    assert response.json()["field"] == "aprove"


def test_a_liaison_officer_cannot_approve_and_an_auditor_cannot_dispatch(
    api: tuple[TestClient, dict[str, dict[str, str]]],
) -> None:
    client, h = api
    no = client.post(
        "/api/v1/proposals/1/decision",
        json={"decision": "approve", "reason": "x"},
        headers=h["leo"],
    )
    assert no.status_code == 403
    assert (
        client.post("/api/v1/dispatches", json={"dossier": 1}, headers=h["aud"]).status_code == 403
    )
