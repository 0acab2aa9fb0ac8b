"""Fixtures for evidence tests: loopback servers and an item pointing at them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from comity.core.db import session_scope
from comity.intake.service import add_report
from tests.evidence.servers import WebServer


@pytest.fixture
def web() -> Iterator[WebServer]:
    server = WebServer()
    yield server
    server.close()


def add_item(engine: Engine, url: str) -> int:
    with session_scope(engine) as session:
        item, _, _ = add_report(
            session=session,
            url=url,
            conduct="terrorism.incitement",
            actor="alice",
            allow=("127.0.0.1", "::1"),
        )
        return item.id
