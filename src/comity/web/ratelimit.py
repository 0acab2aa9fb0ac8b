"""Rate limits per API token, with the IETF RateLimit header fields.

Each credential (a token; a browser session; else the client address) gets
COMITY_API_RATE_LIMIT requests per window of COMITY_API_RATE_WINDOW_SECONDS.
Every /api/ answer says where the caller stands, in the fields of
draft-ietf-httpapi-ratelimit-headers (RateLimit-Policy: the quota `q` per window
`w` in seconds; RateLimit: the remaining `r` and the seconds `t` until the window
resets); past the quota the answer is 429 with Retry-After (RFC 9110 10.2.3) and
a problem-details body.

Counts are in process memory, a fixed window per credential: with several web
processes each counts its own share (the limit is per process), which is what an
abuse guard needs; a shared budget would go to Redis.
"""

from __future__ import annotations

import math
import time
from threading import Lock

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from comity.web.idempotency import credential_digest
from comity.web.problems import problem

__all__ = ["POLICY", "RateLimit"]

POLICY = "default"


class RateLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._lock = Lock()
        self._counts: dict[str, int] = {}
        self._window_index = -1

    def _take(self, who: str, window: int) -> tuple[int, float]:
        """(requests used in this window including this one, seconds until it resets)."""
        now = time.time()
        index = int(now // window)
        with self._lock:
            if index != self._window_index:
                self._counts.clear()  # a new window: every count starts again
                self._window_index = index
            used = self._counts.get(who, 0) + 1
            self._counts[who] = used
        return used, window - (now % window)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        settings = scope["app"].state.settings
        limit, window = settings.api_rate_limit, settings.api_rate_window_seconds
        request = Request(scope)
        who = credential_digest(request) or f"addr:{request.client.host if request.client else ''}"
        used, reset = self._take(who, window)
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
