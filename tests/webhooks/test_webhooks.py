"""Outgoing webhooks through the real job queue to real HTTP servers on 127.0.0.1:
signed as Standard Webhooks describes, retried with backoff, never following a
redirect, bounded against a slow endpoint, refused for a private address unless
loopback is explicitly allowed; one bad endpoint never holds up the others."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import Engine, select

from comity.core.db import read_session, session_scope
from comity.core.settings import Settings, override_settings
from comity.intake.service import add_report
from comity.jobs.queue import RETRY_BACKOFF, Queue
from comity.webhooks import service
from comity.webhooks.events import fan_out
from comity.webhooks.jobs import dispatch_pending
from comity.webhooks.models import WebhookAttempt, WebhookDelivery
from comity.webhooks.signing import InvalidSignature, verify


class Receiver:
    """An HTTP server on 127.0.0.1 whose paths behave as named: /ok, /slow, /redirect,
    /flaky (500 twice, then 200), /down (always 500)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.calls: dict[str, int] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                path = self.path
                outer.calls[path] = outer.calls.get(path, 0) + 1
                if path == "/slow":
                    time.sleep(2.0)
                if path == "/redirect":
                    self.send_response(307)
                    self.send_header("Location", f"http://127.0.0.1:{outer.port}/ok")
                    self.end_headers()
                    return
                failing = path == "/down" or (path == "/flaky" and outer.calls[path] <= 2)
                if not failing:
                    outer.received.append((path, dict(self.headers.items()), body))
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def hooks(settings: Settings, staff: dict[str, str]) -> Iterator[Settings]:
    loopback = settings.model_copy(
        update={"webhook_allow_loopback": True, "webhook_timeout_seconds": 0.5}
    )
    with override_settings(loopback) as current:
        yield current


def _drain(queue: Queue, *, rounds: int = 200) -> list[float]:
    """Run every queued job, then every retry the queue scheduled (without waiting out
    its delay); returns the delays (seconds) the queue asked for between attempts."""
    huey = queue.huey
    delays: list[float] = []
    for _ in range(rounds):
        task = huey.dequeue()
        if task is None:
            scheduled = huey.scheduled()
            if not scheduled:
                return delays
            now = datetime.now(UTC).replace(tzinfo=None)  # huey keeps naive UTC times
            # huey set eta = then + retry_delay, then multiplied retry_delay by the backoff
            delays += [t.retry_delay / RETRY_BACKOFF for t in scheduled]
            for due in huey.read_schedule(now + timedelta(days=1)):
                due.eta = None  # run it now rather than wait out the backoff
                huey.enqueue(due)
            continue
        huey.execute(task)
    return delays


def _subscribe(engine: Engine, url: str, events: list[str]) -> tuple[int, str]:
    with session_scope(engine) as session:
        sub, secret = service.subscribe(session=session, actor="ada", url=url, events=events)
        return sub.id, secret


def _report(engine: Engine, url: str) -> None:
    with session_scope(engine) as session:
        add_report(session=session, url=url, conduct="terrorism.glorification", actor="alice")


def test_an_event_reaches_every_endpoint_signed_and_bad_endpoints_hold_up_no_one(
    hooks: Settings, engine: Engine, receiver: Receiver
) -> None:
    subs = {
        path: _subscribe(engine, receiver.url(path), ["item.reported"])
        for path in ("/slow", "/redirect", "/flaky", "/down", "/ok")
    }
    _report(engine, "https://hooked.example/a")
    queue = Queue(hooks)
    assert len(dispatch_pending(queue)) == 5
    started = time.monotonic()
    delays = _drain(queue)
    took = time.monotonic() - started
    # the good endpoint got it once, signed with its own secret, in the Standard shape
    [(_, headers, body)] = [r for r in receiver.received if r[0] == "/ok"]
    verify(subs["/ok"][1], headers, body)
    with pytest.raises(InvalidSignature):
        verify(subs["/flaky"][1], headers, body)
    assert b'"type":"item.reported"' in body and headers["webhook-id"].startswith("msg_")
    # the flaky one got it on its third attempt; redirects were never followed
    assert [r[0] for r in receiver.received].count("/flaky") == 1
    # the redirect was tried five times (1 + 4 retries) and never followed to /ok
    assert receiver.calls["/redirect"] == 5 and receiver.calls["/ok"] == 1
    # the queue backed off between attempts (2, 4, 8, 16 s), and gave up after its retries
    assert sorted(set(delays)) == [2.0, 4.0, 8.0, 16.0]
    with read_session(engine) as session:
        states = {d.subscription_id: d.state for d in session.scalars(select(WebhookDelivery))}
        log = session.execute(
            select(
                WebhookAttempt.status_code, WebhookAttempt.error, WebhookAttempt.duration_ms
            ).order_by(WebhookAttempt.id)
        ).all()
    by_path = {path: states[sub_id] for path, (sub_id, _) in subs.items()}
    assert by_path == {
        "/ok": "delivered",
        "/flaky": "delivered",
        "/slow": "failed",
        "/redirect": "failed",
        "/down": "failed",
    }
    slow = [ms for _, error, ms in log if error and "timed out" in error]
    assert len(slow) == 5 and max(slow) < 1500  # each bounded by the 0.5 s timeout
    assert any(code == 307 and "redirect not followed" in (err or "") for code, err, _ in log)
    assert took < 30


