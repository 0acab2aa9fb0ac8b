"""The intercalibration table: conduct codes as rows, one column per jurisdiction."""

from __future__ import annotations

import csv
import html
import io
from datetime import date
from typing import Any

from comity.core.errors import BadInput
from comity.law.engine import assess
from comity.law.model import KnowledgeBase
from comity.law.treaties import check_treaty, concerns

__all__ = ["compare", "render_csv", "render_html", "render_md", "treaties_between", "treaty_lines"]


def _cell(kb: KnowledgeBase, code: str, conduct: str, requesting: str, on: date) -> dict[str, Any]:
    result = assess(kb=kb, conduct=conduct, facts={}, host=code, requesting=requesting, on=on)
    provisions = []
    for p in result.host_provisions:
        if p.status == "not_in_force":
            continue
        needs = list(dict.fromkeys(e.label for e in p.elements))
        provisions.append(
            {
                "id": p.id,
                "citation": p.citation,
                "status": p.status,
                "needs": needs,
                "confidence": p.confidence,
                "reason": p.reason,
            }
        )
    return {"outcome": result.dual_criminality, "provisions": provisions}


def treaties_between(
    kb: KnowledgeBase, requesting: str, host: str, on: date
) -> list[dict[str, Any]]:
    """Every register treaty naming either state, with its status between them on `on`."""
    if host == requesting:
        return []
    by_party = kb.treaties_by_party
    named = {t.id: t for t in (*by_party.get(requesting, ()), *by_party.get(host, ()))}
    out = []
    for _, treaty in sorted(named.items()):
        if not concerns(treaty, host, requesting):
            continue
        check = check_treaty(treaty, host, requesting, on)
        out.append(
            {
                "id": treaty.id,
                "title": treaty.title,
                "status": check.status,
                "reason": check.reason,
                "conducts": None if treaty.conducts is None else sorted(treaty.conducts),
                "confidence": treaty.confidence,
            }
        )
    return out


def compare(*, kb: KnowledgeBase, requesting: str, others: list[str], on: date) -> dict[str, Any]:
    """Rows per conduct; the first column is the requesting state's own law."""
    columns = [requesting, *[c for c in others if c != requesting]]
    for code in columns:
        if code not in kb.jurisdictions:
            raise BadInput(
                f"'{code}' has no encoding; encoded: {', '.join(sorted(kb.jurisdictions))}",
                field="jurisdiction",
            )
    rows = [
        {"conduct": conduct, "cells": {c: _cell(kb, c, conduct, requesting, on) for c in columns}}
        for conduct in kb.vocabulary.conducts
    ]
    return {
        "requesting": requesting,
        "date": on.isoformat(),
        "columns": columns,
        "rows": rows,
        "treaties": {c: treaties_between(kb, requesting, c, on) for c in columns[1:]},
        "kb_version": kb.digest,
        "legend": "outcome with no facts given: 'conditional' lists what must be shown; "
        "'no' means no provision can cover the conduct",
    }


def cell_text(cell: dict[str, Any], *, compact: bool = False) -> str:
    """Outcome, then each provision with the elements it needs (compact: citations only)."""
    lines = [cell["outcome"].upper()]
    if compact:
        return "\n".join(lines + [p["citation"] for p in cell["provisions"] if p["status"] != "no"])
    for p in cell["provisions"]:
        head = f"{p['citation']} [{p['status']}, {p['confidence']}]"
        lines.append(head + (": " + "; ".join(p["needs"]) if p["needs"] else ""))
    return "\n".join(lines)


def render_csv(table: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["conduct", *table["columns"]])
    for row in table["rows"]:
        writer.writerow([row["conduct"], *(cell_text(row["cells"][c]) for c in table["columns"])])
    return buffer.getvalue()


def render_md(table: dict[str, Any]) -> str:
    out = [
        f"Intercalibration on {table['date']} (KB {table['kb_version'][:12]})",
        "",
        "| conduct | " + " | ".join(table["columns"]) + " |",
        "|---|" + "---|" * len(table["columns"]),
    ]
    for row in table["rows"]:
        cells = [
            cell_text(row["cells"][c]).replace("|", "\\|").replace("\n", "<br>")
            for c in table["columns"]
        ]
        out.append(f"| {row['conduct']} | " + " | ".join(cells) + " |")
    out.extend(treaty_lines(table))
    return "\n".join(out) + "\n"


def treaty_lines(table: dict[str, Any]) -> list[str]:
    """Treaties in force (or conditional) between the requesting state and each column."""
    out = ["", f"Treaties with {table['requesting']} on {table['date']}:"]
    for code, treaties in table.get("treaties", {}).items():
        live = [t for t in treaties if t["status"] != "refused"]
        if not live:
            out.append(f"- {code}: none in force")
        for t in live:
            out.append(f"- {code}: {t['id']} [{t['status']}] {t['reason']}")
    return out


def render_html(table: dict[str, Any]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table["columns"])
    body = []
    for row in table["rows"]:
        cells = "".join(
            f'<td class="{row["cells"][c]["outcome"]}">'
            + html.escape(cell_text(row["cells"][c])).replace("\n", "<br>")
            + "</td>"
            for c in table["columns"]
        )
        body.append(f"<tr><th>{html.escape(row['conduct'])}</th>{cells}</tr>")
    return (
        '<!doctype html><meta charset="utf-8"><title>Comity intercalibration</title>'
        "<style>td,th{border:1px solid #999;padding:4px;vertical-align:top;font:13px sans-serif}"
        "table{border-collapse:collapse}.yes{background:#e6f4e6}.no{background:#f6e3e3}"
        ".conditional{background:#fff6d6}</style>"
        f"<h1>Intercalibration on {html.escape(table['date'])}</h1>"
        f"<table><tr><th>conduct</th>{head}</tr>{''.join(body)}</table>\n"
        + "".join(f"<p>{html.escape(line)}</p>" for line in treaty_lines(table) if line)
        + "\n"
    )
