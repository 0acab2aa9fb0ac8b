"""Every kind of dossier in every template language, compared with its golden text.

One golden file per kind and language (golden/languages/<kind>.<lang>.txt):
the covering text as the DOCX gives it, paragraph by paragraph, which the PDF
must carry too. Besides: the referral e-mail as its recipient reads it
(provider_referral.eml.<lang>), and the EU removal-order request to a state
of each Member State language (eu_removal_order.host.<lang>), whose Annex I
form is given in that language too where that version was read. The names
are those of parties.yaml in each language (the sender's subject form and
possessive included), so a wrong article or case shows here. A changed text
is a changed legal document: regenerate with COMITY_UPDATE_GOLDEN=1 and have
the diff reviewed (docs/reviews/template-languages.md).
"""

from __future__ import annotations

import email
import email.message
import email.policy
import io
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pypdf
import pytest
from tests.dossiers.test_letters import _compare, _docx_text, _squash, letter
from tests.dossiers.test_portal_sheet import portal_dossier

from comity.dossiers.build import parties
from comity.dossiers.languages import template_languages
from comity.dossiers.render import render_eml, render_pdf
from comity.dossiers.render._data import has_texts
from comity.dossiers.render._view import to_view
from comity.dossiers.render.portal import SHEET_LANGUAGES, render_sheet
from comity.dossiers.schemas import Dossier, Party
from conftest import CT_CENTRE, MFA, SEAL, build_dossier

KINDS = ("note_verbale", "eu_removal_order", "eu_coordinator", "provider_referral")
# The addressee of the fixtures (conftest: the German embassy in Astana), in
# each language as it follows "presents its compliments to".
EMBASSY = {
    "en": (
        "Embassy of the Federal Republic of Germany",
        "Embassy of the Federal Republic of Germany",
    ),
    "ru": (
        "Посольство Федеративной Республики Германия",
        "Посольству Федеративной Республики Германия",
    ),
    "kk": (
        "Германия Федеративтік Республикасының Елшілігі",
        "Германия Федеративтік Республикасының Елшілігіне",
    ),
    "de": (
        "Botschaft der Bundesrepublik Deutschland",
        "der Botschaft der Bundesrepublik Deutschland",
    ),
    "fr": (
        "Ambassade de la République fédérale d'Allemagne",
        "à l'Ambassade de la République fédérale d'Allemagne",
    ),
    "nl": (
        "Ambassade van de Bondsrepubliek Duitsland",
        "de Ambassade van de Bondsrepubliek Duitsland",
    ),
    "pl": ("Ambasada Republiki Federalnej Niemiec", "Ambasadzie Republiki Federalnej Niemiec"),
    "it": (
        "Ambasciata della Repubblica Federale di Germania",
        "all'Ambasciata della Repubblica Federale di Germania",
    ),
    "es": (
        "Embajada de la República Federal de Alemania",
        "a la Embajada de la República Federal de Alemania",
    ),
    "tr": (
        "Almanya Federal Cumhuriyeti Büyükelçiliği",
        "Almanya Federal Cumhuriyeti Büyükelçiliğine",
    ),
    "uz": (
        "Germaniya Federativ Respublikasi elchixonasi",
        "Germaniya Federativ Respublikasi elchixonasiga",
    ),
    "ky": (
        "Германия Федеративдик Республикасынын Элчилиги",
        "Германия Федеративдик Республикасынын Элчилигине",
    ),
}
COORDINATOR = {
    "de": (
        "EU-Koordinator für die Terrorismusbekämpfung",
        "dem EU-Koordinator für die Terrorismusbekämpfung",
    ),
    "fr": (
        "Coordinateur de l'UE pour la lutte contre le terrorisme",
        "au Coordinateur de l'UE pour la lutte contre le terrorisme",
    ),
    "nl": (
        "EU-coördinator voor terrorismebestrijding",
        "de EU-coördinator voor terrorismebestrijding",
    ),
    "pl": (
        "Koordynator UE ds. zwalczania terroryzmu",
        "Koordynatorowi UE ds. zwalczania terroryzmu",
    ),
    "it": ("Coordinatore antiterrorismo dell'UE", "al Coordinatore antiterrorismo dell'UE"),
    "es": (
        "Coordinador de la lucha contra el terrorismo de la UE",
        "al Coordinador de la lucha contra el terrorismo de la UE",
    ),
    "tr": ("AB Terörle Mücadele Koordinatörü", "AB Terörle Mücadele Koordinatörüne"),
    "uz": (
        "YeI terrorizmga qarshi kurash boʻyicha koordinatori",
        "YeI terrorizmga qarshi kurash boʻyicha koordinatoriga",
    ),
    "ky": (
        "ЕБдин терроризмге каршы күрөш боюнча координатору",
        "ЕБдин терроризмге каршы күрөш боюнча координаторуна",
    ),
}
ASTANA = {"ru": "Астана", "kk": "Астана", "ky": "Астана"}
# The addressee of the letter fixtures (test_letters: the US central
# authority), named in each language for the test only: its official name is
# English, so parties.yaml does not translate it.
OIA = {
    "de": "Office of International Affairs des Justizministeriums der Vereinigten Staaten",
    "fr": "Office of International Affairs du Département de la Justice des États-Unis",
    "nl": "Office of International Affairs van het Ministerie van Justitie van de Verenigde Staten",
    "pl": "Biuro Spraw Międzynarodowych Departamentu Sprawiedliwości Stanów Zjednoczonych",
    "it": "Office of International Affairs del Dipartimento della Giustizia degli Stati Uniti",
    "es": "Oficina de Asuntos Internacionales del Departamento de Justicia de los Estados Unidos",
    "tr": "Amerika Birleşik Devletleri Adalet Bakanlığı Uluslararası İşler Ofisi",
    "uz": "AQSh Adliya vazirligining Xalqaro ishlar boshqarmasi",
    "ky": "АКШнын Юстиция министрлигинин Эл аралык иштер башкармалыгы",
}
OIA_DATIVE = {
    "de": "dem " + OIA["de"],
    "fr": "à l'" + OIA["fr"],
    "nl": "het " + OIA["nl"],
    "pl": "Biuru Spraw Międzynarodowych Departamentu Sprawiedliwości Stanów Zjednoczonych",
    "it": "all'" + OIA["it"],
    "es": "a la " + OIA["es"],
    "tr": OIA["tr"] + "ne",
    "uz": OIA["uz"] + "ga",
    "ky": OIA["ky"] + "на",
}


