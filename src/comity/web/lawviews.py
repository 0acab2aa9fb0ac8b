"""The law browser: jurisdictions, provisions and the intercalibration table (`comity.law`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from comity.web.deps import Actor, need
from comity.web.limits import parse_day
from comity.web.render import page

__all__ = ["compare_table", "jurisdiction", "jurisdictions", "router"]

# `comity.law` is imported inside the functions: the worklist and intake pages
# keep working while the knowledge base or its engine is being changed.

router = APIRouter(include_in_schema=False)
Read = Annotated[Actor, Depends(need("read"))]


def jurisdictions() -> dict[str, Any]:
    from comity.law.kb.loader import load_kb

    kb = load_kb()
    return {
        "kb_version": kb.digest,
        "jurisdictions": [
            {
                "code": j.code,
                "name": j.name,
                "name_local": j.name_local,
                # the local name's language, so that it is marked as such
                "language": j.languages[0] if j.languages else None,
                "legal_system": j.legal_system,
                "provisions": len(j.provisions),
            }
            for _, j in sorted(kb.jurisdictions.items())
        ],
    }


def jurisdiction(code: str) -> dict[str, Any]:
    from comity.law.kb.loader import load_kb
    from comity.law.show import show_jurisdiction

    return show_jurisdiction(kb=load_kb(), code=code.strip().upper())


def compare_table(*, requesting: str, others: list[str], on: str | None) -> dict[str, Any]:
    from comity.law.compare import compare
    from comity.law.kb.loader import load_kb

    kb = load_kb()
    day = parse_day(on, "date") if on else date.today()
    codes = [c.strip().upper() for c in others if c.strip()] or sorted(kb.jurisdictions)
    return compare(kb=kb, requesting=requesting.strip().upper(), others=codes, on=day)


@router.get("/law")
def law_index(request: Request, actor: Read) -> HTMLResponse:
    data = jurisdictions()
    return page(
        request,
        "law.html",
        active="nav.law",
        requesting=request.app.state.settings.requesting_state,
        **data,
    )


@router.get("/law/compare")
def law_compare(
    request: Request,
    actor: Read,
    requesting: str = "",
    other: Annotated[list[str] | None, Query()] = None,
    on: str = "",
) -> HTMLResponse:
    table = compare_table(
        requesting=requesting or request.app.state.settings.requesting_state,
        others=other or [],
        on=on or None,
    )
    return page(request, "law_compare.html", active="nav.law", table=table)


@router.get("/law/{code}")
def law_jurisdiction(request: Request, code: str, actor: Read) -> HTMLResponse:
    data = jurisdiction(code)
    return page(request, "law_jurisdiction.html", active="nav.law", j=data)
