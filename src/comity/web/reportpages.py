"""The dashboard (charts for supervisors and auditors) and the transparency report.

The figures come from `comity.reports`; charts are inline SVG that
`comity.reports.charts` has already sanitised (no scripts, no inline styles),
each followed by an escaped table of the same numbers. The transparency report
is aggregates only; its downloads are attachments, never rendered in the app.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from comity.core.db import read_session, utcnow
from comity.core.errors import BadInput
from comity.web.deps import Actor, need
from comity.web.i18n import translator
from comity.web.labels import labeller
from comity.web.limits import parse_day
from comity.web.render import NavEntry, language, page, register_nav

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Audit = Annotated[Actor, Depends(need("audit"))]
Read = Annotated[Actor, Depends(need("read"))]

register_nav(NavEntry("/dashboard", "nav.dashboard", "audit"))
register_nav(NavEntry("/transparency", "nav.transparency", "read"))

# Dashboard charts, each titled by the interface string `chart.<name>`.
_CHARTS = ("removal_by_host", "removal_by_channel", "days_to_removal", "funnel", "refusals")
_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8", "json": "application/json"}


def _day(value: str | None, default: date, field: str) -> date:
    if not value:
        return default
    return parse_day(value, field)


def _labelled(figures: dict[str, Any], lang: str) -> dict[str, Any]:
    """The figures with codes (host countries, channels, item states, refusal reasons)
    replaced by words."""
    words = labeller(lang)
    out = dict(figures)
    out["removal_rate_by_host"] = [
        {**r, "key": words.label("country", str(r["key"]))} for r in figures["removal_rate_by_host"]
    ]
    out["removal_rate_by_channel"] = [
        {**r, "key": words.label("channel", str(r["key"]))}
        for r in figures["removal_rate_by_channel"]
    ]
    stages = figures["funnel"]["stages"]
    out["funnel"] = {
        **figures["funnel"],
        "stages": [{**st, "stage": words.label("state", str(st["stage"]))} for st in stages],
    }
    reasons = figures["refusals_by_reason"]["reasons"]
    out["refusals_by_reason"] = {
        **figures["refusals_by_reason"],
        "reasons": [{**r, "reason": words.label("reason", str(r["reason"]))} for r in reasons],
    }
    return out


def _dashboard_view(lang: str) -> dict[str, Any]:
    from comity.reports.charts import dashboard_charts, table_html
    from comity.reports.service import dashboard

    t = translator(lang)
    with read_session() as session:
        figures = dashboard(session=session)
    titles = {k: t(f"chart.{k}") for k in _CHARTS}
    labelled = _labelled(figures, lang)
    charts = dashboard_charts(labelled, titles)
    hosts = [
        [r["key"], r["n"], r["removed"], f"{r['rate'] * 100:.0f} %"]
        for r in labelled["removal_rate_by_host"]
    ]
    header = [t(f"chart.col.{k}") for k in ("host", "sent", "removed", "rate")]
    tables = [table_html(titles["removal_by_host"], header, hosts)]
    return {
        "charts": {k: Markup(v) for k, v in charts.items()},  # noqa: S704 - sanitised SVG
        "tables": [Markup(t) for t in tables],  # noqa: S704 - table_html escapes every cell
        "figures": figures,
    }


class _DashboardCache:
    """The dashboard's view per language, computed by one request at a time and kept
    `dashboard_cache_seconds`: under load (bench_scale, 50 clients) every supervisor's
    view recomputed the figures and drew the charts, and the dashboard took a core.
    An expired view is recomputed in a thread of its own while every request, the one
    that found it expired included, is shown the previous one (its time is on the
    page): only the very first view waits. (Before, the request that found it
    expired computed it: at 10,000,000 items under load that one request in twenty
    took 5 s, the dashboard's p95, bench_scale.)"""

    def __init__(self) -> None:
        self._views: dict[str, tuple[float, dict[str, Any]]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def view(self, lang: str, seconds: int) -> dict[str, Any]:
        if seconds <= 0:  # no cache: every view computes its own figures
            return _dashboard_view(lang) | {"as_of": utcnow()}
        with self._guard:
            lock = self._locks.setdefault(lang, threading.Lock())
        kept = self._views.get(lang)
        if kept is not None and time.monotonic() - kept[0] < seconds:
            return kept[1]
        # Someone is already recomputing: the previous view, if there is one, now.
        if not lock.acquire(blocking=kept is None):
            assert kept is not None  # a blocking acquire always succeeds
            return kept[1]
        if kept is not None:  # expired: recomputed behind this request, which need not wait
            threading.Thread(target=self._refresh, args=(lang, lock), daemon=True).start()
            return kept[1]
        try:
            kept = self._views.get(lang)  # computed while this one waited for the lock
            return kept[1] if kept is not None else self._compute(lang)
        finally:
            lock.release()

    def _compute(self, lang: str) -> dict[str, Any]:
        view = _dashboard_view(lang) | {"as_of": utcnow()}
        self._views[lang] = (time.monotonic(), view)
        return view

    def _refresh(self, lang: str, held: threading.Lock) -> None:
        """In the background: compute the view, then release `held` (taken by a request)."""
        try:
            self._compute(lang)
        finally:
            held.release()


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard_page(request: Request, actor: Audit) -> HTMLResponse:
    state = request.app.state
    if not hasattr(state, "dashboard_cache"):
        state.dashboard_cache = _DashboardCache()
    seconds = state.settings.dashboard_cache_seconds
    view = await run_in_threadpool(state.dashboard_cache.view, language(request), seconds)
    return page(request, "dashboard.html", active="/dashboard", cache_seconds=seconds, **view)


def _period(start: str | None, end: str | None) -> tuple[date, date]:
    today = utcnow().date()
    first = _day(start, today.replace(month=1, day=1), "from")
    last = _day(end, today, "to")
    if last < first:
        raise BadInput("to: the period ends before it starts", field="to")
    return first, last


def _document(first: date, last: date, lang: str) -> list[dict[str, Any]]:
    from comity.reports import transparency

    with read_session() as session:
        doc = transparency.document(session=session, period_from=first, period_to=last)
    return transparency.sections(doc, lang)


@router.get("/transparency", response_class=HTMLResponse)
async def transparency_page(
    request: Request,
    actor: Read,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
) -> HTMLResponse:
    first, last = _period(start, end)
    lang = language(request)
    sections = await run_in_threadpool(_document, first, last, lang)
    return page(
        request,
        "transparency.html",
        active="/transparency",
        sections=sections,
        period_from=first.isoformat(),
        period_to=last.isoformat(),
    )


@router.get("/transparency/report")
async def transparency_download(
    request: Request,
    actor: Read,
    fmt: Annotated[str, Query(alias="format")] = "pdf",
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    lang: Annotated[str | None, Query()] = None,
) -> Response:
    from comity.reports import transparency

    if fmt not in _TYPES:
        raise BadInput(f"format: '{fmt}' is not valid; valid: {', '.join(_TYPES)}", field="format")
    first, last = _period(start, end)
    chosen = lang or language(request)

    def render() -> bytes:
        with read_session() as session:
            return transparency.render(
                session=session, period_from=first, period_to=last, fmt=fmt, language=chosen
            )

    body = await run_in_threadpool(render)
    name = f"comity-transparency-{first.isoformat()}-{last.isoformat()}.{chosen}.{fmt}"
    return Response(
        body,
        media_type=_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Security-Policy": "sandbox",
        },
    )