def _names(entry: Any) -> dict[str, str]:
    if isinstance(entry, str):
        return {"name": entry}
    return dict(entry)


def _party(base: Party, entry: Any) -> Party:
    names = _names(entry)
    return replace(
        base,
        name=names["name"],
        name_dative=names.get("dative", ""),
        name_subject=names.get("subject", ""),
        possessive=names.get("possessive", ""),
        department="",
        address="",
    )


def dossier(kind: str, language: str) -> Dossier:
    """A dossier of `kind` in `language`, its parties named as parties.yaml names them."""
    data = parties()
    mfa_names = {"en": {"name": MFA.name}, **data["authorities"]["KZ.MFA"]}
    centre = _party(CT_CENTRE, data["senders"]["KZ"]["referral"]["name"][language])
    changes: dict[str, Any] = {
        "sender": centre if kind == "provider_referral" else _party(MFA, mfa_names[language]),
        "competent_authority": replace(
            centre, email=CT_CENTRE.email, phone=CT_CENTRE.phone, name_subject=""
        ),
    }
    if kind != "provider_referral":
        changes["seal"] = replace(SEAL, place=ASTANA.get(language, "Astana"))
    if kind in ("note_verbale", "eu_removal_order"):
        name, dative = EMBASSY[language]
        changes["addressee"] = Party(
            name=name, name_dative=dative, country="DE", address="Astana, Kosmonavtov Street 62"
        )
    if kind == "eu_coordinator" and language in COORDINATOR:
        name, dative = COORDINATOR[language]
        changes["addressee"] = Party(
            name=name, name_dative=dative, country="BE", role="coordinator"
        )
    return build_dossier(kind=kind, language=language, **changes)


