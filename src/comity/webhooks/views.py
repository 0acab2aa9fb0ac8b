"""REST API v1: webhook subscriptions and their delivery log (admin), and the
server-sent event streams the pages that wait on work listen to.

A stream (`text/event-stream`) sends each new audit
event as it is committed (`id:` is its sequence number, so a reconnecting
EventSource resumes with Last-Event-ID, `event:` its action), a comment line every
15 s to keep proxies from closing it, and ends after `timeout` seconds (the
browser reconnects). Following one object (`/events/stream/item/42`, what an item
page does while a capture or a monitor check runs) needs `read`, as the item's
history does on its page; the whole chain (`/events/stream`) needs `audit`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from comity.core.audit import AuditEvent
from comity.core.db import read_session, session_scope
from comity.web.deps import Actor, need
from comity.web.etags import if_match, register_version, set_etag
from comity.web.limits import Id
from comity.web.paging import Cursor, Limit, decode_cursor, keyset_page
from comity.webhooks import service

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["v1: webhooks and events"])
Settings_ = Annotated[Actor, Depends(need("settings"))]
Read = Annotated[Actor, Depends(need("read"))]


def _version(session: Any, key: str) -> Any:
    return jsonable_encoder(
        service.subscription_state(
            service.get_subscription(session=session, subscription_id=int(key))
        )
    )


register_version("webhook", _version)


class NewWebhook(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, examples=["https://case-system.centre.example/hooks"])
    events: list[str] = Field(
        max_length=16, examples=[["dossier.issued", "answer.recorded"]], min_length=1
    )
    description: str | None = Field(default=None, max_length=200)


@router.post(
    "/webhooks", status_code=201, summary="Subscribe an endpoint (the secret is shown once)"
)
def subscribe(request: Request, actor: Settings_, body: NewWebhook) -> Any:
    with session_scope(request.app.state.engine) as session:
        sub, secret = service.subscribe(
            session=session,
            actor=actor.name,
            url=body.url,
            events=body.events,
            description=body.description,
        )
        return jsonable_encoder(service.subscription_state(sub) | {"secret": secret})


@router.get("/webhooks", summary="Webhook subscriptions")
def subscriptions(
    request: Request, actor: Settings_, cursor: Cursor = None, limit: Limit = 50
) -> Any:
    from comity.webhooks.models import WebhookSubscription

    after = decode_cursor("webhooks", cursor)
    query = select(WebhookSubscription).order_by(WebhookSubscription.id).limit(limit + 1)
    if after:
        query = query.where(WebhookSubscription.id > int(after[0]))
    with read_session(request.app.state.engine) as session:
        rows, nxt = keyset_page("webhooks", session.scalars(query).all(), limit, lambda s: [s.id])
        data = [service.subscription_state(s) for s in rows]
    return jsonable_encoder({"webhooks": data, "next_cursor": nxt})


@router.get("/webhooks/{webhook_id}", summary="One subscription")
def subscription(request: Request, response: Response, webhook_id: Id, actor: Settings_) -> Any:
    with read_session(request.app.state.engine) as session:
        sub = service.get_subscription(session=session, subscription_id=webhook_id)
        set_etag(response, session, "webhook", webhook_id)
        return jsonable_encoder(service.subscription_state(sub))


@router.post(
    "/webhooks/{webhook_id}/disable",
    summary="Stop delivering to this endpoint",
    dependencies=[if_match("webhook", "webhook_id")],
)
def disable(request: Request, webhook_id: Id, actor: Settings_) -> Any:
    with session_scope(request.app.state.engine) as session:
        sub = service.disable(session=session, actor=actor.name, subscription_id=webhook_id)
        return jsonable_encoder(service.subscription_state(sub))


@router.get("/webhooks/{webhook_id}/deliveries", summary="The delivery log, newest first")
def deliveries(
    request: Request, webhook_id: Id, actor: Settings_, cursor: Cursor = None, limit: Limit = 50
) -> Any:
    after = decode_cursor("deliveries", cursor)
    with read_session(request.app.state.engine) as session:
        rows = service.delivery_log(
            session=session,
            subscription_id=webhook_id,
            before=int(after[0]) if after else None,
            limit=limit,
        )
    shown, nxt = keyset_page("deliveries", rows, limit, lambda d: [d["id"]])
    return jsonable_encoder({"deliveries": shown, "next_cursor": nxt})


@router.post("/webhooks/deliveries/{delivery_id}/retry", summary="Send a failed delivery again")
def retry(request: Request, delivery_id: Id, actor: Settings_) -> Any:
    from comity.jobs.queue import get_queue

    with session_scope(request.app.state.engine) as session:
        row = service.retry_delivery(session=session, actor=actor.name, delivery_id=delivery_id)
        version = row.attempts + 1
    get_queue().submit("webhook", delivery_id, version)
    return {"id": delivery_id, "state": "pending"}


# --- server-sent events -------------------------------------------------------------

_POLL, _HEARTBEAT = 0.5, 15.0


def _newest(engine: Any) -> int:
    with read_session(engine) as session:
        return int(session.scalar(select(func.max(AuditEvent.seq))) or 0)


def _events_after(
    engine: Any, after: int, object_type: str | None, object_id: str | None
) -> list[dict[str, Any]]:
    query = select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(200)
    if object_type is not None:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditEvent.object_id == object_id)
    with read_session(engine) as session:
        return [
            {
                "seq": e.seq,
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "actor": e.actor,
                "at": e.at.isoformat(),
                "data": e.data,
            }
            for e in session.scalars(query)
        ]


Audit = Annotated[Actor, Depends(need("audit"))]
Timeout = Annotated[int, Query(ge=1, le=300, description="seconds before the stream ends")]
LastEventId = Annotated[str | None, Header(alias="Last-Event-ID")]
_SSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "an event stream: `id:` the audit seq, `event:` the action, `data:` JSON",
        "content": {
            "text/event-stream": {
                "schema": {"type": "string", "title": "EventStream"},
                "example": 'id: 812\nevent: proposal.approve\ndata: {"seq":812}\n\n',
            }
        },
    }
}


@router.get(
    "/events/stream",
    summary="Server-sent events: every audit event as it is committed",
    response_class=StreamingResponse,
    responses=_SSE,
)
async def stream(
    request: Request,
    actor: Audit,
    object_type: Annotated[str | None, Query(max_length=32)] = None,
    after: Annotated[int | None, Query(ge=0, description="resume after this seq")] = None,
    timeout: Timeout = 60,
    last_event_id: LastEventId = None,
) -> StreamingResponse:
    return await _stream(request, object_type, None, after, timeout, last_event_id)


@router.get(
    "/events/stream/{object_type}/{object_id}",
    summary="Server-sent events about one object (what its page waits on)",
    response_class=StreamingResponse,
    responses=_SSE,
)
async def object_stream(
    request: Request,
    object_type: Annotated[str, Path(max_length=32)],
    object_id: Annotated[str, Path(max_length=64)],
    actor: Read,
    after: Annotated[int | None, Query(ge=0, description="resume after this seq")] = None,
    timeout: Timeout = 60,
    last_event_id: LastEventId = None,
) -> StreamingResponse:
    return await _stream(request, object_type, object_id, after, timeout, last_event_id)


async def _stream(
    request: Request,
    object_type: str | None,
    object_id: str | None,
    after: int | None,
    timeout: int,
    last_event_id: str | None,
) -> StreamingResponse:
    engine = request.app.state.engine
    if last_event_id is not None and last_event_id.isdigit():
        start = int(last_event_id)
    else:
        start = after if after is not None else await run_in_threadpool(_newest, engine)

    async def events() -> AsyncIterator[bytes]:
        last, ends, beat = start, time.monotonic() + timeout, time.monotonic()
        yield b"retry: 2000\n\n"
        while time.monotonic() < ends and not await request.is_disconnected():
            fresh = await run_in_threadpool(_events_after, engine, last, object_type, object_id)
            for event in fresh:
                last = event["seq"]
                data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
                yield f"id: {last}\nevent: {event['action']}\ndata: {data}\n\n".encode()
            if time.monotonic() - beat > _HEARTBEAT:
                beat = time.monotonic()
                yield b": keep-alive\n\n"
            if not fresh:
                await asyncio.sleep(_POLL)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
