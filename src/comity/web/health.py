"""Health checks for a load balancer or an orchestrator: `/healthz` and `/readyz`.

`/healthz` (liveness) answers 200 as long as the process serves requests; it
touches nothing else, so a database outage does not make an orchestrator kill
and restart every web process at once. `/readyz` (readiness) answers 200 only
when this process can do its work: the database answers, its schema is the
one this release's code expects (a web process of a new release started before
`comity db upgrade` must not be sent traffic), and, where the deployment
shares a Redis queue, Redis answers. Otherwise 503 and the name of the check
that failed.

Both are anonymous (a health checker holds no token) and outside /api/, so
they are not rate-limited; they say nothing an outsider could use: no
versions, no host names, no error text, only which check failed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from comity.core.migrate import newest_file_revision
from comity.core.settings import Settings

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_TIMEOUT = 2.0  # seconds per check: a health checker's own timeout is usually a few seconds
_NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz")
def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers=_NO_STORE)


def _schema(engine: Engine) -> str:
    """'ok', 'behind' (migrations not applied) or 'ahead' (code older than the schema)."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        if not inspect(conn).has_table("alembic_version"):
            return "behind"
        stored = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    expected = newest_file_revision()
    if stored == expected:
        return "ok"
    return "ahead" if stored is not None and str(stored) > expected else "behind"


def _queue(settings: Settings) -> str:
    url = settings.queue_url
    if not url or not url.startswith(("redis://", "rediss://", "unix://")):
        return "ok"  # the SQLite queue lives beside the data folder: nothing to reach
    import redis

    client = redis.Redis.from_url(url, socket_timeout=_TIMEOUT, socket_connect_timeout=_TIMEOUT)
    try:
        return "ok" if client.ping() else "unreachable"
    except (redis.RedisError, OSError):
        return "unreachable"
    finally:
        client.close()


async def _check(fn: Any, *args: Any) -> str:
    try:
        return str(await asyncio.wait_for(asyncio.to_thread(fn, *args), _TIMEOUT))
    except TimeoutError:
        return "timeout"
    except (SQLAlchemyError, OSError):
        return "unreachable"


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    state = request.app.state
    checks = {
        "database": await _check(_schema, state.engine),
        "queue": await _check(_queue, state.settings),
    }
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
        headers=_NO_STORE,
    )
