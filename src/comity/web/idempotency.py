"""`Idempotency-Key` on every API POST: a retried request gets the first answer.

A client that lost the answer to a POST (a timeout, a dropped connection) sends the
same request again with the same key; the write is not repeated and the answer the
first one got is sent again, with `Idempotent-Replayed: true` (Stripe's
convention, the IETF draft "The Idempotency-Key HTTP Header Field"). The same key
with a different method, path or body is refused with 422 (the key names one
request); while the first request still runs, a second one with its key gets 409.

It is ASGI middleware, so every POST route under /api/ has it, whichever domain
adds the route. Keys belong to the caller's credential (the SHA-256 of the token
or session cookie), live 24 hours, and answers of 5xx or 429 are not kept (the
write may not have happened: a retry runs again). Answers larger than
`_MAX_KEPT` bytes (a rendered preview) are not kept either.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

from fastapi import HTTPException
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from comity.core.db import session_scope, utcnow
from comity.web.models import IdempotencyKey
from comity.web.problems import problem

__all__ = ["KEEP_FOR", "Idempotency", "credential_digest"]

HEADER = "idempotency-key"
KEEP_FOR = timedelta(hours=24)
_MAX_KEPT = 5_000_000
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII: a UUID, a ULID, a hash
_NOT_KEPT = frozenset({"set-cookie", "content-length", "date", "server"})


def credential_digest(request: Request) -> str | None:
    """Whose request this is, without holding the secret: token, else session cookie."""
    auth = request.headers.get("authorization", "")
    if auth.strip():
        return hashlib.sha256(auth.strip().encode()).hexdigest()
    for name in ("__Host-comity", "comity_session"):
        if value := request.cookies.get(name):
            return hashlib.sha256(value.encode()).hexdigest()
    return None


class Idempotency:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not scope["path"].startswith("/api/")
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        key = request.headers.get(HEADER)
        owner = credential_digest(request)
        if key is None or owner is None:  # no key, or anonymous (refused 401 anyway)
            await self.app(scope, receive, send)
            return
        if not _KEY.match(key):
            refusal = problem(
                400,
                "Idempotency-Key: 1 to 255 visible ASCII characters (a UUID will do)",
                field="Idempotency-Key",
                instance=scope["path"],
            )
            await refusal(scope, receive, send)
            return
        try:
            body = await request.body()
        except HTTPException as exc:  # BoundedBodies: too large, refused as it streamed
            await problem(exc.status_code, str(exc.detail), instance=scope["path"])(
                scope, receive, send
            )
            return
        fingerprint = hashlib.sha256(
            b"\n".join(
                (
                    scope["method"].encode(),
                    scope["path"].encode(),
                    scope.get("query_string", b""),
                    body,
                )
            )
        ).hexdigest()
        engine = scope["app"].state.engine
        found = await run_in_threadpool(_claim, engine, owner, key, fingerprint)
        if found is not None:
            await _answer_for(found, fingerprint, scope)(scope, receive, send)
            return
        await self._run(scope, send, engine, owner, key, body)

    async def _run(
        self, scope: Scope, send: Send, engine: Any, owner: str, key: str, body: bytes
    ) -> None:
        sent = False

        async def replay_body() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        size = 0

        async def capture(message: Message) -> None:
            nonlocal size
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
                if size <= _MAX_KEPT:
                    chunks.append(message.get("body", b""))
            await send(message)

        status = 500
        try:
            await self.app(scope, replay_body, capture)
            status = int(start.get("status", 500))
        finally:
            keep = status < 500 and status != 429 and size <= _MAX_KEPT
            headers = [
                [k.decode("latin-1"), v.decode("latin-1")]
                for k, v in start.get("headers", [])
                if k.decode("latin-1").lower() not in _NOT_KEPT
            ]
            await run_in_threadpool(
                _settle, engine, owner, key, (status, headers, b"".join(chunks)) if keep else None
            )


def _claim(engine: Any, owner: str, key: str, fingerprint: str) -> IdempotencyKey | None:
    """None if this request now holds the key; else the row that holds it."""
    with session_scope(engine) as session:
        session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.owner == owner,
                IdempotencyKey.key == key,
                IdempotencyKey.created_at < utcnow() - KEEP_FOR,
            )
        )
    try:
        with session_scope(engine) as session:
            session.add(
                IdempotencyKey(owner=owner, key=key, fingerprint=fingerprint, state="running")
            )
        return None
    except IntegrityError:
        with session_scope(engine) as session:
            row = session.scalar(
                select(IdempotencyKey).where(
                    IdempotencyKey.owner == owner, IdempotencyKey.key == key
                )
            )
            if row is None:  # released meanwhile (the first one failed): take it now
                session.add(
                    IdempotencyKey(owner=owner, key=key, fingerprint=fingerprint, state="running")
                )
                return None
            session.expunge(row)
            return row


def _settle(
    engine: Any, owner: str, key: str, answer: tuple[int, list[list[str]], bytes] | None
) -> None:
    with session_scope(engine) as session:
        row = session.scalar(
            select(IdempotencyKey).where(IdempotencyKey.owner == owner, IdempotencyKey.key == key)
        )
        if row is None:
            return
        if answer is None:
            session.delete(row)
            return
        row.state, (row.status, row.headers, row.body) = "done", answer


def _answer_for(row: IdempotencyKey, fingerprint: str, scope: Scope) -> Any:
    from starlette.responses import Response

    if row.fingerprint != fingerprint:
        return problem(
            422,
            "Idempotency-Key was used for a different request (method, path or body); "
            "use a new key for a new request",
            field="Idempotency-Key",
            instance=scope["path"],
            kind="idempotency-mismatch",
        )
    if row.state != "done" or row.status is None:
        return problem(
            409,
            "a request with this Idempotency-Key is still running; retry in a moment",
            field="Idempotency-Key",
            instance=scope["path"],
            kind="idempotency-running",
            headers={"Retry-After": "1"},
        )
    response = Response(row.body or b"", status_code=row.status)
    for name, value in row.headers or []:
        response.headers.append(name, value)
    response.headers["Idempotent-Replayed"] = "true"
    return response
