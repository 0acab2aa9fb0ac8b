"""REST API v1: JSON over the same services as the CLI and the pages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ConfigDict, Field

from comity.core.db import read_session, session_scope
from comity.intake import service as intake
from comity.users.roles import PERMISSIONS
from comity.web.deps import Actor, need
from comity.web.etags import set_etag
from comity.web.lawviews import compare_table, jurisdiction, jurisdictions
from comity.web.limits import MAX_AGE_DAYS, MAX_PAGE, Id
from comity.web.paging import Cursor, encode_cursor
from comity.web.params import filters_from, import_upload
from comity.web.queries import item_detail
from comity.web.sections import item_sections
from comity.web.worklist import cursor_key, items_after, next_key, search_items

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["v1"])
Read = Annotated[Actor, Depends(need("read"))]
Intake = Annotated[Actor, Depends(need("intake"))]


def _json(value: dict[str, Any]) -> dict[str, Any]:
    """Dates to ISO strings, as everywhere in the API."""
    encoded: dict[str, Any] = jsonable_encoder(value)
    return encoded


class NewReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "http://blog.kaz-demo-blog.example/demo/post-1",
                    "conduct": "terrorism.glorification",
                    "source": "portal:2026-1187",
                }
            ]
        }
    )

    url: str = Field(max_length=8192, description="The URL as reported; it is canonicalised.")
    conduct: str = Field(max_length=64, description="A conduct code (ASSESSMENT.md).")
    note: str | None = Field(default=None, max_length=10_000)
    source: str | None = Field(default=None, max_length=1000)


@router.get("/me", summary="Who the caller is")
def me(actor: Read) -> dict[str, Any]:
    return {
        "name": actor.name,
        "role": actor.role,
        "via": actor.via,
        "permissions": sorted(p for p in PERMISSIONS if actor.may(p)),
    }


@router.get("/items", summary="The worklist: filtered, threat to life first, paged by cursor")
def list_items(
    request: Request,
    actor: Read,
    state: str | None = None,
    conduct: str | None = None,
    priority: str | None = None,
    domain: Annotated[str | None, Query(description="host or registrable domain")] = None,
    min_age_days: Annotated[int | None, Query(ge=0, le=MAX_AGE_DAYS)] = None,
    max_age_days: Annotated[int | None, Query(ge=0, le=MAX_AGE_DAYS)] = None,
    q: Annotated[
        str | None,
        Query(max_length=500, description="URL fragment, or words in notes or captured pages"),
    ] = None,
    host_country: str | None = None,
    provider: str | None = None,
    channel: str | None = None,
    cursor: Cursor = None,
    limit: Annotated[int | None, Query(ge=1, le=200, description="items per page")] = None,
    page: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="offset paging (deprecated: use cursor)")
    ] = 1,
    per_page: Annotated[int, Query(ge=1, le=200, description="with page; limit wins")] = 50,
) -> dict[str, Any]:
    """The first page (no cursor) also counts the matches (capped at 1,000, as on the
    worklist page); the following pages, fetched with `next_cursor`, are a keyset
    range each and do not count again."""
    values = {
        "state": state,
        "conduct": conduct,
        "priority": priority,
        "domain": domain,
        "min_age_days": None if min_age_days is None else str(min_age_days),
        "max_age_days": None if max_age_days is None else str(max_age_days),
        "q": q,
        "host_country": host_country,
        "provider": provider,
        "channel": channel,
    }
    filters = filters_from({k: v for k, v in values.items() if v is not None})
    size = limit or per_page
    after = cursor_key(cursor)
    with read_session(request.app.state.engine) as session:
        if after is not None:
            rows, last = items_after(session=session, filters=filters, after=after, limit=size)
            nxt = encode_cursor("items", last) if last else None
            return _json({"items": rows, "next_cursor": nxt})
        result = search_items(session=session, filters=filters, page=page, per_page=size)
    data = result.to_json()
    data["next_cursor"] = _next(result.items, priority) if result.has_next else None
    return _json(data)


def _next(items: list[dict[str, Any]], priority: str | None) -> str | None:
    key = next_key(items, priority)
    return encode_cursor("items", key) if key else None


@router.post("/items", status_code=201, summary="Report a URL (intake add)")
def create_item(request: Request, actor: Intake, body: NewReport) -> dict[str, Any]:
    with session_scope(request.app.state.engine) as session:
        item, report, created = intake.add_report(
            session=session,
            url=body.url,
            conduct=body.conduct,
            note=body.note,
            source=body.source,
            actor=actor.name,
            allow=request.app.state.settings.fetch_allow,
        )
        data = intake.item_summary(session, [item])[0] | {
            "report_id": report.id,
            "new_report": created,
        }
    return _json(data)


@router.get("/items/{item_id}", summary="One item with its reports, sections and history")
def get_item(request: Request, response: Response, item_id: Id, actor: Read) -> dict[str, Any]:
    with read_session(request.app.state.engine) as session:
        set_etag(response, session, "item", item_id)
        data = item_detail(session=session, item_id=item_id)
        sections, _pending = item_sections(session=session, item_id=item_id)
    data["reports"] = data.pop("report_list")
    data["sections"] = sections
    return _json(data)


@router.post("/intake/import", summary="Import a CSV of reports; per-row errors in the answer")
def import_csv(
    request: Request,
    actor: Intake,
    file: Annotated[UploadFile, File(description="CSV: url,conduct,note,source")],
    conduct: Annotated[str | None, Form(description="conduct for rows without one")] = None,
    strict: Annotated[bool, Form(description="write nothing if any row is bad")] = False,
    dry_run: Annotated[bool, Form(description="validate only")] = False,
) -> dict[str, Any]:
    settings = request.app.state.settings
    return import_upload(
        engine=request.app.state.engine,
        stream=file.file,
        filename=file.filename,
        actor=actor.name,
        conduct=conduct,
        strict=strict,
        dry_run=dry_run,
        allow=settings.fetch_allow,
        batch_size=settings.import_batch_size,
        max_bytes=settings.max_upload_mb * 1_000_000,
    )


@router.get("/law/jurisdictions", summary="Encoded jurisdictions")
def law_jurisdictions(actor: Read) -> dict[str, Any]:
    return jurisdictions()


@router.get("/law/jurisdictions/{code}", summary="One jurisdiction's encoding")
def law_jurisdiction(code: str, actor: Read) -> dict[str, Any]:
    return jurisdiction(code)


@router.get("/law/compare", summary="The intercalibration table (comity law compare)")
def law_compare(
    request: Request,
    actor: Read,
    requesting: str | None = None,
    other: Annotated[list[str] | None, Query()] = None,
    date: Annotated[str | None, Query(description="YYYY-MM-DD, default today")] = None,
) -> dict[str, Any]:
    return compare_table(
        requesting=requesting or request.app.state.settings.requesting_state,
        others=other or [],
        on=date,
    )
