"""The note verbale and the letter of request, as their recipients read them.

Golden files (tests/dossiers/golden/*.txt) hold the covering text of each in
English, Russian and Kazakh, paragraph by paragraph as the DOCX gives it; the
PDF must carry the same paragraphs. A changed text is a changed legal
document: regenerate with COMITY_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import replace
from pathlib import Path

import docx
import pypdf
import pytest

from comity.core.errors import Refused
from comity.core.settings import Settings, override_settings
from comity.dossiers import build
from comity.dossiers.render import render_docx, render_json, render_pdf
from comity.dossiers.render._letters import article_in
from comity.dossiers.render._view import to_view
from comity.dossiers.schemas import Dossier, Hosting, Party, Provision, Seal, TreatyBasis
from conftest import CT_CENTRE, KZ_256, MFA, SEAL, build_dossier, build_item

GOLDEN = Path(__file__).parent / "golden"
LANGUAGES = ("en", "ru", "kk")

US_373 = Provision(
    id="US.USC18.373",
    citation="18 U.S.C. § 373",
    title="Solicitation to commit a crime of violence",
    source="https://uscode.house.gov/view.xhtml?req=granuleid:USC-prelim-title18-section373&num=0&edition=prelim",
    jurisdiction="US",
)
US_HOST = Hosting(
    ip="104.16.1.1", country="US", provider="Example Hosting Inc", asn=13335, org="Example"
)
# As the register records the KZ-US treaty (no article on the contents of a
# request): the contents follow UNTOC art. 18(14)-(15).
KZ_US = TreatyBasis(
    id="KZ-US.MLAT.2015",
    title="Treaty between the United States of America and the Republic of Kazakhstan on "
    "Mutual Legal Assistance in Criminal Matters (Washington, 20.02.2015)",
    title_local="Договор между Республикой Казахстан и Соединенными Штатами Америки о "
    "взаимной правовой помощи по уголовным делам",
    source="https://adilet.zan.gov.kz/rus/docs/Z1500000331",
    assistance_article="art. 1",
    contents_article="art. 18(14)-(15)",
    contents_from="UN.UNTOC.2000",
    contents_title="United Nations Convention against Transnational Organized Crime "
    "(New York, 15.11.2000)",
)
GPO = {
    "en": ("Prosecutor General's Office of the Republic of Kazakhstan",) * 2,
    "ru": ("Генеральная прокуратура Республики Казахстан", "Генеральной прокуратуре"),
    "kk": ("Қазақстан Республикасының Бас прокуратурасы", "Бас прокуратурасына"),
}
OIA = {
    "en": ("Office of International Affairs (DOJ)",) * 2,
    "ru": (
        "Управление по международным делам Министерства юстиции Соединённых Штатов Америки",
        "Управлению по международным делам Министерства юстиции Соединённых Штатов Америки",
    ),
    "kk": (
        "Америка Құрама Штаттары Әділет министрлігінің Халықаралық істер басқармасы",
        "Америка Құрама Штаттары Әділет министрлігінің Халықаралық істер басқармасына",
    ),
}
AUTHORITY_NAMES = {
    "en": "Anti-Terrorist Centre of the Republic of Kazakhstan",
    "ru": "Антитеррористический центр Республики Казахстан",
    "kk": "Қазақстан Республикасының Антитеррорлық орталығы",
}


MFA_NAMES = {
    "en": "Ministry of Foreign Affairs of the Republic of Kazakhstan",
    "ru": "Министерство иностранных дел Республики Казахстан",
    "kk": "Қазақстан Республикасының Сыртқы істер министрлігі",
}
ASTANA = {"en": "Astana", "ru": "Астана", "kk": "Астана"}


def note(language: str) -> Dossier:
    return build_dossier(
        language=language,
        sender=replace(MFA, name=MFA_NAMES[language], department="", address=""),
        competent_authority=replace(CT_CENTRE, name=AUTHORITY_NAMES[language]),
        seal=replace(SEAL, place=ASTANA[language]),
    )


def letter(language: str, **changes: object) -> Dossier:
    items = tuple(
        replace(build_item(url), hosting=US_HOST, host_provision=US_373)
        for url in ("https://extremist.example/post/1", "https://forum.example/t/22?p=3")
    )
    sender, addressee = GPO[language], OIA[language]
    fields: dict[str, object] = {
        "kind": "letter_of_request",
        "channel": "mla_request",
        "language": language,
        "sender": Party(name=sender[0], name_dative=sender[1], country="KZ"),
        "addressee": Party(
            name=addressee[0], name_dative=addressee[1], country="US", address="Washington, DC"
        ),
        "items": items,
        "treaty": KZ_US,
        "competent_authority": replace(CT_CENTRE, name=AUTHORITY_NAMES[language]),
        "seal": Seal(
            place=ASTANA[language], seal="Prosecutor General's Office (seal)", initials="C.A."
        ),
    }
    fields.update(changes)
    return build_dossier(**fields)  # type: ignore[arg-type]


def _docx_text(dossier: Dossier) -> list[str]:
    """The body paragraphs of the DOCX before the annex table: the covering text."""
    document = docx.Document(io.BytesIO(render_docx(dossier)))
    lines = [p.text.strip() for p in document.paragraphs if p.text.strip()]
    return lines[: lines.index(to_view(dossier)["view"]["annex_title"])]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _compare(name: str, lines: list[str]) -> None:
    path = GOLDEN / f"{name}.txt"
    text = "\n".join(lines) + "\n"
    if os.environ.get("COMITY_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{path} differs: review the new text"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ["note_verbale", "letter_of_request"])
def test_the_covering_text_is_the_reviewed_text(kind: str, language: str) -> None:
    dossier = note(language) if kind == "note_verbale" else letter(language)
    lines = _docx_text(dossier)
    _compare(f"{kind}.{language}", lines)
    pages = pypdf.PdfReader(io.BytesIO(render_pdf(dossier))).pages
    pdf = _squash("".join(p.extract_text() for p in pages))
    labels = to_view(dossier)["view"]["labels"]  # the page footer may fall inside a paragraph
    for n in range(1, len(pages) + 1):
        footer = f"{labels['reference']}{dossier.reference}{labels['page']}{n}{labels['of']}"
        pdf = pdf.replace(_squash(f"{footer}{len(pages)}"), "")
    for line in lines:
        assert _squash(line) in pdf, line


def test_a_note_verbale_follows_diplomatic_protocol() -> None:
    text = "\n".join(_docx_text(note("en")))
    assert (
        text.count("Ministry of Foreign Affairs of the Republic of Kazakhstan presents its ") == 1
    )
    assert "has the honour to transmit the request of the Anti-Terrorist Centre" in text
    assert "liaison@atc.example, +7 7172 000000" in text
    assert "avails itself of this opportunity to renew to the Embassy" in text
    assert (
        "\nAstana, 15 May 2024\nL.S. Ministry of Foreign Affairs (seal)\nInitials: A.B.\n" in text
    )


def test_a_note_through_our_embassy_says_so() -> None:
    via = Party(
        name="Embassy of the Republic of Kazakhstan in the Federal Republic of Germany",
        country="KZ",
    )
    text = "\n".join(_docx_text(build_dossier(transmitted_via=via)))
    assert f"This Note is transmitted through the {via.name}." in text


def test_a_letter_cites_the_treaty_and_where_its_contents_come_from() -> None:
    text = "\n".join(_docx_text(letter("en")))
    assert "made under art. 1 of the Treaty between the United States of America" in text
    assert "follow art. 18(14)-(15) of the United Nations Convention against Transnational" in text
    assert "not being recorded in the treaty register" in text
    record = render_json(letter("en"))
    assert b'"contents_from": "UN.UNTOC.2000"' in record
    assert b'"contents_borrowed": true' in record
    own = replace(KZ_US, contents_from=KZ_US.id, contents_article="art. 4", contents_title="x")
    text = "\n".join(_docx_text(letter("en", treaty=own)))
    assert "The contents of this request follow art. 4 of the x." in text
    assert "not being recorded" not in text


def test_articles_are_cited_in_the_letters_language() -> None:
    assert article_in("art. 18(14)-(15)", "ru") == "ст. 18(14)-(15)"
    assert article_in("Part 1, art. 1", "ru") == "часть 1, ст. 1"
    assert article_in("art. 18(13)", "kk") == "18(13)-бап"
    assert article_in("Part 1, art. 1", "en") == "Part 1, art. 1"


def test_the_register_gives_the_kz_us_letter_its_basis() -> None:
    basis = build.treaty_basis("KZ-US.MLAT.2015")
    assert basis.assistance_article == "art. 1"
    # Either the treaty's own contents article is registered, or UNTOC's is used.
    assert basis.contents_from in {"KZ-US.MLAT.2015", "UN.UNTOC.2000"}
    assert basis.contents_borrowed == (basis.contents_from != basis.id)
    with pytest.raises(Refused, match="not in the treaty register"):
        build.treaty_basis("XX-YY.None.1900")


def test_a_letter_without_a_treaty_is_refused() -> None:
    with pytest.raises(Refused, match="made under a treaty"):
        letter("en", treaty=None)


def test_a_note_without_the_authoritys_contact_is_refused() -> None:
    silent = Party(name="Anti-Terrorist Centre", country="KZ")
    with pytest.raises(Refused, match="names the requesting authority with its contact"):
        build_dossier(competent_authority=silent)
    with pytest.raises(Refused, match="seal and initials"):
        build_dossier(seal=None)


def test_a_missing_sender_setting_is_named_before_anything_is_rendered() -> None:
    with override_settings(Settings(sender_seal="", sender_initials="", sender_contact_email="")):
        with pytest.raises(Refused) as refused:
            build.letterhead(requesting="KZ", language="en")
        with pytest.raises(Refused) as for_letter:
            build.letterhead(requesting="KZ", language="en", kind="letter_of_request")
    message = str(refused.value)
    assert "COMITY_SENDER_SEAL" in message
    assert "COMITY_SENDER_INITIALS" in message
    assert "COMITY_SENDER_CONTACT_EMAIL or COMITY_SENDER_CONTACT_PHONE" in message
    assert "COMITY_CENTRAL_AUTHORITY_SEAL" in str(for_letter.value)


def test_the_letterhead_comes_from_settings_and_parties() -> None:
    settings = Settings(
        sender_seal="MFA RK seal", sender_initials="Q.Z.", sender_contact_phone="+7 1"
    )
    with override_settings(settings):
        seal, authority = build.letterhead(requesting="KZ", language="ru")
    assert (seal.place, seal.seal, seal.initials) == ("Астана", "MFA RK seal", "Q.Z.")
    assert authority.name == "Антитеррористический центр Республики Казахстан"
    assert (authority.email, authority.phone) == ("", "+7 1")


def test_kz_provision_is_kept_in_the_letter() -> None:
    text = "\n".join(_docx_text(letter("en")))
    assert KZ_256.citation in text and US_373.citation in text
    assert "L.S. Prosecutor General's Office (seal)" in text
