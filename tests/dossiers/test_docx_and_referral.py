"""DOCX opened with python-docx; the referral e-mail parsed back with `email`."""

from __future__ import annotations

import csv
import dataclasses
import email
import hashlib
import io
import re
import zipfile
from datetime import UTC, datetime, time, timedelta, timezone
from email import policy

import docx
import pytest
from test_pdf import ADVERSARIAL_URLS

from comity.core.errors import BadInput
from comity.dossiers.render import formats_for, render_csv, render_docx, render_eml
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


ISSUED_AT = datetime(2024, 5, 15, 10, 42, 17, tzinfo=timezone(timedelta(hours=5)))


def _referral() -> Dossier:
    return build_dossier(
        kind="provider_referral",
        urls=["https://host.example/a?b=1&c=<d>", "https://host.example/" + "z" * 1500],
        issued_at=ISSUED_AT,
    )


def test_referral_email_parses_back_with_headers_text_and_csv_attachment() -> None:
    dossier = _referral()
    message = email.message_from_bytes(render_eml(dossier), policy=policy.default)
    assert message["To"] == "Hetzner Online GmbH <abuse@hetzner.example>"
    assert message["From"].addresses[0].addr_spec == "liaison@atc.example"
    assert "KZ-MFA-2024-0042" in message["Subject"]
    assert "Violent extremism and terrorism" in message["Subject"]
    assert message["Date"].datetime == ISSUED_AT
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


def test_referral_email_is_dated_with_the_moment_of_issue_not_a_midnight() -> None:
    message = email.message_from_bytes(render_eml(_referral()), policy=policy.default)
    assert message["Date"] == "Wed, 15 May 2024 05:42:17 +0000"
    assert message["Date"].datetime.timetz() != time(0, tzinfo=UTC)


def test_an_email_without_a_moment_of_issue_is_bad_input() -> None:
    with pytest.raises(BadInput, match=r"issued_at"):
        render_eml(dataclasses.replace(_referral(), issued_at=None))


def test_message_id_is_rfc_5322_and_unique_at_the_configured_domain() -> None:
    from comity.core.settings import get_settings, override_settings

    parsed = email.message_from_bytes(render_eml(_referral()), policy=policy.default)
    assert re.fullmatch(r"<[0-9a-f]{32}\.1@atc\.example>", parsed["Message-ID"])
    configured = get_settings().model_copy(update={"mail_domain": "mail.atc.example"})
    with override_settings(configured):
        first = email.message_from_bytes(render_eml(_referral()), policy=policy.default)
        later = dataclasses.replace(_referral(), issued_at=ISSUED_AT + timedelta(seconds=1))
        other = email.message_from_bytes(render_eml(later), policy=policy.default)
        renamed = dataclasses.replace(_referral(), reference="KZ-MFA-2024-0043")
        third = email.message_from_bytes(render_eml(renamed), policy=policy.default)
    assert first["Message-ID"].endswith("@mail.atc.example>")
    ids = {m["Message-ID"] for m in (first, other, third)}
    assert len(ids) == 3


def test_every_attachment_the_email_names_is_attached_with_its_bytes() -> None:
    dossier = _referral()
    message = email.message_from_bytes(render_eml(dossier), policy=policy.default)
    assert message.get_content_type() == "multipart/mixed"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "attached CSV file" in text
    expected = render_csv(dossier)
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == "KZ-MFA-2024-0042.csv"
    assert attachment.get_content_type() == "text/csv"
    assert attachment.get_content_disposition() == "attachment"
    data = attachment.get_payload(decode=True)
    assert len(data) == len(expected)
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(expected).hexdigest()


def test_referral_formats_include_email_and_xarf_but_a_note_does_not() -> None:
    assert set(formats_for(_referral())) == {"pdf", "docx", "json", "csv", "eml", "xarf.json"}
    assert set(formats_for(build_dossier())) == {"pdf", "docx", "json", "csv"}
    with pytest.raises(BadInput, match="provider_referral"):
        render_eml(build_dossier())
