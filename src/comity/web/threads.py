"""As many request threads as database connections.

Starlette runs every plain `def` route in anyio's thread pool, 40 threads by
default, while SQLAlchemy's pool lends a process 15 connections (5 kept, 10
more on demand) and makes a thread wait at most 30 s for one. Under load (50
analysts on two web processes: bench/bench_scale.py) 25 threads of a process
sat waiting for a connection and then failed with "QueuePool limit ... reached",
a 500 for a request that only had to wait its turn. This middleware sets the
thread limiter of the process's event loop to the pool's capacity, so the
excess waits in the event loop, in order, for a thread that will have a
connection, and nothing fails for want of one.
"""

from __future__ import annotations

import anyio.to_thread
from sqlalchemy.pool import QueuePool
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["ThreadsPerConnection", "pool_capacity"]


def pool_capacity(pool: object) -> int | None:
    """Connections a QueuePool lends at once (None: another kind of pool, no bound)."""
    if not isinstance(pool, QueuePool):
        return None
    overflow = max(0, int(getattr(pool, "_max_overflow", 0)))  # no public accessor
    return pool.size() + overflow


class ThreadsPerConnection:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            capacity = pool_capacity(scope["app"].state.engine.pool)
            # The limiter belongs to the running event loop; setting it is cheap and
            # idempotent, so it is checked per request rather than tracked per loop.
            limiter = anyio.to_thread.current_default_thread_limiter()
            if capacity and limiter.total_tokens != capacity:
                limiter.total_tokens = capacity
        await self.app(scope, receive, send)
