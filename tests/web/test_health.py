"""/healthz and /readyz: what a load balancer sees when the database, the schema or Redis fails."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, create_engine, text

from comity.core.settings import Settings
from comity.web.app import create_app
from tests.web.conftest import LOCAL, TestClient


def _get(app: FastAPI, path: str) -> tuple[int, dict[str, object], str]:
    with TestClient(app, base_url=LOCAL) as client:
        answer = client.get(path)
    return answer.status_code, answer.json(), answer.headers.get("cache-control", "")


def _closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_live_and_ready_on_an_upgraded_database(app: FastAPI) -> None:
    assert _get(app, "/healthz") == (200, {"status": "ok"}, "no-store")
    status, body, _ = _get(app, "/readyz")
    assert (status, body) == (200, {"status": "ready", "checks": {"database": "ok", "queue": "ok"}})


@contextmanager
def _schema_version(engine: Engine, version: str) -> Iterator[None]:
    """The stored schema version set to `version` for the block, then put back: on
    PostgreSQL the tests share one database (emptied, not recreated, between tests),
    and a wrong version left behind makes the next test's start-up migrate again."""
    with engine.begin() as conn:
        stored = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": version})
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": stored})


def test_a_schema_behind_the_code_is_not_ready(app: FastAPI, engine: Engine) -> None:
    # A release's web process started before `comity db upgrade` ran.
    with _schema_version(engine, "0001"):
        status, body, _ = _get(app, "/readyz")
        # Liveness does not depend on it: restarting the process would not help.
        live = _get(app, "/healthz")[0]
    assert status == 503
    assert body["checks"] == {"database": "behind", "queue": "ok"}
    assert live == 200
    assert _get(app, "/readyz")[0] == 200  # put back: ready again


def test_a_schema_ahead_of_the_code_is_not_ready(app: FastAPI, engine: Engine) -> None:
    # An old release's process left running after the new release migrated.
    with _schema_version(engine, "9999"):
        checks = _get(app, "/readyz")[1]["checks"]
    assert checks == {"database": "ahead", "queue": "ok"}


def test_a_database_gone_after_start_is_named_without_its_error(app: FastAPI) -> None:
    # The process started (it checks the schema then); later the PostgreSQL server went
    # down: nothing listens on its port any more.
    url = f"postgresql+psycopg://comity@127.0.0.1:{_closed_port()}/postgres"
    app.state.engine = create_engine(url, connect_args={"connect_timeout": 1})
    status, body, _ = _get(app, "/readyz")
    assert status == 503
    assert body == {"status": "not ready", "checks": {"database": "unreachable", "queue": "ok"}}
    assert _get(app, "/healthz")[0] == 200


def test_an_unreachable_redis_queue_is_not_ready(settings: Settings) -> None:
    down = settings.model_copy(update={"queue_url": f"redis://127.0.0.1:{_closed_port()}/0"})
    status, body, _ = _get(create_app(down), "/readyz")
    assert status == 503
    assert body["checks"] == {"database": "ok", "queue": "unreachable"}
    # The answer says which check failed, never the URL or the error text.
    assert "127.0.0.1" not in str(body)


def test_a_reachable_redis_queue_is_ready(settings: Settings) -> None:
    url = os.environ.get("COMITY_TEST_REDIS_URL")
    if not url:
        pytest.skip("COMITY_TEST_REDIS_URL not set: run `make test`, which starts Redis")
    up = settings.model_copy(update={"queue_url": url})
    assert _get(create_app(up), "/readyz")[:2] == (
        200,
        {"status": "ready", "checks": {"database": "ok", "queue": "ok"}},
    )
