"""tools/services.sh never lets the tests run against a server it did not start.

Before issue 13 it used fixed ports and, when something already answered on
them, exported that server's URL: the suite then truncated a stranger's
database. Each test runs the script in a temporary var/ folder
(COMITY_SERVICES_VAR), so the checkout's own test servers are never touched.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "services.sh"
HAVE_PG = bool(glob.glob("/usr/lib/postgresql/*/bin/initdb") or shutil.which("initdb"))
HAVE_REDIS = bool(shutil.which("redis-server") and shutil.which("redis-cli"))


class FakeRedis:
    """A stranger on a port: answers PONG to every command (so `redis-cli ping` succeeds)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.contacted = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.contacted.set()
            with conn:
                conn.settimeout(2)
                try:
                    while conn.recv(4096):
                        conn.sendall(b"+PONG\r\n")
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def strangers() -> Iterator[tuple[FakeRedis, FakeRedis]]:
    pg, redis = FakeRedis(), FakeRedis()
    yield pg, redis
    pg.close()
    redis.close()


def _run(var: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("COMITY_TEST_")}
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        env=clean | {"COMITY_SERVICES_VAR": str(var)} | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(not (HAVE_PG and HAVE_REDIS), reason="needs Debian postgresql and redis")
def test_a_foreign_server_holding_the_test_ports_is_refused_not_used(
    tmp_path: Path, strangers: tuple[FakeRedis, FakeRedis]
) -> None:
    pg, redis = strangers
    done = _run(
        tmp_path,
        "start",
        COMITY_TEST_PG_PORT=str(pg.port),
        COMITY_TEST_REDIS_PORT=str(redis.port),
    )
    assert done.returncode != 0
    assert f"refusing PostgreSQL on 127.0.0.1:{pg.port}" in done.stderr
    assert f"refusing Redis on 127.0.0.1:{redis.port}" in done.stderr
    written = (tmp_path / "test-services.env").read_text()
    assert "COMITY_TEST_PG_URL" not in written and "COMITY_TEST_REDIS_URL" not in written
    _run(tmp_path, "stop")
    assert not (tmp_path / "test-services.env").exists()
    assert list((tmp_path / "services").iterdir()) == []


@pytest.mark.skipif(not HAVE_REDIS, reason="needs Debian redis")
def test_a_stranger_that_took_over_a_recorded_port_fails_the_check_and_is_not_shut_down(
    tmp_path: Path, strangers: tuple[FakeRedis, FakeRedis]
) -> None:
    _, redis = strangers
    run = tmp_path / "services" / "run-x"
    run.mkdir(parents=True)
    (tmp_path / "test-services.env").write_text(
        f"export COMITY_TEST_SERVICES_DIR={run}\n"
        f"export COMITY_TEST_REDIS_PORT={redis.port}\n"
        f"export COMITY_TEST_REDIS_URL=redis://127.0.0.1:{redis.port}/0\n"
    )
    checked = _run(tmp_path, "check")
    assert checked.returncode == 1
    assert "not this run's" in checked.stderr
    assert redis.contacted.is_set()  # it was asked who it is, and the answer was wrong
    _run(tmp_path, "stop")
    # The stranger still serves: stop shuts down only servers that prove they are ours.
    with socket.create_connection(("127.0.0.1", redis.port), timeout=2) as conn:
        conn.sendall(b"PING\r\n")
        assert conn.recv(16) == b"+PONG\r\n"


@pytest.mark.skipif(not (HAVE_PG and HAVE_REDIS), reason="needs Debian postgresql and redis")
def test_free_ports_come_from_the_os_when_none_is_named() -> None:
    # Not tmp_path: pytest makes it private to root, and PostgreSQL runs as `postgres`.
    with tempfile.TemporaryDirectory(prefix="comity-services-") as folder:
        os.chmod(folder, 0o755)
        _start_check_stop(Path(folder))


def _start_check_stop(tmp_path: Path) -> None:
    started = _run(tmp_path, "start")
    try:
        assert started.returncode == 0, started.stderr
        env = dict(
            line.removeprefix("export ").split("=", 1)
            for line in (tmp_path / "test-services.env").read_text().splitlines()
        )
        run = Path(env["COMITY_TEST_SERVICES_DIR"])
        assert run.parent == tmp_path / "services"
        assert env["COMITY_TEST_PG_URL"].endswith(f":{env['COMITY_TEST_PG_PORT']}/postgres")
        assert _run(tmp_path, "check").returncode == 0
    finally:
        _run(tmp_path, "stop")
    assert not run.exists()


def test_the_suite_refuses_to_start_when_the_recorded_servers_are_not_this_runs(
    tmp_path: Path,
) -> None:
    # The env file says nothing of ours runs there (a stranger may hold the port now).
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMITY_TEST_")}
    env |= {
        "COMITY_TEST_SERVICES_DIR": str(tmp_path / "gone"),
        "COMITY_SERVICES_VAR": str(tmp_path),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            __file__,
            "-k",
            "free_ports",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 3, done.stdout + done.stderr
    assert "are not this run's" in done.stdout + done.stderr
