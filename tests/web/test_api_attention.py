"""GET /api/v1/attention lists re-uploads of removed content, to readers only (issue 17)."""

from __future__ import annotations

from sqlalchemy import Engine

from comity.core.db import session_scope
from comity.web.tokens import create_token
from tests.reports.conftest import build_world
from tests.tracking.reupload import reupload
from tests.web.conftest import TestClient

COPY = "http://127.0.0.1:9/reuploads/same-video"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_api_lists_a_reappeared_item_with_its_copy_and_drafted_follow_up(
    engine: Engine, client: TestClient, tokens: dict[str, str]
) -> None:
    world = build_world(engine)
    removed, copy = reupload(engine, world, COPY)
    for role in ("liaison", "auditor"):
        response = client.get("/api/v1/attention", headers=_bearer(tokens[role]))
        assert response.status_code == 200, response.text
        [row] = response.json()["attention"]
        assert (row["kind"], row["item_id"], row["copy_url"]) == ("reappeared", removed, COPY)
        assert row["copies"] == [{"item_id": copy, "url": COPY}]
        assert world.urls[9] in row["followup"] and COPY in row["followup"]
        assert "KZ-CTC-2099-0003" in row["followup"]


def test_a_token_without_the_read_scope_cannot_read_the_drafted_follow_ups(
    engine: Engine, client: TestClient, tokens: dict[str, str]
) -> None:
    # Every role may read (roles.PERMISSIONS["read"]); what an analyst's intake-only
    # token, or no token at all, must not get is the addressees and the drafts.
    reupload(engine, build_world(engine), COPY)
    with session_scope(engine) as session:
        intake_only = create_token(
            session=session, actor="alice", name="intake", scopes=["intake"]
        ).token
    assert client.get("/api/v1/attention", headers=_bearer(intake_only)).status_code == 403
    assert client.get("/api/v1/attention").status_code == 401
