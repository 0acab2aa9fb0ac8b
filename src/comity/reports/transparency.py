"""The public transparency report: aggregates only, as HTML, JSON or PDF, in en, ru or kk.

What goes in is decided here and nowhere else: counts, shares and medians
from `service.period_figures`, after disclosure control
(`comity.reports.disclosure`), plus knowledge-base coverage. No URL, host
name, item or proposal id, user name, dossier reference or free text from a
case ever reaches the document: the figures are built from codes (conduct,
channel, ISO country, decision, reason) that are translated from data in
`i18n/{lang}.yaml`.

The PDF comes from `templates/transparency.typ` with the dossiers' bundled
Noto fonts (no system fonts: the same bytes on every machine); the document
reaches typst as JSON in `sys.inputs`, never spliced into markup.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import jinja2
import typst
import yaml

from comity.complaints import retention
from comity.complaints.service import complaint_figures
from comity.core.countries import country_name
from comity.core.db import utcnow
from comity.core.errors import BadInput, ComityError
from comity.dossiers.render.pdf import FONT_DIR
from comity.law.kb.loader import load_kb
from comity.reports import disclosure as dc
from comity.reports.service import OUTCOMES, period_figures

__all__ = ["FORMATS", "LANGUAGES", "document", "render", "sections"]

FORMATS = ("html", "pdf", "json")
LANGUAGES = ("en", "ru", "kk")
_PACKAGE = resources.files("comity.reports")
_TEMPLATES = Path(str(_PACKAGE.joinpath("templates")))
# Complaint figures the public report shows (before disclosure control).
_COMPLAINTS = ("received", "reviewed", "upheld", "rejected", "pending")


@cache
def texts(language: str) -> dict[str, Any]:
    if language not in LANGUAGES:
        raise BadInput(f"--lang: '{language}' is not available; valid: {', '.join(LANGUAGES)}")
    raw = _PACKAGE.joinpath("i18n", f"{language}.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(raw)
    return loaded


def _kb() -> dict[str, Any]:
    kb = load_kb()
    codes = sorted(kb.jurisdictions)
    return {"jurisdictions_encoded": len(codes), "jurisdictions": codes, "kb_version": kb.digest}


def document(
    *, session: Any, period_from: date, period_to: date, as_of: date | None = None
) -> dict[str, Any]:
    """The report as data (language-neutral codes), every count already disclosure-controlled."""
    raw = period_figures(session=session, period_from=period_from, period_to=period_to)
    days, verified = raw["days_to_removal"], raw["verified_removed"]
    return {
        "report": "transparency",
        "period": raw["period"],
        "as_of": (as_of or utcnow().date()).isoformat(),
        "disclosure": {"threshold": dc.THRESHOLD, "withheld": dc.WITHHELD},
        "intake": {
            "reports_received": dc.cell(raw["reports_received"]),
            "items_reported": dc.cell(raw["items_reported"]),
            "items_by_conduct": dc.group(raw["items_by_conduct"]),
        },
        "requests": {
            "dossiers": dc.cell(raw["dossiers"]),
            "requests": dc.cell(raw["requests"]),
            "by_channel": dc.group(raw["by_channel"]),
            "by_host": dc.group(raw["by_host"]),
        },
        "outcomes": {
            "by_outcome": dc.group(raw["outcomes"]),
            "refused_by_reason": dc.group(raw["refused_by_reason"]),
            "median_days_to_removal": dc.figure(days["median"], days["n"]),
            "verified_removed_share": dc.rate(verified["count"], verified["n"]),
        },
        "safeguards": {k: dc.cell(v) for k, v in raw["safeguards"].items()},
        "complaints": {
            k: dc.cell(v)
            for k, v in complaint_figures(session=session, start=period_from, end=period_to).items()
            if k in _COMPLAINTS
        }
        | {"reinstated": dc.cell(raw["reinstated"]["count"])},
        # The centre's own deletions: no person is counted, so nothing is withheld.
        "retention": retention.figures(session=session, start=period_from, end=period_to),
        "knowledge_base": _kb(),
    }


def _number(value: Any, t: dict[str, Any], *, share: bool = False) -> str:
    if value is None:
        return str(t["labels"]["none"])
    if isinstance(value, str):
        return value
    if share:
        return f"{value * 100:.0f} %"
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text.replace(".", t["decimal"])


def _named(values: dict[str, Any], names: dict[str, str], t: dict[str, Any]) -> list[list[str]]:
    return [[names.get(k, k), _number(v, t)] for k, v in values.items()]


def sections(doc: dict[str, Any], language: str) -> list[dict[str, Any]]:
    """The document as translated sections of [label, value] rows (HTML and PDF share it)."""
    t = texts(language)
    rows = t["rows"]

    def n(value: Any) -> str:
        return _number(value, t)

    intake, req, out = doc["intake"], doc["requests"], doc["outcomes"]
    safe, kb = doc["safeguards"], doc["knowledge_base"]
    # Host states by name in the report's language (CLDR); "(unknown)" in words.
    hosts = {
        k: (t["labels"]["unknown"] if k == "(unknown)" else country_name(k, language) or k)
        for k in req["by_host"]
    }
    by_outcome = {k: out["by_outcome"][k] for k in OUTCOMES}
    return [
        {
            "title": t["sections"]["intake"],
            "rows": [
                [rows["reports_received"], n(intake["reports_received"])],
                [rows["items_reported"], n(intake["items_reported"])],
            ],
        },
        {
            "title": t["sections"]["conduct"],
            "rows": _named(intake["items_by_conduct"], t["conducts"], t),
        },
        {
            "title": t["sections"]["channel"],
            "rows": [
                [rows["dossiers"], n(req["dossiers"])],
                [rows["requests"], n(req["requests"])],
                *_named(req["by_channel"], t["channels"], t),
            ],
        },
        {"title": t["sections"]["host"], "rows": _named(req["by_host"], hosts, t)},
        {
            "title": t["sections"]["outcomes"],
            "rows": [
                *_named(by_outcome, t["outcomes"], t),
                [rows["median_days"], n(out["median_days_to_removal"])],
                [rows["verified_share"], _number(out["verified_removed_share"], t, share=True)],
            ],
        },
        {
            "title": t["sections"]["reasons"],
            "rows": _named(out["refused_by_reason"], t["reasons"], t),
        },
        {"title": t["sections"]["safeguards"], "rows": [[rows[k], n(v)] for k, v in safe.items()]},
        {
            "title": t["sections"]["complaints"],
            "rows": [[t["complaints"][k], n(v)] for k, v in doc["complaints"].items()],
        },
        {
            "title": t["sections"]["retention"],
            "rows": [[t["retention"][k], n(v)] for k, v in doc["retention"].items()],
        },
        {
            "title": t["sections"]["knowledge_base"],
            "rows": [
                [rows["jurisdictions_encoded"], n(kb["jurisdictions_encoded"])],
                [
                    rows["jurisdictions"],
                    ", ".join(country_name(c, language) or c for c in kb["jurisdictions"]),
                ],
                [rows["kb_version"], kb["kb_version"][:12]],
            ],
        },
    ]


def _view(doc: dict[str, Any], language: str) -> dict[str, Any]:
    t = texts(language)
    labels = t["labels"]
    period = doc["period"]
    return {
        "language": language,
        "title": labels["title"],
        "subtitle": labels["subtitle"],
        "period": labels["period"].format(start=period["from"], end=period["to"]),
        "as_of": labels["as_of"].format(date=doc["as_of"]),
        "notes": [labels["aggregates_note"], labels["suppression_note"]],
        "columns": [labels["category"], labels["number"]],
        "sections": sections(doc, language),
    }


@cache
def _jinja() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=True,  # every value is data: escaped, never markup
        undefined=jinja2.StrictUndefined,
    )


@cache
def _fonts() -> typst.Fonts:
    return typst.Fonts(
        include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(FONT_DIR)]
    )


def _pdf(view: dict[str, Any], stamp: date) -> bytes:
    data = json.dumps(view, ensure_ascii=False, separators=(",", ":"))
    compiler = typst.Compiler(root=str(_TEMPLATES), font_paths=_fonts(), sys_inputs={"data": data})
    try:
        pdf, warnings = compiler.compile_with_warnings(
            str(_TEMPLATES / "transparency.typ"),
            format="pdf",
            timestamp=datetime.combine(stamp, time(0), tzinfo=UTC),
        )
    except typst.TypstError as exc:  # a template bug, never a data problem
        raise ComityError(f"transparency PDF failed: {exc.message} {exc.diagnostic}") from exc
    if warnings:
        # A missing glyph or font would publish a degraded document: refuse.
        detail = "; ".join(w.message for w in warnings)
        raise ComityError(f"transparency PDF gave warnings: {detail}")
    if not isinstance(pdf, bytes):
        raise ComityError("transparency PDF: typst returned no document")
    return pdf


def render(
    *,
    session: Any,
    period_from: date,
    period_to: date,
    fmt: Literal["html", "pdf", "json"] | str,
    language: str = "en",
    as_of: date | None = None,
) -> bytes:
    """The transparency report for [period_from, period_to] as HTML, PDF or JSON bytes."""
    if fmt not in FORMATS:
        raise BadInput(f"--format: '{fmt}' is not available; valid: {', '.join(FORMATS)}")
    texts(language)  # refuse an unknown language before any query
    doc = document(session=session, period_from=period_from, period_to=period_to, as_of=as_of)
    if fmt == "json":
        body = {**doc, "language": language, "sections": sections(doc, language)}
        return (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode()
    view = _view(doc, language)
    if fmt == "html":
        return _jinja().get_template("transparency.html").render(**view).encode()
    return _pdf(view, date.fromisoformat(doc["as_of"]))
