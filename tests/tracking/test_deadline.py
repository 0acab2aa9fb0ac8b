"""Attacker story: one hostile host trying to hold the monitor's whole batch.

A server that sends one byte every half second answers every single read in
time, so a per-read timeout never fires; only an overall deadline per check
(headers, body, redirects and retries together) cuts it.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, select

from comity.core.db import read_session
from comity.core.settings import Settings
from comity.tracking.models import MonitorCheck
from comity.tracking.monitor import monitor_items
from comity.tracking.runtime import hooks_from_settings
from tests.tracking.conftest import add_item
from tests.tracking.servers import Answer, Site

PAGE = b"<html><body>the reported post</body></html>"


def test_a_server_dribbling_one_byte_every_half_second_cannot_hold_the_monitor_batch(
    engine: Engine, staff: dict[str, str], site: Site, settings: Settings
) -> None:
    site.answers.update(
        {
            "/drip": Answer(200, b"x" * 40, drip=0.5),  # 20 s for the whole body
            "/hop": Answer(302, b"", {"Location": "/drip"}),
            "/up": Answer(200, PAGE),
            "/gone": Answer(410, b"gone"),
        }
    )
    ids = {
        path: add_item(engine, site.url(path), PAGE) for path in ("/drip", "/hop", "/up", "/gone")
    }
    bounded = settings.model_copy(
        update={"monitor_deadline_seconds": 2.0, "fetch_timeout_seconds": 5.0}
    )
    hooks = hooks_from_settings(
        bounded, engine=engine, actor="alice", evidence=False, reattribute=False
    )
    results = {
        r["item_id"]: r
        for r in monitor_items(engine=engine, actor="alice", hooks=hooks, everything=True)
    }
    assert results[ids["/up"]]["verdict"] == "up"
    assert results[ids["/gone"]]["verdict"] == "removed"
    for path in ("/drip", "/hop"):  # directly, and behind a redirect
        assert results[ids[path]]["verdict"] == "unreachable"
    with read_session(engine) as session:
        details = {
            c.item_id: c.detail
            for c in session.scalars(select(MonitorCheck))
            if c.item_id in ids.values()
        }
    for path in ("/drip", "/hop"):
        assert details[ids[path]].startswith("deadline: overall deadline of 2 s reached")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("fetch_timeout_seconds", "0"),
        ("monitor_deadline_seconds", "3600"),
        ("capture_deadline_seconds", "-1"),
    ],
)
def test_fetch_deadline_settings_are_bounded(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(f"COMITY_{name.upper()}", value)
    with pytest.raises(ValidationError, match=name):
        Settings()
