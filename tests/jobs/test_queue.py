"""Jobs on a real queue (SQLite, and Redis when COMITY_TEST_REDIS_URL is set): a worker
killed mid-job loses nothing and repeats nothing; duplicate delivery is harmless."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from comity.core.db import read_session
from comity.core.errors import BadInput
from comity.core.settings import Settings, override_settings
from comity.jobs.handlers import schedule_due_monitoring
from comity.jobs.models import JobRun
from comity.jobs.queue import Queue, make_huey
from comity.tracking.models import MonitorCheck
from tests.tracking.conftest import add_item
from tests.tracking.servers import Answer, Site

PAGE = b"<html>a reported page</html>"
WORKER = (
    "from datetime import timedelta; from comity.core.settings import get_settings; "
    "from comity.jobs.worker import run_worker; "
    "run_worker(get_settings(), lease=timedelta(seconds=1))"
)


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    yield server
    server.close()


@pytest.fixture(params=["sqlite", "redis"])
def queue_settings(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Settings]:
    if request.param == "sqlite":
        yield settings
        return
    url = os.environ.get("COMITY_TEST_REDIS_URL")
    if not url:
        pytest.skip("COMITY_TEST_REDIS_URL not set: run `make test`, which starts Redis")
    with override_settings(settings.model_copy(update={"queue_url": url})) as current:
        yield current


def _wait(what: Callable[[], bool], timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not what():
        if time.monotonic() > end:
            raise AssertionError("condition not reached in time")
        time.sleep(0.1)


def _job(engine: Engine, key: str) -> JobRun:
    with read_session(engine) as session:
        job = session.get_one(JobRun, key)
        session.expunge(job)  # read_session rolls back, which would expire it
        return job


def _checks(engine: Engine, key: str) -> int:
    """Checks stored by job `key` (a batch job's are keyed `key/item id`)."""
    with read_session(engine) as session:
        query = (
            select(func.count())
            .select_from(MonitorCheck)
            .where(
                (MonitorCheck.job_key == key)
                | MonitorCheck.job_key.startswith(f"{key}/", autoescape=True)
            )
        )
        return int(session.scalar(query) or 0)


def _start_worker(settings: Settings, log: str) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "COMITY_HOME": str(settings.home),
        "COMITY_DATABASE_URL": settings.resolved_database_url,
        "COMITY_FETCH_ALLOW": "127.0.0.1,::1",
        "COMITY_FETCH_ALLOWED_PORTS": ",".join(settings.fetch_allowed_ports),
        "COMITY_USER": "alice",
    }
    if settings.queue_url:
        env["COMITY_QUEUE_URL"] = settings.queue_url
    with open(log, "ab") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-c", WORKER], env=env, stdout=handle, stderr=handle
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_worker_killed_mid_job_loses_nothing_and_repeats_nothing(
    queue_settings: Settings, engine: Engine, staff: dict[str, str], site: Site
) -> None:
    site.answers["/p"] = Answer(200, PAGE, delay=60.0)  # the first attempt hangs
    item_id = add_item(engine, site.url("/p"), PAGE)
    queue = Queue(queue_settings, lease=timedelta(seconds=1))
    key, queued = queue.submit("monitor", item_id, uuid.uuid4().hex[:8], {"actor": "alice"})
    assert queued
    log = str(queue_settings.home / "worker.log")
    first = _start_worker(queue_settings, log)
    try:
        _wait(lambda: any(path == "/p" for path, _ in site.hits))
        assert _job(engine, key).state == "running"
        first.send_signal(signal.SIGKILL)  # mid-job: the request is in flight
        first.wait()
    finally:
        _stop(first)
    assert _checks(engine, key) == 0  # nothing half-stored
    site.answers["/p"] = Answer(200, PAGE)
    time.sleep(1.2)  # the dead worker's lease expires
    second = _start_worker(queue_settings, log)
    try:
        _wait(lambda: _job(engine, key).state == "done")
    finally:
        _stop(second)
    job = _job(engine, key)
    assert job.attempts == 2
    assert job.result == {"item_id": item_id}
    assert _checks(engine, key) == 1  # stored once
    # a duplicate delivery of the finished job does nothing
    assert queue.run(key) is None
    assert _checks(engine, key) == 1


def test_duplicate_delivery_and_resubmission_are_harmless(
    queue_settings: Settings, engine: Engine, staff: dict[str, str], site: Site
) -> None:
    site.answers["/p"] = Answer(200, PAGE)
    item_id = add_item(engine, site.url("/p"), PAGE)
    queue = Queue(queue_settings)
    with override_settings(queue_settings.model_copy(update={"user": "alice"})):
        key, _ = queue.submit("monitor", item_id, "v1", {"actor": "alice"})
        first = queue.run(key)  # delivered once...
        second = queue.run(key)  # ...and again
    assert first is not None and first["verdict"] == "up"
    assert second is None
    assert _checks(engine, key) == 1
    again_key, queued = queue.submit("monitor", item_id, "v1", {"actor": "alice"})
    assert (again_key, queued) == (key, False)
    assert _job(engine, key).attempts == 1


def test_a_failing_job_is_released_for_retry_with_its_error(
    settings: Settings, engine: Engine, staff: dict[str, str]
) -> None:
    queue = Queue(settings)
    key, _ = queue.submit("monitor", 999_999, "v1", {"actor": "alice"})
    with pytest.raises(Exception, match="item 999999 does not exist"):
        queue.run(key)
    job = _job(engine, key)
    assert (job.state, job.attempts) == ("queued", 1)
    assert job.error is not None and "999999" in job.error


def test_unknown_kind_and_queue_url_are_refused(settings: Settings) -> None:
    with pytest.raises(BadInput, match="valid kinds are attribute, capture, monitor"):
        Queue(settings).submit("frobnicate", 1, 1)
    with pytest.raises(BadInput, match="COMITY_QUEUE_URL"):
        make_huey(settings.model_copy(update={"queue_url": "amqp://x"}))


def test_scheduled_monitoring_checks_due_items_in_batches_once(
    settings: Settings, engine: Engine, staff: dict[str, str], site: Site
) -> None:
    site.answers.update({f"/p{i}": Answer(200, PAGE) for i in range(5)})
    ids = [add_item(engine, site.url(f"/p{i}"), PAGE) for i in range(5)]
    queue = Queue(settings.model_copy(update={"user": "alice"}))
    # the queue is not consumed here: jobs are run by hand, as a worker would
    assert schedule_due_monitoring(queue, batch=2) == 5
    assert schedule_due_monitoring(queue, batch=2) == 5  # run again before the jobs: no new job
    with read_session(engine) as session:
        jobs = session.scalars(
            select(JobRun).where(JobRun.kind == "monitor_batch").order_by(JobRun.object_id)
        ).all()
        batches = [(job.key, job.params["items"]) for job in jobs]
    assert sorted(items for _, items in batches) == [ids[0:2], ids[2:4], ids[4:5]]
    with override_settings(settings.model_copy(update={"user": "alice"})):
        for key, items in batches:
            assert queue.run(key) == {"items": len(items)}
            assert _checks(engine, key) == len(items)
            assert queue.run(key) is None  # a second delivery does nothing
        assert schedule_due_monitoring(queue) == 0  # all checked: nothing is due
        # a batch overtaken by a newer one (here: its items were checked since) checks nothing
        stale_key, _ = queue.submit(
            "monitor_batch", "stale", "v1", {"actor": "alice", "items": ids}
        )
        assert queue.run(stale_key) == {"items": 5}
    assert _checks(engine, stale_key) == 0
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(MonitorCheck)) == 5
