"""Organisations in the intercalibration table: each one's designation per jurisdiction.

The same rule as the engine's (`orgs.derive`): a jurisdiction's own lists, plus
the EU's for a member state on the date; listed, not listed (a checked list is
cited) or open.
"""

from __future__ import annotations

import csv
import html
import io
from datetime import date
from typing import Any

from comity.law._index import index_of
from comity.law.model import KnowledgeBase
from comity.law.orgs.derive import Finding, derive

__all__ = ["compare_orgs", "org_cell_text", "render_orgs"]


def _cell(finding: Finding) -> dict[str, Any]:
    d = finding.designation
    if d is not None:
        return {
            "value": True,
            "list": d.list.id,
            "category": d.category,
            "instrument": d.instrument,
            "from": d.start.isoformat(),
            "to": None if d.end is None else d.end.isoformat(),
            "source": d.source.url,
        }
    if finding.register is False:
        return {"value": False, "checked_lists": [c.id for c in finding.checked]}
    return {"value": None, "lists_counted_for": list(finding.counted)}


def org_cell_text(cell: dict[str, Any]) -> str:
    if cell["value"] is True:
        return f"{cell['category']} ({cell['list']}, from {cell['from']})"
    if cell["value"] is False:
        return "not listed (" + ", ".join(cell["checked_lists"]) + " checked)"
    return "open (lists not recorded)"


def compare_orgs(
    *, kb: KnowledgeBase, orgs: list[str], columns: list[str], on: date
) -> list[dict[str, Any]]:
    """One row per organisation, one cell per jurisdiction; BadInput for an unknown id."""
    register = kb.register
    index = index_of(kb)
    bucket = index.bucket(on)
    rows = []
    for ident in orgs:
        org = register.require(ident)
        cells = {
            code: _cell(
                derive(
                    register,
                    org,
                    fact="designated_in_host",
                    jurisdiction=code,
                    on=on,
                    eu_member=index.eu_member(code, bucket, on),
                )
            )
            for code in columns
        }
        rows.append({"org": org.id, "name": org.name, "cells": cells})
    return rows


def render_orgs(table: dict[str, Any], fmt: str) -> str:
    """The organisations section of `table` as csv, md or html ('' without organisations)."""
    rows = table.get("organisations") or []
    if not rows:
        return ""
    columns = table["columns"]
    grid = [[r["org"], *(org_cell_text(r["cells"][c]) for c in columns)] for r in rows]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["organisation", *columns])
        writer.writerows(grid)
        return "\n" + out.getvalue()
    if fmt == "md":
        lines = [
            f"\n## Organisations on {table['date']}\n",
            "| organisation | " + " | ".join(columns) + " |",
            "|---" * (len(columns) + 1) + "|",
        ]
        lines.extend("| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in grid)
        return "\n".join(lines) + "\n"
    head = "".join(f"<th>{html.escape(c)}</th>" for c in ["organisation", *columns])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in grid
    )
    return f"<h2>Organisations</h2><table><tr>{head}</tr>{body}</table>\n"
