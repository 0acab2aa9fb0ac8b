"""Web action of the hosting domain: attribute an item (same service as `comity attribute`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from comity.hosting.service import attribute_stored
from comity.web.deps import Actor, need
from comity.web.flash import redirect_done
from comity.web.limits import Id

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Attribute = Annotated[Actor, Depends(need("attribute"))]


@router.post("/items/{item_id}/attribute")
async def attribute(request: Request, item_id: Id, actor: Attribute) -> Response:
    # DNS and address look-ups: in the thread pool, off the event loop.
    await run_in_threadpool(
        lambda: attribute_stored(
            engine=request.app.state.engine, item_ids=[item_id], actor=actor.name
        )
    )
    return redirect_done(request, f"/items/{item_id}#attribution", "done.attributed", item=item_id)
