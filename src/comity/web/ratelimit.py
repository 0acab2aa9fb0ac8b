"""Rate limits per API token, with the IETF RateLimit header fields.

Each credential (a token; a browser session; else the client address) gets
COMITY_API_RATE_LIMIT requests per window of COMITY_API_RATE_WINDOW_SECONDS.
Every /api/ answer says where the caller stands, in the fields of
draft-ietf-httpapi-ratelimit-headers (RateLimit-Policy: the quota `q` per window
`w` in seconds; RateLimit: the remaining `r` and the seconds `t` until the window
resets); past the quota the answer is 429 with Retry-After (RFC 9110 10.2.3) and
a problem-details body.

Counts are a fixed window per credential. With one web process they live in its
memory. Where COMITY_QUEUE_URL names Redis, the deployment runs several web
processes (the queue is there so that they and the workers share work), and each
would otherwise grant the whole quota on its own: N processes, N times the limit.
There the count is kept in Redis (INCR on a key per window and credential, expiring
with the window), so the quota is the token's, whatever process answers. If Redis
cannot be reached the process falls back to its own count for that request and
says so in the log: a rate limit is an abuse guard, and refusing every request
because the counter is down would turn a Redis outage into an API outage.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from threading import Lock
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from comity.web.idempotency import credential_digest
from comity.web.problems import problem

__all__ = ["POLICY", "RateLimit"]

POLICY = "default"
_log = logging.getLogger(__name__)


class _SharedCounts:
    """Fixed-window counts in Redis, one key per window and credential."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _redis(self) -> Any:
        # An asyncio client belongs to the event loop it was made on.
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            import redis.asyncio

            self._client = redis.asyncio.Redis.from_url(
                self.url, socket_timeout=0.5, socket_connect_timeout=0.5
            )
            self._loop = loop
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    async def take(self, who: str, index: int, window: int) -> int:
        key = f"comity:ratelimit:{window}:{index}:{who}"
        async with self._redis().pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, window + 1)
            used, _ = await pipe.execute()
        return int(used)


class RateLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._lock = Lock()
        self._counts: dict[str, int] = {}
        self._window_index = -1
        self._shared: _SharedCounts | None = None

    def _take_here(self, who: str, index: int) -> int:
        with self._lock:
            if index != self._window_index:
                self._counts.clear()  # a new window: every count starts again
                self._window_index = index
            used = self._counts.get(who, 0) + 1
            self._counts[who] = used
        return used

    async def _take(self, who: str, window: int, queue_url: str | None) -> tuple[int, float]:
        """(requests used in this window including this one, seconds until it resets)."""
        now = time.time()
        index = int(now // window)
        reset = window - (now % window)
        if queue_url and queue_url.startswith(("redis://", "rediss://", "unix://")):
            from redis.exceptions import RedisError

            if self._shared is None or self._shared.url != queue_url:
                self._shared = _SharedCounts(queue_url)
            try:
                return await self._shared.take(who, index, window), reset
            except (RedisError, OSError) as exc:
                _log.warning("rate limit: Redis unreachable (%s); counting in this process", exc)
        return self._take_here(who, index), reset

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._closing_on_shutdown(receive), send)
            return
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        settings = scope["app"].state.settings
        limit, window = settings.api_rate_limit, settings.api_rate_window_seconds
        request = Request(scope)
        who = credential_digest(request) or f"addr:{request.client.host if request.client else ''}"
        used, reset = await self._take(who, window, settings.queue_url)
        seconds = max(1, math.ceil(reset))
        fields = {
            "RateLimit-Policy": f'"{POLICY}";q={limit};w={window}',
            "RateLimit": f'"{POLICY}";r={max(0, limit - used)};t={seconds}',
        }
        if used > limit:
            refusal = problem(
                429,
                f"more than {limit} requests in {window} s from this token; retry in {seconds} s",
                instance=scope["path"],
                kind="rate-limited",
                headers=fields | {"Retry-After": str(seconds)},
            )
            await refusal(scope, receive, send)
            return

        async def with_fields(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in fields.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, with_fields)

    def _closing_on_shutdown(self, receive: Receive) -> Receive:
        """The Redis connection is closed when the server shuts the app down, on the
        loop it was opened on (left open, it would outlive its loop)."""

        async def wrapped() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown" and self._shared is not None:
                await self._shared.close()
            return message

        return wrapped
