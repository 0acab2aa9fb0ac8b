"""DOCX rendering with docxtpl from the committed template (tools/make_docx_template.py).

Jinja autoescaping is on, so `<`, `&` and quotes in URLs become XML entities;
control characters, which XML 1.0 cannot carry at all, are refused when the
`Dossier` is built. The archive is rewritten with fixed timestamps so that the
same dossier gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, time
from importlib import resources
from typing import Any

from docxtpl import DocxTemplate

from comity.dossiers.render._view import to_view
from comity.dossiers.schemas import Dossier

__all__ = ["render_docx"]


def _provision_line(p: dict[str, Any], source_label: str) -> str:
    title = f" — {p['title']}" if p["title"] else ""
    return f"• {p['citation']}{title} ({source_label}: {p['source']})"


def _form_lines(forms: list[list[list[str]]]) -> list[str]:
    """The Annex I forms as paragraphs, after the covering text (see _annex_i.py)."""
    return [part for lines in forms for _, text in lines for part in text.split("\n")]


def _cover(record: dict[str, Any]) -> list[str]:
    """The covering text as paragraphs, in the same order as the PDF."""
    view, kind = record["view"], record["kind"]
    note, body, labels = view["note"], view["body"], view["labels"]
    basis = record["legal_basis"]
    tail = [view["priority_text"]] if view["priority_text"] else []
    tail.append(note["contact"])
    if view["cover"]:  # note verbale, letter of request: composed in _letters.py
        return _marked(record, [text for _, text in view["cover"] if text])
    if kind == "provider_referral":
        return [
            body["salutation"],
            body["body"],
            body["not_an_order"],
            *tail,
            body["closing"],
            record["sender"]["name"],
        ]
    if kind == "eu_removal_order":
        lines = [view["eu_template"]["opening"], view["eu_template"]["template_note"]]
    else:
        lines = [body["opening"]]
    lines.append(note["requesting_law"])
    lines += [_provision_line(p, labels["source"]) for p in basis["requesting"]]
    if kind == "eu_coordinator":
        lines.append(body["request"])
    else:
        lines.append(note["host_law"])
        lines += [_provision_line(p, labels["source"]) for p in basis["host"]]
        lines.append(note["request_intro"])
        lines += [f"{chr(ord('a') + i)}) {a}" for i, a in enumerate(view["actions"])]
    lines += [
        note["evidence"],
        *tail,
        note["closing"],
        *(view["seal_lines"] or [view["date"]]),
        f"{labels['to']}: {record['addressee']['name']}",
        labels["enclosure"],
    ]
    lines += _form_lines(view["forms"])
    return _marked(record, lines)


def _marked(record: dict[str, Any], lines: list[str]) -> list[str]:
    """The version and priority lines above the covering text, as in the PDF."""
    view, labels = record["view"], record["view"]["labels"]
    if view["version_line"]:
        lines.insert(0, view["version_line"])
    if record["priority"] != "standard":
        lines.insert(0, f"{labels['priority']}: {view['priority']}")
    return lines


def _annex_extras(record: dict[str, Any]) -> None:
    labels, points = record["view"]["labels"], record["view"]["eu_points"]
    for item in record["items"]:
        h = item["hosting"]
        extra = [h["network"], f"AS{h['asn']}" if h["asn"] else "", h["org"]]
        item["hosting_extra"] = " · ".join(e for e in extra if e)
        law = []
        if item["host_provision"]:
            p = item["host_provision"]
            law.append(f"{labels['host_provision']}: {p['citation']}")
            if p["elements_matched"]:
                law.append(f"{labels['elements']}: {', '.join(p['elements_matched'])}")
        if item["tos_category"]:
            law.append(f"{labels['tos_category']}: {item['tos_category']}")
        law += [f"[X] {points[x]}" for x in item.get("eu_2021_784_points", [])]
        item["law_extra"] = " · ".join(law)


def _normalise_zip(data: bytes, moment: datetime) -> bytes:
    stamp = (moment.year, moment.month, moment.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def render_docx(dossier: Dossier) -> bytes:
    """The dossier as an editable DOCX: covering text and annex table."""
    record = to_view(dossier)
    _annex_extras(record)
    record["V"] = record.pop("view")
    record["view"] = record["V"]
    record["cover"] = _cover(record)
    template_file = resources.files("comity.dossiers.render").joinpath("templates/dossier.docx")
    template = DocxTemplate(io.BytesIO(template_file.read_bytes()))
    template.render(record, autoescape=True)
    moment = datetime.combine(dossier.date, time(0, 0), tzinfo=UTC)
    props = template.docx.core_properties
    props.created = props.modified = moment.replace(tzinfo=None)
    props.title = f"{record['V']['title']} {dossier.reference}"
    props.author = props.last_modified_by = dossier.sender.name
    props.revision = dossier.version
    buffer = io.BytesIO()
    template.save(buffer)
    return _normalise_zip(buffer.getvalue(), moment)
