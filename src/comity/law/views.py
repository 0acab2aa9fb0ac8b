"""Web action of the law domain: assess an item against every attributed jurisdiction."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from comity.core.db import session_scope
from comity.core.errors import BadInput
from comity.law.store import assess_item
from comity.web.deps import Actor, need
from comity.web.flash import redirect_done
from comity.web.limits import Id

__all__ = ["FACT_PREFIX", "facts_from_form", "router"]

router = APIRouter(include_in_schema=False)
Assess = Annotated[Actor, Depends(need("assess"))]
FACT_PREFIX = "fact_"


def facts_from_form(form: Any) -> dict[str, str]:
    """`fact_<name>` fields -> facts; an empty field means "not established" and is left out.

    Values stay strings ("true", "false", "religion"): the engine checks them
    against the vocabulary, exactly as for `--fact KEY=VALUE` on the command line.
    """
    facts: dict[str, str] = {}
    for key, value in form.multi_items():
        if key.startswith(FACT_PREFIX) and isinstance(value, str) and value.strip():
            name = key.removeprefix(FACT_PREFIX)
            if not name.replace("_", "").isalnum():
                raise BadInput(f"{key}: not a fact name", field=key)
            facts[name] = value.strip()
    return facts


@router.post("/items/{item_id}/assess")
async def assess(request: Request, item_id: Id, actor: Assess) -> Response:
    form = await request.form()
    conduct = form.get("conduct")
    org = form.get("org")
    facts = facts_from_form(form)

    def run() -> None:
        with session_scope(request.app.state.engine) as session:
            assess_item(
                session=session,
                item_id=item_id,
                facts=facts,
                actor=actor.name,
                conduct=conduct if isinstance(conduct, str) and conduct else None,
                requesting=request.app.state.settings.requesting_state,
                org=org.strip() if isinstance(org, str) and org.strip() else None,
            )

    # The form is read on the event loop; the database work runs in the thread pool.
    await run_in_threadpool(run)
    return redirect_done(request, f"/items/{item_id}#assessments", "done.assessed", item=item_id)
