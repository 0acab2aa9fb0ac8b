"""Request threads bounded by database connections: 30 requests at once on a process
whose pool lends 2 connections all succeed, in turn (bench_scale saw 500s from
"QueuePool limit ... reached" when 40 threads shared 15 connections)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI
from sqlalchemy import create_engine

from comity.core.settings import Settings
from comity.web.threads import pool_capacity
from tests.cases.conftest import make_item
from tests.web.conftest import LOCAL, TestClient, log_in


def test_more_requests_than_connections_wait_their_turn_and_none_fails(
    app: FastAPI, settings: Settings, passwords: str
) -> None:
    for n in range(30):
        make_item(app.state.engine, url=f"https://many.example/post/{n}")
    # Two connections, and a thread that waits for one gives up after 10 ms.
    small = create_engine(
        settings.resolved_database_url, pool_size=2, max_overflow=0, pool_timeout=0.01
    )
    assert pool_capacity(small.pool) == 2
    with TestClient(app, base_url=LOCAL) as client:
        log_in(client, "alice")
        app.state.engine = small
        with ThreadPoolExecutor(max_workers=30) as pool:
            answers = list(
                pool.map(lambda n: client.get(f"/items?q=post&page={1 + n % 3}"), range(60))
            )
    assert [a.status_code for a in answers] == [200] * 60
    small.dispose()


def test_other_pools_are_not_bounded() -> None:
    # SQLite's in-memory databases use a pool with no fixed size: nothing to match.
    assert pool_capacity(create_engine("sqlite://").pool) is None
