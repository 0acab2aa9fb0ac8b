"""Build the DOCX template of request dossiers (run once; the result is committed).

    .venv/bin/python tools/make_docx_template.py

Writes src/comity/dossiers/render/templates/dossier.docx: a docxtpl (Jinja)
template with the covering text as a list of paragraphs and the annex as a
table with one templated row per item. Every tag sits in a single run, which
docxtpl needs to see it. Fixed texts are not in the template: they come from
i18n/*.yaml at render time, so one template serves all languages.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

OUT = Path(__file__).resolve().parents[1] / "src/comity/dossiers/render/templates/dossier.docx"


def _para(doc, text, *, bold=False, size=None, align=None):  # type: ignore[no-untyped-def]
    paragraph = doc.add_paragraph()
    run = paragraph.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if align is not None:
        paragraph.alignment = align
    return paragraph


def main() -> None:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Noto Sans"
    style.font.size = Pt(10.5)
    # Fixed core properties: the same template bytes on every run.
    doc.core_properties.author = "Comity"
    doc.core_properties.title = "Request dossier"
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(24)

    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, "{{ sender.name }}", bold=True, size=12, align=center)
    _para(doc, "{{ sender.department }}", align=center)
    _para(
        doc,
        "{{ V.labels.reference }} {{ reference }}    {{ V.top_date }}",
        align=WD_ALIGN_PARAGRAPH.RIGHT,
    )
    _para(doc, "{{ V.title }}", bold=True, size=13, align=center)
    _para(doc, "{%p for line in cover %}")
    _para(doc, "{{ line }}", align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _para(doc, "{%p endfor %}")

    annex = doc.add_section(WD_SECTION.NEW_PAGE)
    annex.orientation = WD_ORIENT.LANDSCAPE
    annex.page_width, annex.page_height = Mm(297), Mm(210)
    annex.left_margin = annex.right_margin = Mm(12)
    _para(doc, "{{ V.annex_title }}", bold=True, size=11)

    headers = [
        "{{ V.labels.number }}",
        "{{ V.labels.url }} / {{ V.labels.captured }} / {{ V.labels.sha256 }}",
        "{{ V.labels.hosting }}",
        "{{ V.labels.conduct }}",
    ]
    table = doc.add_table(rows=4, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = Pt(8)
    table.rows[1].cells[0].paragraphs[0].add_run("{%tr for it in items %}")
    row = table.rows[2].cells
    contents = [
        ["{{ it.number }}"],
        [
            "{{ it.url }}",
            "{{ V.labels.captured }}: {{ it.captured }}",
            "{{ V.labels.sha256 }}: {{ it.evidence_sha256 }}",
        ],
        [
            "{{ it.hosting.provider }} ({{ it.hosting.country }})",
            "{{ it.hosting.ip }}",
            "{{ it.hosting_extra }}",
        ],
        [
            "{{ it.conduct_label }}",
            "{{ V.labels.requesting_provision }}: {{ it.requesting_provision.citation }}",
            "{{ it.law_extra }}",
        ],
    ]
    for cell, lines in zip(row, contents, strict=True):
        for index, text in enumerate(lines):
            paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
            paragraph.add_run(text).font.size = Pt(7.5)
    table.rows[3].cells[0].paragraphs[0].add_run("{%tr endfor %}")
    for width, cell in zip((Mm(10), Mm(100), Mm(45), Mm(115)), table.rows[0].cells, strict=True):
        cell.width = width
    OUT.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(OUT))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
