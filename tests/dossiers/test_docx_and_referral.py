"""DOCX opened with python-docx; the referral e-mail parsed back with `email`."""

from __future__ import annotations

import csv
import dataclasses
import email
import io
import json
import zipfile
from email import policy

import docx
import pytest
from test_pdf import ADVERSARIAL_URLS

from comity.core.errors import BadInput
from comity.dossiers.render import formats_for, render_docx, render_eml, render_xarf
from comity.dossiers.schemas import Dossier
from conftest import build_dossier


def _docx_text(data: bytes) -> tuple[str, list[list[str]]]:
    document = docx.Document(io.BytesIO(data))
    body = "\n".join(p.text for p in document.paragraphs)
    rows = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    return body, rows


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_docx_has_the_note_and_one_annex_row_per_item(language: str) -> None:
    dossier = build_dossier(language=language)
    body, rows = _docx_text(render_docx(dossier))
    assert dossier.addressee.name_dative in body
    assert len(rows) == 1 + len(dossier.items)
    for row, item in zip(rows[1:], dossier.items, strict=True):
        assert row[1].splitlines()[0] == item.url
        assert item.evidence_sha256 in row[1]
        assert item.requesting_provision.citation in row[3]


def test_docx_with_adversarial_urls_is_valid_xml_and_keeps_them_literally() -> None:
    urls = [*ADVERSARIAL_URLS, "https://evil.example/مرحبا/שלום/x"]
    data = render_docx(build_dossier(urls=urls))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
    _, rows = _docx_text(data)
    assert [row[1].splitlines()[0] for row in rows[1:]] == urls


def test_docx_is_deterministic() -> None:
    assert render_docx(build_dossier()) == render_docx(build_dossier())


def _referral() -> Dossier:
    return build_dossier(
        kind="provider_referral",
        urls=["https://host.example/a?b=1&c=<d>", "https://host.example/" + "z" * 1500],
    )


def test_referral_email_parses_back_with_headers_text_and_csv_attachment() -> None:
    dossier = _referral()
    message = email.message_from_bytes(render_eml(dossier), policy=policy.default)
    assert message["To"] == "Hetzner Online GmbH <abuse@hetzner.example>"
    assert message["From"].addresses[0].addr_spec == "liaison@atc.example"
    assert "KZ-MFA-2024-0042" in message["Subject"]
    assert "Violent extremism and terrorism" in message["Subject"]
    assert message["Date"].datetime.date().isoformat() == "2024-05-15"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "It is not a legal order" in text
    for item in dossier.items:
        assert item.url in text
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["KZ-MFA-2024-0042.csv"]
    rows = list(csv.DictReader(io.StringIO(attachments[0].get_content())))
    assert [r["url"] for r in rows] == [i.url for i in dossier.items]


def test_referral_email_is_deterministic() -> None:
    assert render_eml(_referral()) == render_eml(_referral())


def test_referral_without_provider_address_is_bad_input() -> None:
    dossier = _referral()
    no_mail = dataclasses.replace(dossier.addressee, email="")
    with pytest.raises(BadInput, match=r"addressee\.email"):
        render_eml(dataclasses.replace(dossier, addressee=no_mail))


def test_xarf_report_names_each_url_with_its_evidence() -> None:
    dossier = _referral()
    reports = json.loads(render_xarf(dossier))
    assert [r["Source"] for r in reports] == [i.url for i in dossier.items]
    assert {r["Source-Type"] for r in reports} == {"uri"}
    assert reports[0]["Reported-From"] == "liaison@atc.example"
    assert reports[1]["Report-ID"] == "KZ-MFA-2024-0042/2"
    assert reports[0]["X-Comity-Evidence-SHA256"] == dossier.items[0].evidence_sha256


def test_referral_formats_include_email_and_xarf_but_a_note_does_not() -> None:
    assert set(formats_for(_referral())) == {"pdf", "docx", "json", "csv", "eml", "xarf.json"}
    assert set(formats_for(build_dossier())) == {"pdf", "docx", "json", "csv"}
    with pytest.raises(BadInput, match="provider_referral"):
        render_eml(build_dossier())
