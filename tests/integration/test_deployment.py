"""The deployment recipe of docs/deployment.md, on loopback: PostgreSQL, Redis,
two `comity serve` processes (one of them `--workers 2`) and a `comity worker`,
all real subprocesses sharing one set of settings.

An item reported through web process A is checked by the worker (a monitor job
against a loopback site), its result read through web process B, the audit
chain verified; then B is killed and A keeps serving.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine

from comity.core.db import session_scope
from comity.web.tokens import create_token
from tests.conftest import create_pg_database, drop_pg_database
from tests.tracking.servers import Answer, Site

pytestmark = pytest.mark.slow

PAGE = b"<html><title>reported</title>a reported page</html>"
REDIS_DB = 9  # a database of its own: other tests' workers share the server's db 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(what: Callable[[], Any], timeout: float, message: str) -> Any:
    end = time.monotonic() + timeout
    while True:
        try:
            value = what()
        except httpx.HTTPError:
            value = None
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"{message} within {timeout:.0f} s")
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Stop `process` and everything it started (its own session), in bounded time."""
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    # uvicorn's worker processes die with their supervisor; make sure of it
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[dict[str, str]]:
    pg = os.environ.get("COMITY_TEST_PG_URL")
    redis = os.environ.get("COMITY_TEST_REDIS_URL")
    if not pg or not redis:
        pytest.skip("COMITY_TEST_PG_URL / COMITY_TEST_REDIS_URL not set: run `make test`")
    name = f"comity_deploy_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = create_pg_database(pg, name)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("COMITY_") or key.startswith("COMITY_TEST_")
    } | {
        "COMITY_HOME": str(tmp_path),
        "COMITY_DATABASE_URL": url,
        "COMITY_QUEUE_URL": redis.rsplit("/", 1)[0] + f"/{REDIS_DB}",
        "COMITY_MODE": "production",
        "COMITY_SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
        "COMITY_TRUSTED_PROXIES": "127.0.0.1",
        "COMITY_FETCH_ALLOW": "127.0.0.1",
        "COMITY_FETCH_ALLOWED_PORTS": "1024-65535",
    }
    try:
        yield env
    finally:
        drop_pg_database(pg, name)


def _comity(env: dict[str, str], *args: str, stdin: str = "") -> str:
    done = subprocess.run(
        [sys.executable, "-m", "comity", *args],
        env=env,
        input=stdin.encode(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return done.stdout.decode()


def _start(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "comity", *args],
            env=env,
            stdout=handle,
            stderr=handle,
            start_new_session=True,
        )


def test_two_web_processes_and_a_worker_share_postgresql_and_redis(
    deployment: dict[str, str], tmp_path: Path
) -> None:
    env = deployment
    _comity(env, "db", "upgrade")
    _comity(
        env,
        "user",
        "add",
        "ada",
        "--role",
        "admin",
        "--password-stdin",
        stdin=uuid.uuid4().hex + "\n",
    )
    engine = create_engine(env["COMITY_DATABASE_URL"])
    with session_scope(engine) as session:
        token = create_token(
            session=session,
            actor="ada",
            user=None,
            name="deploy",
            scopes=["read", "intake", "admin"],
            days=1,
        ).token
    engine.dispose()
    auth = {"Authorization": f"Bearer {token}"}
    site = Site()
    site.answers["/page"] = Answer(body=PAGE, headers={"Content-Type": "text/html"})
    port_a, port_b = _free_port(), _free_port()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        web_a = _start(env, tmp_path / "a.log", "serve", "--port", str(port_a), "--workers", "2")
        web_b = _start(env, tmp_path / "b.log", "serve", "--port", str(port_b))
        worker = _start(env, tmp_path / "worker.log", "worker")
        processes += [web_a, web_b, worker]
        a = httpx.Client(base_url=f"http://127.0.0.1:{port_a}", headers=auth, timeout=10)
        b = httpx.Client(base_url=f"http://127.0.0.1:{port_b}", headers=auth, timeout=10)
        for client in (a, b):
            # What the load balancer polls: database at the schema head, Redis answering.
            _wait(lambda c=client: c.get("/readyz").status_code == 200, 180, "web ready")
            assert client.get("/readyz").json()["checks"] == {"database": "ok", "queue": "ok"}
            assert client.get("/api/v1/me").status_code == 200

        created = a.post(
            "/api/v1/items", json={"url": site.url("/page"), "conduct": "terrorism.incitement"}
        )
        assert created.status_code == 201, created.text
        item_id = created.json()["id"]

        submitted = _comity(
            env | {"COMITY_USER": "ada", "COMITY_TOKEN": token},
            "jobs",
            "submit",
            "monitor",
            str(item_id),
            "--json",
        )
        assert '"queued": true' in submitted

        def checked() -> list[str]:
            history = b.get(f"/api/v1/items/{item_id}").json()["history"]
            return [event["action"] for event in history if "monitor" in event["action"]]

        actions = _wait(checked, 60, "the worker's monitor check visible through B")
        print(actions)
        assert [path for path, _ in site.hits] == ["/page"]

        verified = b.get("/api/v1/audit/verify")
        assert verified.status_code == 200 and verified.json()["ok"] is True, verified.text

        _stop(web_b, signal.SIGKILL)
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port_b}/api/v1/me", headers=auth, timeout=2)
        for _ in range(10):  # new connections too, spread over A's two processes
            with httpx.Client(base_url=f"http://127.0.0.1:{port_a}", headers=auth) as fresh:
                assert fresh.get(f"/api/v1/items/{item_id}").status_code == 200
        a.close()
        b.close()
    finally:
        for process in processes:
            _stop(process)
        site.close()
        for log in sorted(tmp_path.glob("*.log")):  # shown when the test fails
            print(f"--- {log.name}", log.read_text(errors="replace")[-3000:], sep="\n")
    assert all(process.poll() is not None for process in processes)
