"""API conventions (issue 20): problem details naming the field, ETag and If-Match (a
decision on a stale proposal is refused 412), Idempotency-Key (a replay gets the first
answer, another body with the same key 422), keyset cursors matching the worklist's
filters, and rate limits per token with RateLimit fields and 429 + Retry-After."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from fastapi import FastAPI
from sqlalchemy import Engine, func, select, update

from comity.cases.models import Proposal
from comity.core.audit import AuditEvent
from comity.core.db import read_session, session_scope
from comity.core.settings import Settings
from comity.intake.models import Item
from comity.web.app import create_app
from tests.web.conftest import LOCAL, TestClient
from tests.web.test_workflow_pages import _item, _proposal


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_a_reviewer_deciding_on_a_proposal_changed_since_they_read_it_gets_412(
    client: TestClient, tokens: dict[str, str], engine: Engine
) -> None:
    proposal_id = _proposal(engine, _item(engine, "https://stale.example/a"))
    rita = _bearer(tokens["legal_reviewer"])
    read = client.get(f"/api/v1/proposals/{proposal_id}", headers=rita)
    etag = read.headers["etag"]
    assert etag.startswith('"') and read.json()["state"] == "proposed"
    # meanwhile the analyst edits the proposal's note (any change to what rita read)
    with session_scope(engine) as session:
        session.execute(update(Proposal).where(Proposal.id == proposal_id).values(note="changed"))
    stale = client.post(
        f"/api/v1/proposals/{proposal_id}/decision",
        json={"decision": "approve", "reason": "fine"},
        headers=rita | {"If-Match": etag},
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.json()["field"] == "If-Match"
    assert stale.json()["type"] == "urn:comity:problem:stale-object"
    with read_session(engine) as session:
        assert session.get(Proposal, proposal_id).state == "proposed"  # type: ignore[union-attr]
    fresh = client.get(f"/api/v1/proposals/{proposal_id}", headers=rita).headers["etag"]
    assert fresh != etag
    decided = client.post(
        f"/api/v1/proposals/{proposal_id}/decision",
        json={"decision": "reject", "reason": "not proportionate"},
        headers=rita | {"If-Match": fresh},
    )
    assert _ok(decided)["state"] == "rejected"


def test_a_weak_or_unknown_etag_never_matches_but_star_does(
    client: TestClient, tokens: dict[str, str], engine: Engine
) -> None:
    item_id = _item(engine, "https://etag.example/a")
    alice = _bearer(tokens["analyst"])
    etag = client.get(f"/api/v1/items/{item_id}", headers=alice).headers["etag"]
    for sent in (f"W/{etag}", '"nope"'):
        response = client.post(
            f"/api/v1/items/{item_id}/attribute", headers=alice | {"If-Match": sent}
        )
        assert response.status_code == 412, sent
    # an anonymous caller learns nothing about the object's version
    anonymous = client.post(f"/api/v1/items/{item_id}/attribute", headers={"If-Match": etag})
    assert anonymous.status_code == 401


def test_a_replayed_idempotency_key_returns_the_first_answer_and_writes_once(
    client: TestClient, tokens: dict[str, str], engine: Engine
) -> None:
    alice = _bearer(tokens["analyst"]) | {"Idempotency-Key": "report-7f3a"}
    body = {"url": "https://once.example/a", "conduct": "terrorism.glorification"}
    first = client.post("/api/v1/items", json=body, headers=alice)
    again = client.post("/api/v1/items", json=body, headers=alice)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    with read_session(engine) as session:
        reports = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "report.add")
        )
    assert reports == 1
    other = client.post("/api/v1/items", json=body | {"note": "another request"}, headers=alice)
    assert other.status_code == 422
    assert other.json()["field"] == "Idempotency-Key"
    # keys belong to their credential: another user's same key is a new request
    sam = _bearer(tokens["supervisor"]) | {"Idempotency-Key": "report-7f3a"}
    assert client.post("/api/v1/items", json=body, headers=sam).status_code == 201


def test_an_idempotency_key_that_is_not_visible_ascii_is_refused_by_name(
    client: TestClient, tokens: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/items",
        json={"url": "https://k.example/", "conduct": "terrorism.threat"},
        headers=_bearer(tokens["analyst"]) | {"Idempotency-Key": "a key with spaces"},
    )
    assert response.status_code == 400 and response.json()["field"] == "Idempotency-Key"


def test_the_worklist_cursor_walks_every_item_once_in_the_pages_order_with_filters(
    client: TestClient, tokens: dict[str, str], engine: Engine
) -> None:
    ids = [_item(engine, f"https://walk.example/{n}") for n in range(9)]
    _item(engine, "https://other.example/x", conduct="terrorism.recruitment")
    levels = ["crisis", "threat_to_life", "standard"]
    with session_scope(engine) as session:
        for n, item_id in enumerate(ids):
            session.execute(update(Item).where(Item.id == item_id).values(priority=levels[n % 3]))
    reader = _bearer(tokens["auditor"])
    everything = _ok(
        client.get(
            "/api/v1/items",
            params={"conduct": "terrorism.glorification", "per_page": 200},
            headers=reader,
        )
    )
    expected = [i["id"] for i in everything["items"]]
    assert sorted(expected) == sorted(ids)
    seen: list[int] = []
    params: dict[str, Any] = {"conduct": "terrorism.glorification", "limit": 2}
    while True:
        page = _ok(client.get("/api/v1/items", params=params, headers=reader))
        seen += [i["id"] for i in page["items"]]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == expected
    wrong = client.get("/api/v1/items", params={"cursor": "W1swLDFdXQ"}, headers=reader)
    assert wrong.status_code == 400 and wrong.json()["field"] == "cursor"


def test_every_error_is_problem_details_naming_the_field(
    client: TestClient, tokens: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/items", json={"url": "https://x.example/"}, headers=_bearer(tokens["analyst"])
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["field"] == "conduct" and body["status"] == 422 and body["title"]
    assert body["errors"][0]["field"] == "conduct"
    anonymous = client.get("/api/v1/me")
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert anonymous.json()["status"] == 401


@pytest.fixture
def tight(settings: Settings, engine: Engine, staff: dict[str, str]) -> Iterator[TestClient]:
    limited = settings.model_copy(update={"api_rate_limit": 3, "api_rate_window_seconds": 3600})
    app: FastAPI = create_app(limited)
    with TestClient(app, base_url=LOCAL) as client:
        yield client


def test_a_token_past_its_rate_limit_gets_429_with_retry_after_and_others_do_not(
    tight: TestClient, tokens: dict[str, str]
) -> None:
    alice = _bearer(tokens["analyst"])
    answers = [tight.get("/api/v1/me", headers=alice) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["ratelimit-policy"] == '"default";q=3;w=3600'
    assert answers[0].headers["ratelimit"].startswith('"default";r=2;t=')
    refused = answers[3]
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "urn:comity:problem:rate-limited"
    # another token has its own budget
    assert tight.get("/api/v1/me", headers=_bearer(tokens["auditor"])).status_code == 200


def test_with_a_redis_queue_the_quota_is_the_tokens_across_web_processes(
    settings: Settings, engine: Engine, staff: dict[str, str], tokens: dict[str, str]
) -> None:
    """Two web processes (two apps, each with its own middleware and memory) behind
    one Redis: the token's quota is spent across both, not granted by each."""
    url = os.environ.get("COMITY_TEST_REDIS_URL")
    if not url:
        pytest.skip("COMITY_TEST_REDIS_URL not set: run `make test`, which starts Redis")
    # a database of Redis this test alone uses, emptied first: no count of another run
    shared = url.rsplit("/", 1)[0] + "/7"
    redis.Redis.from_url(shared).flushdb()
    limited = settings.model_copy(
        update={"api_rate_limit": 4, "api_rate_window_seconds": 3600, "queue_url": shared}
    )
    alice = _bearer(tokens["analyst"])
    with (
        TestClient(create_app(limited), base_url=LOCAL) as one,
        TestClient(create_app(limited), base_url=LOCAL) as two,
    ):
        codes = [(one if i % 2 else two).get("/api/v1/me", headers=alice) for i in range(6)]
    assert [c.status_code for c in codes] == [200, 200, 200, 200, 429, 429]
    assert codes[3].headers["ratelimit"].startswith('"default";r=0;')


def test_an_unreachable_redis_falls_back_to_counting_in_the_process(
    settings: Settings, engine: Engine, staff: dict[str, str], tokens: dict[str, str]
) -> None:
    # nothing listens on port 9 of loopback (discard): every Redis call fails fast
    limited = settings.model_copy(
        update={
            "api_rate_limit": 2,
            "api_rate_window_seconds": 3600,
            "queue_url": "redis://127.0.0.1:9/0",
        }
    )
    with TestClient(create_app(limited), base_url=LOCAL) as client:
        codes = [client.get("/api/v1/me", headers=_bearer(tokens["analyst"])) for _ in range(3)]
    assert [c.status_code for c in codes] == [200, 200, 429]
