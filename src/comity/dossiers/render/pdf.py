"""PDF rendering with typst, from bundled templates and bundled fonts only.

The dossier reaches typst as one JSON string in `sys.inputs` (never spliced
into markup), the fonts come only from `fonts/` (system and typst-embedded
fonts are switched off so that every machine produces the same file), and the
PDF creation date is the dossier's date, so the same dossier gives the same
bytes.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import typst

from comity.core.errors import ComityError
from comity.dossiers.render._staff import breakable
from comity.dossiers.render._view import split_url, to_view
from comity.dossiers.schemas import Dossier

__all__ = ["FONT_DIR", "TEMPLATE_DIR", "render_pdf"]

_PACKAGE = resources.files("comity.dossiers.render")
FONT_DIR = Path(str(_PACKAGE.joinpath("fonts")))
TEMPLATE_DIR = Path(str(_PACKAGE.joinpath("templates")))


@cache
def _fonts() -> typst.Fonts:
    # Loading fonts parses every file: do it once per process.
    return typst.Fonts(
        include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(FONT_DIR)]
    )


# typst breaks a URL itself (after "://", at its delimiters, and anywhere in a
# piece of 16 characters or more) but not inside a long run of letters, or of
# digits, that ends the URL: such a URL, rare, goes to the template in pieces.
_UNBREAKABLE = re.compile(r"[^\W\d_]{30,}|\d{30,}")


def _url_cell(item: dict[str, Any]) -> str | list[str]:
    """The URL cell: one string, or the URL in pieces when typst would not wrap it."""
    url, rest = item["url"], f"{item['captured']}\n{item['evidence_sha256']}"
    if "://" in url and not _UNBREAKABLE.search(url):
        return f"{url}\n{rest}"
    return [*split_url(url), rest]


def _hosting_cell(hosting: dict[str, Any]) -> str:
    lines = [f"{hosting['provider']} ({hosting['country']})", hosting["ip"]]
    if hosting["network"]:
        lines.append(hosting["network"])
    if hosting["asn"] is not None:
        lines.append(f"AS{hosting['asn']}")
    if hosting["org"] and hosting["org"] != hosting["provider"]:
        lines.append(hosting["org"])
    return "\n".join(lines)


def _law_lines(item: dict[str, Any], labels: dict[str, str], points: dict[str, str] | None) -> str:
    lines = [f"{labels['requesting_provision']}: {item['requesting_provision']['citation']}"]
    host = item["host_provision"]
    if host is not None:
        lines.append(f"{labels['host_provision']}: {host['citation']}")
        if host["elements_matched"]:
            lines.append(f"{labels['elements']}: {', '.join(host['elements_matched'])}")
    if item["tos_category"] is not None:
        lines.append(f"{labels['tos_category']}: {item['tos_category']}")
    if points is not None:
        lines += [f"[X] {points[point]}" for point in item.get("eu_2021_784_points", [])]
    return "\n".join(lines)


def _annex(view: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    """The annex cells as plain strings, composed here once (see annex.typ).

    A row is [number, URL cell, hosting index, law index]; the URL cell is a
    string, or a list (URL pieces, then the rest) for a URL that typst would
    not wrap, which the template sets as boxes.  The hosting and law
    cells are listed once each and shared by the rows that show the same text,
    so typst lays each of them out once.
    """
    labels = view["view"]["labels"]
    points = view["view"]["eu_points"] if view["kind"] == "eu_removal_order" else None
    hosting: dict[str, int] = {}
    law: dict[tuple[str, str], int] = {}
    rows = []
    for item in items:
        h = hosting.setdefault(_hosting_cell(item["hosting"]), len(hosting))
        cell = (item["conduct_label"], _law_lines(item, labels, points))
        w = law.setdefault(cell, len(law))
        rows.append([str(item["number"]), _url_cell(item), h, w])
    return {"hosting": list(hosting), "law": [list(cell) for cell in law], "rows": rows}


def render_pdf(dossier: Dossier) -> bytes:
    """The dossier as a PDF: covering note (or referral letter) and annex."""
    view = to_view(dossier)
    # The templates read the annex rows only: the items themselves (a third of
    # the JSON) would be parsed by typst for nothing.
    view["annex"] = _annex(view, view.pop("items"))
    for form in view["view"]["forms"]:
        for line in form:
            if line[0] == "staff":
                line[1] = breakable(line[1])
    data = json.dumps(view, ensure_ascii=False, separators=(",", ":"))
    compiler = typst.Compiler(
        root=str(TEMPLATE_DIR), font_paths=_fonts(), sys_inputs={"data": data}
    )
    stamp = datetime.combine(dossier.date, time(0, 0), tzinfo=UTC)
    try:
        pdf, warnings = compiler.compile_with_warnings(
            str(TEMPLATE_DIR / "dossier.typ"),
            format="pdf",
            timestamp=stamp,
            # Untagged, as the reviewed layout was.  The old "tagging costs ten
            # times the layout" no longer holds with this typst: 1,000 items
            # took 2.11 s CPU tagged vs 2.14 s untagged (machine under load),
            # so tags (PDF/UA structure) could be switched on for accessibility
            # at no measurable cost.  The text stays extractable either way.
            pdf_tags=False,
        )
    except typst.TypstError as exc:  # a template bug, never a data problem
        raise ComityError(
            f"PDF rendering failed for {dossier.reference}: {exc.message} {exc.diagnostic}"
        ) from exc
    if warnings:
        # A warning (e.g. an unknown font) means the document is not what a
        # reviewer approved: refuse rather than send a degraded file.
        detail = "; ".join(w.message for w in warnings)
        raise ComityError(f"PDF rendering of {dossier.reference} gave warnings: {detail}")
    if not isinstance(pdf, bytes):
        raise ComityError(f"PDF rendering of {dossier.reference} returned no document")
    return pdf
