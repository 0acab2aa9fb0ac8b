"""Fixtures: a loopback site, items pointing at it, and a fast, polite prober."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from comity.core.db import session_scope, utcnow
from comity.evidence.guard import Guard, make_resolver
from comity.evidence.models import Evidence
from comity.intake.service import add_report
from comity.tracking.monitor import Hooks
from comity.tracking.probe import Politeness, Prober
from tests.conftest import TEST_SERVER_PORTS
from tests.tracking.servers import Site

FAST = Politeness(rate=1000.0, per_host=4, timeout=0.5, retries=1, backoff=0.01)


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    yield server
    server.close()


def add_item(engine: Engine, url: str, baseline: bytes | None = None) -> int:
    """An item at `url`; with `baseline`, an ok Evidence row with that content's hash."""
    with session_scope(engine) as session:
        item, _, _ = add_report(
            session=session,
            url=url,
            conduct="terrorism.incitement",
            actor="alice",
            allow=("127.0.0.1", "::1"),
        )
        if baseline is not None:
            session.add(
                Evidence(
                    item_id=item.id,
                    captured_at=utcnow(),
                    requested_url=url,
                    outcome="ok",
                    headers=[],
                    content_sha256=hashlib.sha256(baseline).hexdigest(),
                    captured_by="alice",
                )
            )
        return item.id


def prober_hooks(politeness: Politeness = FAST, **routes: tuple[str, int]) -> Hooks:
    guard = Guard.from_entries(("127.0.0.1",), TEST_SERVER_PORTS)
    resolver = make_resolver(())
    return Hooks(prober=lambda: Prober(guard=guard, resolver=resolver, politeness=politeness))
