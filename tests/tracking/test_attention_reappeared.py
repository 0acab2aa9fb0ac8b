"""A removed item whose content is re-uploaded at another URL needs a follow-up (issue 17)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import typer
from sqlalchemy import Engine
from typer.testing import CliRunner

from comity.core.db import read_session
from comity.tracking.attention import attention
from comity.tracking.cli import register
from comity.tracking.models import MonitorState
from comity.tracking.monitor import monitor_items
from tests.reports.conftest import World, build_world
from tests.tracking.conftest import prober_hooks
from tests.tracking.reupload import PAGE, reupload
from tests.tracking.servers import Answer, Site


@pytest.fixture
def world(engine: Engine, staff: dict[str, str]) -> World:
    return build_world(engine)


def _listed(engine: Engine) -> list[dict[str, Any]]:
    with read_session(engine) as session:
        return attention(session=session)


def test_removed_content_reuploaded_elsewhere_is_listed_with_the_copy_and_a_draft(
    engine: Engine, world: World, site: Site
) -> None:
    site.answers["/copy"] = Answer(200, PAGE)
    removed, copy = reupload(engine, world, site.url("/copy"))

    [row] = _listed(engine)
    assert (row["kind"], row["item_id"], row["verdict"]) == ("reappeared", removed, "reappeared")
    assert row["copy_url"] == site.url("/copy")
    assert row["copies"] == [{"item_id": copy, "url": site.url("/copy")}]
    draft = row["followup"]
    assert draft.startswith("To: Central Authority Person Name\n")
    assert "Subject: Follow-up to our request KZ-CTC-2099-0003" in draft
    day = (world.sent_on + timedelta(days=8)).isoformat()  # the monitor saw it gone then
    assert f"({world.urls[9]}) was removed on {day}" in draft
    assert f"accessible again at another address: {site.url('/copy')}" in draft
    assert "on the same grounds as those set out in our request KZ-CTC-2099-0003" in draft


def test_a_reupload_removed_in_its_turn_no_longer_needs_attention(
    engine: Engine, world: World, site: Site
) -> None:
    site.answers["/copy"] = Answer(200, PAGE)
    removed, copy = reupload(engine, world, site.url("/copy"))
    hooks = prober_hooks()
    [up] = monitor_items(engine=engine, actor="alice", hooks=hooks, item_ids=[copy])
    assert up["verdict"] == "up"
    assert [r["item_id"] for r in _listed(engine)] == [removed]  # the copy is still online

    site.answers["/copy"] = Answer(410, b"gone")
    [gone] = monitor_items(engine=engine, actor="alice", hooks=hooks, item_ids=[copy])
    assert gone["verdict"] == "removed"
    assert _listed(engine) == []
    with read_session(engine) as session:  # the re-upload happened: the verdict stays
        state = session.get_one(MonitorState, removed)
        assert state.verdict == "reappeared"


def test_track_attention_says_where_the_removed_content_is_back_in_words(
    engine: Engine, world: World, site: Site
) -> None:
    app = typer.Typer()
    register(app)
    reupload(engine, world, site.url("/copy"))
    result = CliRunner().invoke(app, ["track", "attention"])
    assert result.exit_code == 0, result.stdout + result.stderr
    said = " ".join(result.stdout.split())  # the console wraps long lines
    assert f"(NL): removed, but the same content is online at {site.url('/copy')}" in said
    assert "We request its removal on the same grounds" in said
