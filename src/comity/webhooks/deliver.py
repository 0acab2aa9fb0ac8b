"""One delivery attempt, bounded, to a judged address, never following a redirect.

The endpoint's host is resolved and every address judged by the evidence
fetcher's SSRF guard before a connection is made, and the connection goes to
that judged address only (`PinnedTransport`: no second lookup, so DNS rebinding
cannot slip through). Private and loopback addresses are refused; loopback
only passes with COMITY_WEBHOOK_ALLOW_LOOPBACK (tests, the demo). The whole
attempt (connect, send, read at most 64 KiB of the answer) is bounded by
COMITY_WEBHOOK_TIMEOUT_SECONDS. A 3xx is a failure: a redirect is never followed
(it could point anywhere, the private network included). Every attempt is
written to the delivery log (`WebhookAttempt`), whatever came of it.
"""

from __future__ import annotations

import json
import ssl
import time
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

import httpcore
import httpx
from sqlalchemy import Engine

from comity.core.db import read_session, session_scope, utcnow
from comity.core.settings import Settings
from comity.evidence._transport import PinnedTransport, default_connect, judge
from comity.evidence.guard import DnsFailure, Guard, GuardRefusal, make_resolver
from comity.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from comity.webhooks.signing import sign

__all__ = ["Outcome", "attempt", "body_of"]

_MAX_ANSWER = 64 * 1024
_LOOPBACK = ("127.0.0.0/8", "::1/128")


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    permanent: bool  # refused before any connection: retrying cannot help
    status_code: int | None
    error: str | None


@cache
def _tls() -> ssl.SSLContext:
    # Loading the system's CA certificates costs milliseconds: once per process.
    return ssl.create_default_context()


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()


def _post(settings: Settings, url: str, headers: dict[str, str], body: bytes) -> Outcome:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Outcome(False, True, None, f"not an http(s) URL: {url}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    timeout = settings.webhook_timeout_seconds
    deadline = time.monotonic() + timeout
    guard = Guard.from_entries(
        _LOOPBACK if settings.webhook_allow_loopback else (), ports=("1-65535",)
    )
    try:
        guard.check_host(parts.hostname)
        addresses = make_resolver(settings.dns_servers)(parts.hostname, timeout)
        targets = judge(guard, parts.hostname, addresses, port, {})
    except GuardRefusal as exc:
        return Outcome(False, True, None, f"refused: {exc}")
    except DnsFailure as exc:
        return Outcome(False, False, None, f"DNS: {exc}")
    transport = PinnedTransport(
        targets,
        connect=default_connect,
        deadline=deadline,
        ssl_context=_tls(),
    )
    try:
        with (
            httpx.Client(transport=transport, follow_redirects=False, timeout=timeout) as client,
            client.stream("POST", url, content=body, headers=headers) as answer,
        ):
            read = 0
            for chunk in answer.iter_raw():
                read += len(chunk)
                if read >= _MAX_ANSWER:
                    break
            status = answer.status_code
    except (httpx.HTTPError, httpcore.TimeoutException, httpcore.NetworkError) as exc:
        kind = (
            "timed out"
            if isinstance(exc, httpcore.TimeoutException | httpx.TimeoutException)
            else "failed"
        )
        return Outcome(False, False, None, f"{kind}: {type(exc).__name__}: {exc}"[:500])
    except (httpcore.ProtocolError, OSError) as exc:
        return Outcome(False, False, None, f"failed: {type(exc).__name__}: {exc}"[:500])
    if 200 <= status < 300:
        return Outcome(True, False, status, None)
    if 300 <= status < 400:
        return Outcome(False, False, status, f"HTTP {status}: redirect not followed")
    return Outcome(False, False, status, f"HTTP {status}")


def attempt(*, engine: Engine, settings: Settings, delivery_id: int) -> Outcome:
    """Try one delivery once; log the attempt and, on success, mark it delivered."""
    with read_session(engine) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return Outcome(False, True, None, f"delivery {delivery_id} does not exist")
        if delivery.state == "delivered":
            return Outcome(True, False, None, None)
        sub = session.get(WebhookSubscription, delivery.subscription_id)
        assert sub is not None  # the foreign key cascades
        url, secret, message_id, body = sub.url, sub.secret, delivery.message_id, body_of(delivery)
        active = sub.active
    took = 0
    if not active:
        outcome = Outcome(False, True, None, "subscription disabled")
    else:
        stamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "user-agent": "Comity-Webhooks/1",
            "webhook-id": message_id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": sign(secret, message_id, stamp, body),
        }
        started = time.monotonic()
        outcome = _post(settings, url, headers, body)
        took = int((time.monotonic() - started) * 1000)
    with session_scope(engine) as session:
        row = session.get(WebhookDelivery, delivery_id)
        assert row is not None
        now = utcnow()
        row.attempts += 1
        row.last_attempt_at = now
        if outcome.delivered:
            row.state, row.delivered_at = "delivered", now
        elif outcome.permanent:
            row.state = "failed"
        session.add(
            WebhookAttempt(
                delivery_id=delivery_id,
                at=now,
                status_code=outcome.status_code,
                error=outcome.error,
                duration_ms=took,
            )
        )
    return outcome
