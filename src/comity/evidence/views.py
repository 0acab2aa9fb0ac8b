"""Web actions of the evidence domain: capture an item, download a stored capture,
read what a capture says.

Captured content is never served as a page: every download is an attachment
with a generic type, `Content-Security-Policy: sandbox` and `nosniff`, under a
name built from ids and hashes only (never from the captured page). The two
reading views (the visible text, and the page's own source) are `text/plain`
under `sandbox; default-src 'none'`: a browser shows the characters, runs no
script, follows no refresh and loads nothing, even when a view is opened on
its own rather than in the case file's `sandbox=""` frame.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from comity.core.db import read_session
from comity.core.errors import NotFound, Refused
from comity.evidence.hashes import document_source
from comity.evidence.models import CaptureText, Evidence
from comity.evidence.service import capture_configured
from comity.evidence.store import Store, StoreError, sha256_file
from comity.web.deps import Actor, need
from comity.web.flash import redirect_done
from comity.web.limits import Id

__all__ = ["DOWNLOADS", "PLAIN_TEXT_HEADERS", "router"]

router = APIRouter(include_in_schema=False)
Capture = Annotated[Actor, Depends(need("capture"))]
Read = Annotated[Actor, Depends(need("read"))]

# kind -> (row attribute holding the path, row attribute holding the hash, media type, suffix)
DOWNLOADS: dict[str, tuple[str, str, str, str]] = {
    "content": ("content_path", "content_sha256", "application/octet-stream", "bin"),
    "warc": ("warc_path", "warc_sha256", "application/octet-stream", "warc.gz"),
    "screenshot": ("screenshot_path", "screenshot_sha256", "image/png", "png"),
}

# The reading views: plain text, no script, nothing loaded, framed only by our own pages
# (the defaults forbid any framing; the case file shows the text in a frame).
PLAIN_TEXT_HEADERS = {
    "Content-Security-Policy": "sandbox; default-src 'none'; frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Cross-Origin-Resource-Policy": "same-origin",
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


def _plain(text: str) -> Response:
    return Response(text, media_type="text/plain; charset=utf-8", headers=PLAIN_TEXT_HEADERS)


@router.get("/evidence/{evidence_id}/text")
def captured_text(request: Request, evidence_id: Id, actor: Read) -> Response:
    """What a reader saw on the captured page: its title and visible text, as plain text."""
    with read_session(request.app.state.engine) as session:
        if session.get(Evidence, evidence_id) is None:
            raise NotFound(f"evidence {evidence_id} does not exist")
        row = session.get(CaptureText, evidence_id)
        if row is None:
            raise NotFound(f"evidence {evidence_id} has no text (not a page, or erased)")
        return _plain(row.text)


@router.get("/evidence/{evidence_id}/source")
def captured_source(request: Request, evidence_id: Id, actor: Read) -> Response:
    """The captured page's own markup, shown as characters (never rendered)."""
    data, row = _stored(request, evidence_id, "content")
    source = document_source(row.content_type or "", data)
    if source is None:
        raise NotFound(f"evidence {evidence_id} is not a page or a text (see its download)")
    return _plain(source)


def _stored(request: Request, evidence_id: int, kind: str) -> tuple[bytes, Evidence]:
    """The stored file of `kind`, checked against its recorded hash, and its row."""
    path_attr, sha_attr, _media, _suffix = DOWNLOADS[kind]
    with read_session(request.app.state.engine) as session:
        row = session.get(Evidence, evidence_id)
        if row is None:
            raise NotFound(f"evidence {evidence_id} does not exist")
        session.expunge(row)
    rel, sha = getattr(row, path_attr), getattr(row, sha_attr)
    if not rel or not sha:
        raise NotFound(f"evidence {evidence_id} has no {kind} file")
    try:
        # Store.path accepts only content-addressed names matching the recorded hash.
        path = Store(request.app.state.settings.home).path(rel, sha256=sha)
        if sha256_file(path) != sha:
            raise Refused(f"evidence {evidence_id}: the stored {kind} no longer matches its hash")
        return path.read_bytes(), row
    except (StoreError, OSError) as exc:
        raise Refused(f"evidence {evidence_id}: stored {kind} file unreadable ({exc})") from exc


@router.get("/evidence/{evidence_id}/{kind}")
def download(request: Request, evidence_id: Id, kind: str, actor: Read) -> Response:
    if kind not in DOWNLOADS:
        raise NotFound(
            f"no such evidence file {kind!r}; valid: {', '.join(DOWNLOADS)}, text, source"
        )
    _path_attr, sha_attr, media, suffix = DOWNLOADS[kind]
    data, row = _stored(request, evidence_id, kind)
    sha = getattr(row, sha_attr)
    name = f"item-{row.item_id}-evidence-{evidence_id}-{sha[:12]}.{suffix}"
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Security-Policy": "sandbox",
            "X-Content-Type-Options": "nosniff",
        },
    )
