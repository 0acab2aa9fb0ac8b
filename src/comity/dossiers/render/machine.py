"""Machine-readable renderings: the JSON record and the CSV annex."""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from importlib import resources
from typing import Any

from comity.dossiers.render._view import to_record
from comity.dossiers.schemas import Dossier

__all__ = ["CSV_COLUMNS", "dossier_schema", "render_csv", "render_json"]

CSV_COLUMNS = (
    "number",
    "url",
    "captured_at",
    "evidence_sha256",
    "ip",
    "network",
    "asn",
    "org",
    "hosting_country",
    "provider",
    "conduct",
    "requesting_provision_id",
    "requesting_provision_citation",
    "host_provision_id",
    "host_provision_citation",
    "host_elements_matched",
    "tos_category",
)
# Cells a spreadsheet would run as a formula (OWASP "CSV injection"). URLs
# and hashes never start with these; free-text names might.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@cache
def dossier_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that `render_json` output satisfies."""
    text = resources.files("comity.dossiers.render").joinpath("dossier.schema.json")
    schema: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return schema


def render_json(dossier: Dossier) -> bytes:
    """The language-neutral record, UTF-8, keys in a fixed order."""
    return (json.dumps(to_record(dossier), ensure_ascii=False, indent=2) + "\n").encode()


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def render_csv(dossier: Dossier) -> bytes:
    """The annex, one row per item (RFC 4180: CRLF line ends, UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    for item in to_record(dossier)["items"]:
        h, rp, hp = item["hosting"], item["requesting_provision"], item["host_provision"] or {}
        writer.writerow(
            [
                item["number"],
                item["url"],
                item["captured_at"],
                item["evidence_sha256"],
                _cell(h["ip"]),
                _cell(h["network"]),
                h["asn"] or "",
                _cell(h["org"]),
                h["country"],
                _cell(h["provider"]),
                item["conduct"],
                _cell(rp["id"]),
                _cell(rp["citation"]),
                _cell(hp.get("id")),
                _cell(hp.get("citation")),
                _cell("; ".join(hp.get("elements_matched", []))),
                _cell(item["tos_category"]),
            ]
        )
    return out.getvalue().encode()
