"""Web actions of the evidence domain: capture an item, download a stored capture.

Captured content is never served as a page: every download is an attachment
with a generic type, `Content-Security-Policy: sandbox` and `nosniff`, under a
name built from ids and hashes only (never from the captured page).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from comity.core.db import read_session
from comity.core.errors import NotFound, Refused
from comity.evidence.models import Evidence
from comity.evidence.service import capture_configured
from comity.evidence.store import Store, StoreError, sha256_file
from comity.web.deps import Actor, need
from comity.web.flash import redirect_done
from comity.web.limits import Id

__all__ = ["DOWNLOADS", "router"]

router = APIRouter(include_in_schema=False)
Capture = Annotated[Actor, Depends(need("capture"))]
Read = Annotated[Actor, Depends(need("read"))]

# kind -> (row attribute holding the path, row attribute holding the hash, media type, suffix)
DOWNLOADS: dict[str, tuple[str, str, str, str]] = {
    "content": ("content_path", "content_sha256", "application/octet-stream", "bin"),
    "warc": ("warc_path", "warc_sha256", "application/octet-stream", "warc.gz"),
    "screenshot": ("screenshot_path", "screenshot_sha256", "image/png", "png"),
}


@router.post("/items/{item_id}/capture")
async def capture(
    request: Request,
    item_id: Id,
    actor: Capture,
    screenshot: Annotated[str, Form()] = "",
) -> Response:
    settings = request.app.state.settings
    # The fetch is network I/O: it runs in the thread pool, never on the event loop.
    await run_in_threadpool(
        lambda: capture_configured(
            engine=request.app.state.engine,
            settings=settings,
            item_ids=[item_id],
            actor=actor.name,
            screenshot=bool(screenshot),
        )
    )
    return redirect_done(request, f"/items/{item_id}#evidence", "done.captured", item=item_id)


@router.get("/evidence/{evidence_id}/{kind}")
def download(request: Request, evidence_id: Id, kind: str, actor: Read) -> Response:
    if kind not in DOWNLOADS:
        raise NotFound(f"no such evidence file {kind!r}; valid: {', '.join(DOWNLOADS)}")
    path_attr, sha_attr, media, suffix = DOWNLOADS[kind]
    with read_session(request.app.state.engine) as session:
        row = session.get(Evidence, evidence_id)
        if row is None:
            raise NotFound(f"evidence {evidence_id} does not exist")
        rel, sha, item_id = getattr(row, path_attr), getattr(row, sha_attr), row.item_id
    if not rel or not sha:
        raise NotFound(f"evidence {evidence_id} has no {kind} file")
    try:
        # Store.path accepts only content-addressed names matching the recorded hash.
        path = Store(request.app.state.settings.home).path(rel, sha256=sha)
        if sha256_file(path) != sha:
            raise Refused(f"evidence {evidence_id}: the stored {kind} no longer matches its hash")
        data = path.read_bytes()
    except (StoreError, OSError) as exc:
        raise Refused(f"evidence {evidence_id}: stored {kind} file unreadable ({exc})") from exc
    name = f"item-{item_id}-evidence-{evidence_id}-{sha[:12]}.{suffix}"
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Security-Policy": "sandbox",
            "X-Content-Type-Options": "nosniff",
        },
    )
