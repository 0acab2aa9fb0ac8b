"""The Regulation's report: Article 7 and Article 8 figures of Regulation (EU) 2021/784.

`comity report tco --year Y` counts the requests dispatched in year Y (by
their dispatch date, with their outcome as known today): by host state, by
conduct and by channel, EU removal-order requests apart; removed or disabled,
and removed within the time limit that applied (the tracked request's `due_at`
against `tracking.outcome.removal_day`, which already refuses a host's
"removed" that the monitor contradicts); disputed answers; reinstatements;
refusals by reason.

Complaints and their reviews are counted by the day the complaint was
received (comity.complaints): received, by complainant, reviewed, upheld,
rejected, pending, decided after the deadline, and those brought before a
court. Penalties are not recorded by Comity: the report says so in words in
every language, never with a zero that would read as a count.

Counts are exact: Article 7 asks for the number of orders and their outcomes,
which authorities publish as numbers (the small-cell suppression of the
general transparency report does not apply).

Sections are [label, value] rows like the transparency report's, so the HTML
and PDF templates, the fonts and the i18n files are shared with it.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import Row, select

from comity.complaints.service import complaint_figures
from comity.core.db import utcnow
from comity.core.errors import BadInput
from comity.reports import charts
from comity.reports.transparency import _jinja, _number, _pdf, texts
from comity.tracking.models import Dispatch, MonitorState, TrackedRequest
from comity.tracking.outcome import disputed, reinstated, removal_day

__all__ = ["FORMATS", "NOT_RECORDED", "document", "render", "sections"]

FORMATS = ("json", "csv", "html", "pdf")
EU_ORDER = "eu_removal_order_request"
# Figures the Regulation asks for that Comity does not record.
NOT_RECORDED = ("penalties",)
_SERIES = ("by_host", "by_conduct", "by_channel", "eu_by_host", "outcomes", "refused_by_reason")


def _year(year: int) -> tuple[date, date]:
    try:
        return date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        raise BadInput(f"--year: {year} is not a year; write four digits, e.g. 2026") from None


def _rows(session: Any, start: date, end: date) -> Iterator[Row[Any]]:
    """The columns the report reads, streamed (a million requests never sit in memory).

    Whole ORM objects cost ~4 KiB a request; these ten columns are read in
    batches (`yield_per`: a server-side cursor on PostgreSQL).
    """
    query = (
        select(
            Dispatch.host_country,
            Dispatch.channel,
            TrackedRequest.conduct,
            TrackedRequest.due_at,
            TrackedRequest.decision,
            TrackedRequest.decided_on,
            TrackedRequest.removed_at,
            TrackedRequest.reinstated_on,
            TrackedRequest.reason,
            MonitorState.verdict,
        )
        .join(Dispatch, Dispatch.id == TrackedRequest.dispatch_id)
        .outerjoin(MonitorState, MonitorState.item_id == TrackedRequest.item_id)
        .where(Dispatch.sent_on >= start, Dispatch.sent_on <= end)
        .execution_options(yield_per=10_000)
    )
    yield from session.execute(query)


def document(*, session: Any, year: int, as_of: date | None = None) -> dict[str, Any]:
    """The figures as data (language-neutral codes), exact counts."""
    start, end = _year(year)
    by: dict[str, Counter[str]] = {name: Counter() for name in _SERIES}
    count = 0
    for request in _rows(session, start, end):
        count += 1
        verdict = request.verdict
        host = request.host_country or "(unknown)"
        by["by_host"][host] += 1
        by["by_conduct"][request.conduct or "(unknown)"] += 1
        by["by_channel"][request.channel] += 1
        if request.channel == EU_ORDER:
            by["eu_by_host"][host] += 1
        removed = removal_day(request, verdict)
        out = by["outcomes"]
        out["removed"] += removed is not None
        if removed is not None and request.due_at is not None:
            out["within_time_limit" if removed <= request.due_at.date() else "late"] += 1
        elif removed is not None:
            out["no_time_limit"] += 1
        out["disputed"] += disputed(request, verdict)
        out["reinstated"] += reinstated(request, verdict)
        if request.decision == "refused":
            by["refused_by_reason"][request.reason or "other"] += 1
    complaints = complaint_figures(session=session, start=start, end=end)
    outcome_keys = ("removed", "within_time_limit", "late", "no_time_limit", "disputed")
    return {
        "report": "tco",
        "year": year,
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "as_of": (as_of or utcnow().date()).isoformat(),
        "empty": not count and not complaints["received"],
        "requests": count,
        "eu_removal_order_requests": by["by_channel"][EU_ORDER],
        **{name: dict(sorted(by[name].items())) for name in _SERIES if name != "outcomes"},
        "outcomes": {k: by["outcomes"][k] for k in (*outcome_keys, "reinstated")},
        "complaints": complaints,
        "not_recorded": list(NOT_RECORDED),
    }


def sections(doc: dict[str, Any], language: str) -> list[dict[str, Any]]:
    """Translated sections of [label, value] rows; `values`: the numbers of a charted series."""
    t, tco = texts(language), texts(language)["tco"]
    unknown = t["labels"]["unknown"]

    def named(values: dict[str, int], names: dict[str, str]) -> list[list[str]]:
        return [
            [unknown if k == "(unknown)" else names.get(k, k), _number(v, t)]
            for k, v in values.items()
        ]

    def section(key: str, rows: list[list[str]], *, series: bool = True) -> dict[str, Any]:
        values = list(doc[key].values()) if series else []
        return {"key": key, "title": tco["sections"][key], "rows": rows, "values": values}

    totals = [
        [tco["rows"]["requests"], _number(doc["requests"], t)],
        [tco["rows"]["eu_removal_order_requests"], _number(doc["eu_removal_order_requests"], t)],
    ]
    missing = tco["not_recorded"]
    return [
        section("totals", totals, series=False),
        section("by_host", named(doc["by_host"], {})),
        section("eu_by_host", named(doc["eu_by_host"], {})),
        section("by_conduct", named(doc["by_conduct"], t["conducts"])),
        section("by_channel", named(doc["by_channel"], t["channels"])),
        section("outcomes", named(doc["outcomes"], tco["outcomes"])),
        section("refused_by_reason", named(doc["refused_by_reason"], t["reasons"])),
        section("complaints", named(doc["complaints"], tco["complaints"])),
        section(
            "not_recorded",
            [[tco["rows"][k], missing["value"]] for k in doc["not_recorded"]],
            series=False,
        ),
    ]


def _chart(section: dict[str, Any]) -> str:
    labels = [row[0] for row in section["rows"]]
    return charts.bar_chart(labels, [float(v) for v in section["values"]], title=section["title"])


def _view(doc: dict[str, Any], language: str) -> dict[str, Any]:
    t, tco = texts(language), texts(language)["tco"]
    parts = sections(doc, language)
    for part in parts:  # HTML and PDF draw each series above its table
        if any(part["values"]):  # an all-zero series is its table alone
            part["chart"] = _chart(part)
    notes = [tco["notes"]["scope"], tco["notes"]["not_recorded"]]
    if doc["empty"]:
        notes.insert(0, tco["notes"]["empty"].format(year=doc["year"]))
    return {
        "language": language,
        "title": tco["title"],
        "subtitle": tco["subtitle"],
        "period": tco["period"].format(year=doc["year"]),
        "as_of": t["labels"]["as_of"].format(date=doc["as_of"]),
        "notes": notes,
        "columns": [t["labels"]["category"], t["labels"]["number"]],
        "sections": parts,
    }


def _csv(doc: dict[str, Any], language: str) -> bytes:
    t, tco = texts(language), texts(language)["tco"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([tco["section"], t["labels"]["category"], t["labels"]["number"]])
    for part in sections(doc, language):
        for label, value in part["rows"]:
            writer.writerow([part["title"], label, value])
    return out.getvalue().encode("utf-8")


def render(
    *, session: Any, year: int, fmt: str, language: str = "en", as_of: date | None = None
) -> bytes:
    """The Article 7/8 report for `year` as JSON, CSV, HTML or PDF bytes."""
    if fmt not in FORMATS:
        raise BadInput(f"--format: '{fmt}' is not available; valid: {', '.join(FORMATS)}")
    texts(language)  # refuse an unknown language before any query
    doc = document(session=session, year=year, as_of=as_of)
    if fmt == "json":
        body = {**doc, "language": language, "sections": sections(doc, language)}
        return (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode()
    if fmt == "csv":
        return _csv(doc, language)
    if fmt == "html":
        return _jinja().get_template("transparency.html").render(**_view(doc, language)).encode()
    return _pdf(_view(doc, language), date.fromisoformat(doc["as_of"]))
