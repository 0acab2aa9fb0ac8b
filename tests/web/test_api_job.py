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
            json={
                "decision": "approve",
                "reason": "Dual criminality established (DE): missing facts shown on the capture.",
                "established": de["missing_facts"],
            },
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
    draft = client.post(
        f"/api/v1/dossiers/{dossier_id}/preview", json={"format": "pdf"}, headers=h["leo"]
    )
    assert draft.status_code == 200 and draft.content.startswith(b"%PDF"), draft.text
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


# --- the same job through the pages, for the audit-chain comparison ----------------

FACTS = {"public": True, "intent": True, "danger": True}
NOTE = "Removal of this one URL only; the rest of the blog is not targeted."


def _api_steps(client: TestClient, h: dict[str, dict[str, str]], url: str) -> None:
    """Report to answer through the API, each step by the role that does it."""
    item_id = _ok(
        client.post(
            "/api/v1/items",
            json={"url": url, "conduct": "terrorism.glorification"},
            headers=h["alice"],
        ),
        201,
    )["id"]
    _ok(client.post(f"/api/v1/items/{item_id}/capture", headers=h["alice"]))
    _ok(client.post(f"/api/v1/items/{item_id}/attribute", headers=h["alice"]))
    assessed = _ok(
        client.post(f"/api/v1/items/{item_id}/assess", json={"facts": FACTS}, headers=h["alice"])
    )
    de = next(a for a in assessed["assessments"] if a["host"] == "DE")
    channel = next(c for c in de["channels"] if c != "no_action")
    proposal = _ok(
        client.post(
            f"/api/v1/items/{item_id}/proposals",
            json={"assessment": de["id"], "channel": channel, "note": NOTE},
            headers=h["alice"],
        ),
        201,
    )
    _ok(
        client.post(
            f"/api/v1/proposals/{proposal['id']}/decision",
            json={
                "decision": "approve",
                "reason": "Dual criminality established (DE): missing facts shown on the capture.",
                "established": de["missing_facts"],
            },
            headers=h["rita"],
        )
    )
    built = _ok(
        client.post(
            "/api/v1/dossiers/build", json={"channel": channel, "host": "DE"}, headers=h["leo"]
        )
    )
    dossier_id = built["created"][0]["id"]
    issued = _ok(client.post(f"/api/v1/dossiers/{dossier_id}/issue", headers=h["leo"]))
    _ok(client.post("/api/v1/dispatches", json={"dossier": dossier_id}, headers=h["leo"]), 201)
    _ok(
        client.post(
            f"/api/v1/dispatches/{issued['reference']}/answers",
            json={"item_id": item_id, "decision": "removed"},
            headers=h["leo"],
        )
    )


def _page_steps(app: Any, url: str) -> None:
    """The same steps through the pages: a session per user, forms with the CSRF token."""
    from tests.web.conftest import log_in

    def user(name: str) -> tuple[TestClient, str]:
        browser = TestClient(app, base_url="http://127.0.0.1:8000")
        return browser, log_in(browser, name)

    def post(browser: TestClient, path: str, csrf: str, **form: str | list[str]) -> Any:
        response = browser.post(path, data={"csrf_token": csrf, **form}, follow_redirects=False)
        assert response.status_code in (200, 303), (path, response.text[:500])
        return response

    alice, csrf = user("alice")
    done = post(alice, "/intake", csrf, url=url, conduct="terrorism.glorification")
    item_id = int(done.headers["location"].rsplit("/", 1)[1])
    post(alice, f"/items/{item_id}/capture", csrf)
    post(alice, f"/items/{item_id}/attribute", csrf)
    post(alice, f"/items/{item_id}/assess", csrf, **{f"fact_{k}": "true" for k in FACTS})
    with read_session(app.state.engine) as session:
        from comity.law.models import StoredAssessment

        de = session.scalars(
            select(StoredAssessment)
            .where(StoredAssessment.item_id == item_id, StoredAssessment.host == "DE")
            .order_by(StoredAssessment.id.desc())
        ).first()
        assert de is not None
        assessment_id = de.id
        channel = next(c["code"] for c in de.result["channels"] if c["code"] != "no_action")
    post(
        alice,
        f"/items/{item_id}/propose",
        csrf,
        assessment=str(assessment_id),
        channel=channel,
        note=NOTE,
    )
    with read_session(app.state.engine) as session:
        from comity.cases.models import Proposal

        proposal_id = session.scalars(select(Proposal.id).where(Proposal.item_id == item_id)).one()
    rita, csrf = user("rita")
    post(
        rita,
        f"/review/{proposal_id}",
        csrf,
        decision="approve",
        reason="Dual criminality established (DE): the missing facts are on the capture.",
        established=_missing(app, proposal_id),
    )
    leo, csrf = user("leo")
    post(leo, "/dossiers/build", csrf, channel=channel, host="DE")
    with read_session(app.state.engine) as session:
        from comity.dossiers.models import DossierEntry

        dossier_id = session.scalars(
            select(DossierEntry.dossier_id).where(DossierEntry.item_id == item_id)
        ).one()
    post(leo, f"/dossiers/{dossier_id}/issue", csrf)
    post(leo, "/tracking/dispatch", csrf, dossier=str(dossier_id))
    with read_session(app.state.engine) as session:
        from comity.dossiers.models import DossierRecord

        ref = session.get(DossierRecord, dossier_id).reference  # type: ignore[union-attr]
    post(leo, "/tracking/answer", csrf, ref=str(ref), item_id=str(item_id), decision="removed")


_SESSION_ONLY = frozenset({"user.login", "user.logout", "user.password"})


def _trail(engine: Engine, after: int) -> tuple[int, list[tuple[str, str, str]]]:
    with read_session(engine) as session:
        rows = session.execute(
            select(AuditEvent.seq, AuditEvent.action, AuditEvent.object_type, AuditEvent.actor)
            .where(AuditEvent.seq > after)
            .order_by(AuditEvent.seq)
        ).all()
    last = rows[-1][0] if rows else after
    return last, [(a, t, who) for _, a, t, who in rows if a not in _SESSION_ONLY]


def test_the_same_job_through_the_pages_and_the_api_leaves_the_same_audit_chain(
    api: tuple[TestClient, dict[str, dict[str, str]]], engine: Engine, passwords: str
) -> None:
    client, h = api
    start, _ = _trail(engine, 0)
    _page_steps(client.app, URL)
    middle, by_pages = _trail(engine, start)
    _api_steps(client, h, URL.replace("post-1", "post-2"))
    _, by_api = _trail(engine, middle)
    assert by_api == by_pages
    for step in (
        ("proposal.create", "alice"),
        ("proposal.approve", "rita"),
        ("dossier.issue", "leo"),
        ("request.answer", "leo"),
    ):
        assert step in {(a, who) for a, _, who in by_api}


def _missing(app: Any, proposal_id: int) -> list[str]:
    """The facts a reviewer must name as established to approve the proposal."""
    from comity.cases.service import get_proposal, missing_facts

    with read_session(app.state.engine) as session:
        return missing_facts(get_proposal(session=session, proposal_id=proposal_id))
