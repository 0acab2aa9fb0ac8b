"""Renderers for request dossiers: PDF, DOCX, JSON, CSV, e-mail and X-ARF.

Each `render_<format>(dossier) -> bytes` is deterministic: the same `Dossier`
gives the same bytes. The fixed texts in `i18n/kk.yaml` and `i18n/ru.yaml`
need review by a native-speaking legal translator before production use.
"""

from __future__ import annotations

from collections.abc import Callable

from comity.dossiers.render.docx import render_docx
from comity.dossiers.render.machine import dossier_schema, render_csv, render_json
from comity.dossiers.render.pdf import render_pdf
from comity.dossiers.render.portal import render_sheet
from comity.dossiers.render.referral import render_eml
from comity.dossiers.render.xarf import render_xarf
from comity.dossiers.schemas import Dossier

__all__ = [
    "dossier_schema",
    "formats_for",
    "render_csv",
    "render_docx",
    "render_eml",
    "render_json",
    "render_pdf",
    "render_sheet",
    "render_xarf",
]

_COMMON: dict[str, Callable[[Dossier], bytes]] = {
    "pdf": render_pdf,
    "docx": render_docx,
    "json": render_json,
    "csv": render_csv,
}


def formats_for(dossier: Dossier) -> dict[str, Callable[[Dossier], bytes]]:
    """File extension -> renderer, for every format this dossier is issued in."""
    if dossier.kind == "provider_referral":
        return {**_COMMON, "eml": render_eml, "xarf.json": render_xarf}
    if dossier.kind == "portal_referral":
        # Typed into the platform's form: the sheet, the URL list, the record.
        return {"sheet.txt": render_sheet, "csv": render_csv, "json": render_json}
    return dict(_COMMON)