def test_an_endpoint_on_a_private_address_is_refused_before_any_connection(
    settings: Settings, staff: dict[str, str], engine: Engine, receiver: Receiver
) -> None:
    # loopback is refused too unless COMITY_WEBHOOK_ALLOW_LOOPBACK says otherwise
    strict = settings.model_copy(update={"webhook_timeout_seconds": 0.5})
    with override_settings(strict):
        _subscribe(engine, receiver.url("/ok"), ["item.reported"])
        _subscribe(engine, "http://10.1.2.3:8080/hook", ["*"])
        _report(engine, "https://private.example/a")
        queue = Queue(strict)
        dispatch_pending(queue)
        _drain(queue)
    assert receiver.calls == {}
    with read_session(engine) as session:
        log = session.scalars(select(WebhookAttempt.error)).all()
        states = set(session.scalars(select(WebhookDelivery.state)))
    assert states == {"failed"} and len(log) == 2  # one attempt each: final at once
    assert all((error or "").startswith("refused: ") for error in log)


def test_events_are_fanned_out_once_and_only_to_matching_subscriptions(
    hooks: Settings, engine: Engine, receiver: Receiver
) -> None:
    _report(engine, "https://before.example/a")  # before any subscription: not sent
    _subscribe(engine, receiver.url("/ok"), ["dossier.issued"])  # no matching event
    everything, _ = _subscribe(engine, receiver.url("/ok"), ["*"])
    _report(engine, "https://after.example/a")
    first = fan_out(engine)
    assert fan_out(engine) == []
    with read_session(engine) as session:
        rows = session.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(first)))
        assert {(r.subscription_id, r.event_type) for r in rows} == {(everything, "item.reported")}


def test_a_webhook_is_managed_by_an_admin_only_through_the_api(
    hooks: Settings, engine: Engine, receiver: Receiver, tokens: dict[str, str], client: Any
) -> None:
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    body = {"url": receiver.url("/ok"), "events": ["answer.recorded"]}
    analyst = {"Authorization": f"Bearer {tokens['analyst']}"}
    assert client.post("/api/v1/webhooks", json=body, headers=analyst).status_code == 403
    made = client.post("/api/v1/webhooks", json=body, headers=admin)
    assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
    hook_id = made.json()["id"]
    listed = client.get("/api/v1/webhooks", headers=admin).json()["webhooks"]
    assert "secret" not in listed[0]
    bad = client.post("/api/v1/webhooks", json=body | {"events": ["item.deleted"]}, headers=admin)
    assert bad.status_code == 400 and bad.json()["field"] == "events"
    etag = client.get(f"/api/v1/webhooks/{hook_id}", headers=admin).headers["etag"]
    off = client.post(f"/api/v1/webhooks/{hook_id}/disable", headers=admin | {"If-Match": etag})
    assert off.status_code == 200 and off.json()["active"] is False
    again = client.post(f"/api/v1/webhooks/{hook_id}/disable", headers=admin | {"If-Match": etag})
    assert again.status_code == 412
    log = client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=admin)
    assert log.json() == {"deliveries": [], "next_cursor": None}


def test_a_passed_deadline_is_announced_once_per_request(
    hooks: Settings, engine: Engine, receiver: Receiver
) -> None:
    from tests.tracking.conftest import add_item
    from tests.tracking.test_service import _dispatch, _in_dossier

    _subscribe(engine, receiver.url("/ok"), ["deadline.passed"])
    late = add_item(engine, "https://late.example/1")
    _in_dossier(engine, late)
    _dispatch(engine, "R9", [late], datetime.now(UTC).date() - timedelta(days=10))
    first = fan_out(engine)
    assert fan_out(engine) == []  # the same overdue request is not announced again
    with read_session(engine) as session:
        [payload] = session.scalars(
            select(WebhookDelivery.payload).where(WebhookDelivery.id.in_(first))
        ).all()
    assert payload["type"] == "deadline.passed"
    assert (payload["data"]["dossier"], payload["data"]["item_id"]) == ("R9", late)


def test_a_copy_found_elsewhere_is_announced_as_content_reappeared_like_a_reinstatement() -> None:
    from comity.webhooks.events import event_type

    # a copy at another URL (issue 17) and the same URL back (reinstated): one event type,
    # the payload's action telling them apart; ordinary monitor verdicts announce nothing
    assert event_type("item.monitor", {"from": "removed", "to": "reappeared"}) == (
        "content.reappeared"
    )
    assert event_type("item.state", {"from": "verified", "to": "reinstated"}) == (
        "content.reappeared"
    )
    assert event_type("item.monitor", {"from": "online", "to": "removed"}) is None
    assert event_type("item.monitor", {"from": "removed", "to": "online"}) is None
