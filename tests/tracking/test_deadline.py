"""Attacker story: one hostile host trying to hold the monitor's whole batch.

A server that sends one byte every half second answers every single read in
time, so a per-read timeout never fires; only an overall deadline per check
(headers, body, redirects and retries together) cuts it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, select

from comity.core.db import read_session
from comity.core.settings import Settings
from comity.evidence.guard import Guard
from comity.tracking.models import MonitorCheck
from comity.tracking.monitor import monitor_items
from comity.tracking.probe import Politeness, Prober, ProbeResult
from comity.tracking.runtime import hooks_from_settings
from comity.urls._addresses import IPAddress
from tests.conftest import TEST_SERVER_PORTS
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


def test_a_name_lookup_cut_by_the_deadline_does_not_hang_later_checks_of_that_host(
    site: Site,
) -> None:
    # A slow DNS answer for the first check: its deadline cuts it while the
    # lookup still runs. The next check of the same host must look it up
    # afresh, not wait on the abandoned lookup until its own deadline.
    site.answers["/up"] = Answer(200, PAGE)
    lookups: list[float] = []

    def resolver(host: str, timeout: float) -> list[IPAddress]:
        lookups.append(time.monotonic())
        if len(lookups) == 1:
            time.sleep(1.5)
        return [ipaddress.ip_address("127.0.0.1")]

    async def run() -> tuple[ProbeResult, ProbeResult]:
        polite = Politeness(rate=1000.0, timeout=5.0, deadline=0.5, retries=0)
        async with Prober(
            guard=Guard.from_entries(("127.0.0.1",), TEST_SERVER_PORTS),
            resolver=resolver,
            politeness=polite,
            routes={"slow-dns.test": ("127.0.0.1", site.port)},
        ) as prober:
            first = await prober.check("http://slow-dns.test/up")
            await asyncio.sleep(1.5)  # the abandoned lookup has finished by now
            second = await prober.check("http://slow-dns.test/up")
        return first, second

    first, second = asyncio.run(run())
    assert first.outcome == "deadline"
    assert (second.outcome, second.status) == ("ok", 200), second.error