def letter_in(language: str) -> Dossier:
    """test_letters' letter of request, in `language` (its own fixtures are en, ru, kk)."""
    if language not in OIA:
        return letter(language)
    data = parties()
    centre = _party(CT_CENTRE, data["senders"]["KZ"]["referral"]["name"][language])
    made = letter(
        "en",
        sender=_party(Party(name="x", country="KZ"), data["authorities"]["KZ.GPO"][language]),
        addressee=Party(
            name=OIA[language],
            name_dative=OIA_DATIVE[language],
            country="US",
            address="Washington, DC",
        ),
        competent_authority=replace(
            centre, email=CT_CENTRE.email, phone=CT_CENTRE.phone, name_subject=""
        ),
        seal=replace(
            SEAL, place=ASTANA.get(language, "Astana"), seal="GPO (seal)", initials="C.A."
        ),
    )
    return replace(made, language=language)


def _in_pdf(made: Dossier, lines: list[str]) -> None:
    """Every line of the DOCX text is in the PDF too (page footers aside)."""
    pages = pypdf.PdfReader(io.BytesIO(render_pdf(made))).pages
    pdf = _squash("".join(p.extract_text() for p in pages))
    labels = to_view(made)["view"]["labels"]
    for n in range(1, len(pages) + 1):
        footer = f"{labels['reference']}{made.reference}{labels['page']}{n}{labels['of']}"
        pdf = pdf.replace(_squash(f"{footer}{len(pages)}"), "")
    source = f" ({labels['source']}: "
    for line in lines:
        # The DOCX gives a provision on one line, "• citation — title (Source: url)";
        # the PDF on two, the source below: each part must be there.
        parts = line[2:-1].split(source) if line.startswith("• ") else [line]
        for part in parts:
            assert _squash(part) in pdf, part


CASES = [(k, lang) for lang in template_languages() for k in KINDS] + [
    ("letter_of_request", lang)
    for lang in template_languages()
    if has_texts(lang, "letter_of_request")
]


@pytest.mark.parametrize(("kind", "language"), CASES)
def test_each_kind_in_each_language_is_its_reviewed_text(kind: str, language: str) -> None:
    made = letter_in(language) if kind == "letter_of_request" else dossier(kind, language)
    lines = _docx_text(made)
    _compare(f"languages/{kind}.{language}", lines)
    _in_pdf(made, lines)


@pytest.mark.parametrize("language", [lang for lang in template_languages() if lang != "en"])
def test_no_english_is_left_in_a_translated_note(language: str) -> None:
    text = "\n".join(_docx_text(dossier("note_verbale", language)))
    for english in ("presents its compliments", "the requested State", "Annex", "Enclosure"):
        assert english not in text
    assert not re.search(r"\{[a-z_]+\}", text)  # no placeholder left unfilled


@pytest.mark.parametrize("language", SHEET_LANGUAGES)
def test_the_portal_sheet_in_each_language_is_its_reviewed_text(language: str) -> None:
    text = render_sheet(portal_dossier(language)).decode()
    _compare(f"languages/portal_referral.{language}", text.rstrip("\n").split("\n"))
    assert not re.search(r"\{[a-z_]+\}", text)  # no placeholder left unfilled


def _eml_text(made: Dossier) -> list[str]:
    """The referral e-mail as its recipient reads it: subject, then the text part."""
    message = email.message_from_bytes(render_eml(made), policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    body = part.get_content()
    assert isinstance(body, str)
    lines = body.replace("\r\n", "\n").rstrip("\n").split("\n")
    return [f"Subject: {message['Subject']}", "", *lines]


@pytest.mark.parametrize("language", template_languages())
def test_the_referral_e_mail_in_each_language_is_its_reviewed_text(language: str) -> None:
    made = replace(
        dossier("provider_referral", language),
        issued_at=datetime(2024, 5, 15, 10, 42, 17, tzinfo=UTC),  # a moment, never midnight
    )
    _compare(f"languages/provider_referral.eml.{language}", _eml_text(made))


# The template languages that are languages of a Member State: an EU removal-order
# request to that state carries Annex I in its language where that version was read.
EU_LANGUAGES = [
    lang for lang in ("de", "fr", "nl", "pl", "it", "es") if lang in template_languages()
]


@pytest.mark.parametrize("language", EU_LANGUAGES)
def test_the_eu_request_to_a_state_of_each_language_is_its_reviewed_text(language: str) -> None:
    made = replace(dossier("eu_removal_order", language), host_languages=(language,))
    lines = _docx_text(made)
    _compare(f"languages/eu_removal_order.host.{language}", lines)
    _in_pdf(made, lines)
