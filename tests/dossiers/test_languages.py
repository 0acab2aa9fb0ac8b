"""Which languages a dossier is written in: the addressee's, from the knowledge base."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
import yaml

from comity.core.errors import Refused
from comity.dossiers import build
from comity.dossiers.languages import template_languages
from comity.dossiers.render import _data
from comity.law.kb.loader import load_kb

# The languages of issue 15: at least these, besides kk, ru and en.
ASKED = ("de", "fr", "nl", "pl", "it", "es", "tr", "uz", "ky")


def _addressee(host: str, channel: str = "diplomatic_request") -> build.Addressee:
    return build.addressee_for(
        kb=load_kb(), requesting="KZ", channel=channel, host=host, assessment={}, attribution=None
    )


@pytest.mark.parametrize(
    ("host", "languages"),
    [
        ("DE", ["de", "kk", "ru"]),
        ("FR", ["fr", "kk", "ru"]),
        ("NL", ["nl", "kk", "ru"]),
        ("GB", ["en", "kk", "ru"]),
        ("RU", ["ru", "kk"]),
        ("UZ", ["uz", "kk", "ru"]),
        ("BY", ["ru", "kk"]),  # Belarusian has no templates; Russian is official too
    ],
)
def test_a_note_goes_in_the_addressees_languages_then_the_senders(
    host: str, languages: list[str]
) -> None:
    assert _addressee(host).languages == languages


def test_a_bilingual_host_gets_every_language_it_reads_that_comity_writes() -> None:
    # Canada's official languages are English and French, in the KB's order.
    assert _addressee("CA").languages == ["en", "fr", "kk", "ru"]


def test_an_addressee_in_a_language_without_templates_is_refused_at_build_naming_it() -> None:
    # Sweden reads Swedish only, and Comity has no reviewed Swedish texts.
    with pytest.raises(Refused) as caught:
        _addressee("SE")
    message = caught.value.message
    assert "SE.UD (SE) reads sv" in message
    assert "sv: no reviewed templates in this language" in message
    assert "render/i18n" in message


def test_the_languages_an_authority_accepts_come_before_its_states() -> None:
    # The knowledge base records that the authority accepts English too.
    kb = load_kb()
    sweden = kb.jurisdictions["SE"]
    ministry = replace(sweden.authorities["SE.UD"], languages=("sv", "en"))
    sweden = replace(sweden, authorities={**sweden.authorities, "SE.UD": ministry})
    kb = replace(kb, jurisdictions={**kb.jurisdictions, "SE": sweden})
    addressee = build.addressee_for(
        kb=kb,
        requesting="KZ",
        channel="diplomatic_request",
        host="SE",
        assessment={},
        attribution=None,
    )
    assert addressee.languages == ["en", "kk", "ru"]
    assert "sv" in addressee.skipped


def test_a_language_whose_template_exists_but_not_the_addressees_name_is_left_out() -> None:
    # Ireland reads Irish and English: no Irish texts, so English (and the sender's).
    addressee = _addressee("IE")
    assert addressee.languages == ["en", "kk", "ru"]
    assert "ga" in addressee.skipped


def test_the_languages_are_the_reviewed_files_present() -> None:
    assert {"en", "kk", "ru"} <= set(template_languages())
    for language in template_languages():
        texts = _data.texts(language)
        assert texts["review"]["status"] == "awaiting review by a native-speaking legal translator"
        assert texts["review"]["date"] == "2026-12-05"
        assert set(texts["language_names"]) >= set(template_languages())


def test_a_missing_template_language_is_refused_by_the_loader() -> None:
    with pytest.raises(ValueError, match="no texts for language 'sv'"):
        _data.texts("sv")


def test_every_language_the_issue_asks_for_has_reviewed_texts() -> None:
    assert set(ASKED) <= set(template_languages())


@pytest.mark.parametrize("language", ASKED)
def test_every_note_names_its_sender_once_in_the_opening_and_the_closing(language: str) -> None:
    note = _data.texts(language)["note"]
    for key in ("opening", "closing"):
        text = note[key]
        assert text.count("{sender}") + text.count("{sender_subject}") == 1, key
        assert text.count("{addressee_dative}") == 1, key


def test_uzbek_is_written_in_the_latin_script_with_its_own_letters() -> None:
    text = yaml.safe_dump(_data.texts("uz"), allow_unicode=True)
    assert not re.search("[\u0400-\u04ff]", text)  # no Cyrillic
    assert "\u02bb" in text and "o'" not in text  # oʻ, gʻ with the turned comma


def test_kyrgyz_is_written_in_cyrillic_with_its_own_letters() -> None:
    text = yaml.safe_dump(_data.texts("ky"), allow_unicode=True)
    assert all(letter in text for letter in "үөң")
    assert not re.search("[әғқұһі]", text)  # letters of Kazakh, not Kyrgyz


@pytest.mark.parametrize(
    ("host", "language"), [("TR", "tr"), ("DE", "de"), ("FR", "fr"), ("NL", "nl")]
)
def test_a_host_whose_language_now_has_texts_is_written_to_in_it(host: str, language: str) -> None:
    assert _addressee(host).languages[0] == language


def test_a_sender_without_the_possessive_german_needs_is_refused_before_rendering() -> None:
    sender = {"names": {"en": {"name": "Ministry"}, "de": {"name": "Ministerium", "dative": "x"}}}
    with pytest.raises(Refused, match="no subject and no possessive form in 'de'"):
        build._check_name_forms(sender, "de")
    build._check_name_forms(sender, "pl")  # Polish needs neither
