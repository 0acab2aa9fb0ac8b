"""Annex I of Regulation (EU) 2021/784 as rendered, checked against the data
copied from the official text (data/eu_2021_784.yaml, `annex_i`), field by
field, in the PDF (read back with pypdf) and in the DOCX."""

from __future__ import annotations

import copy
import io
import json
import re
from collections.abc import Callable
from typing import Any

import docx
import jsonschema
import pypdf
import pytest

from comity.core.errors import BadInput
from comity.dossiers.render import _annex_i, dossier_schema, render_docx, render_json, render_pdf
from comity.dossiers.render._annex_i import annex_i
from comity.dossiers.render._data import eu_table
from comity.dossiers.schemas import Dossier
from conftest import build_dossier, build_item


def _pdf_text(dossier: Dossier) -> str:
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(dossier)))
    return "".join(page.extract_text() for page in reader.pages)


def _docx_text(dossier: Dossier) -> str:
    document = docx.Document(io.BytesIO(render_docx(dossier)))
    return "\n".join(p.text for p in document.paragraphs)


RENDERERS: dict[str, Callable[[Dossier], str]] = {"pdf": _pdf_text, "docx": _docx_text}


def _squash(text: str) -> str:
    # Lines wrap anywhere in the PDF: compare without whitespace.
    return re.sub(r"\s+", "", text)


def _official_wording(language: str) -> list[str]:
    """Every text of the form read in `language`, in the Regulation's order."""
    data = annex_i()
    texts = [data["title"][language], *(p[language] for p in data["preamble"])]
    for section in data["sections"]:
        if section.get("unread"):
            continue
        texts.append(section["heading"][language])
        for field in section["fields"]:
            if "label" in field:
                texts.append(field["label"][language])
            else:
                texts += [box[language] for box in field["boxes"].values() if language in box]
    return texts


def _assert_in_order(needles: list[str], text: str) -> None:
    haystack, at = _squash(text), 0
    for needle in needles:
        found = haystack.find(_squash(needle), at)
        assert found >= 0, f"missing, or out of the Regulation's order: {needle[:70]!r}"
        at = found + 1


def _eu(**changes: Any) -> Dossier:
    changes.setdefault("host_languages", ("de",))
    return build_dossier(kind="eu_removal_order", **changes)


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_form_carries_every_field_of_annex_i_read_in_english_and_german_in_order(
    fmt: str,
) -> None:
    text = RENDERERS[fmt](_eu())
    for language in ("en", "de"):
        _assert_in_order(_official_wording(language), text)
    _assert_in_order([f"SECTION {letter}" for letter in "ABCDEFG"], text)


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
@pytest.mark.parametrize(
    ("conduct", "ticked"),
    [("terrorism.incitement", "a"), ("terrorism.instruction", "d"), ("terrorism.threat", "e")],
)
def test_only_the_article_2_7_point_of_the_conduct_is_ticked(
    fmt: str, conduct: str, ticked: str
) -> None:
    items = (build_item("https://extremist.example/v/9", conduct=conduct),)
    text = _squash(RENDERERS[fmt](_eu(items=items)))
    for point in "abcde":
        mark = "[X]" if point == ticked else "[]"
        assert _squash(f"{mark} ({point})") in text, point
        other = "[]" if point == ticked else "[X]"
        assert _squash(f"{other} ({point})") not in text, point


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_what_only_the_issuing_authority_can_fill_is_marked_and_what_we_know_is_filled(
    fmt: str,
) -> None:
    text = RENDERERS[fmt](_eu())
    squashed = _squash(text)
    # Section A: five fields for the authority (member state, contact point,
    # main establishment, time and date, reference number).
    assert squashed.count(_squash("To be completed by the issuing authority.")) == 5
    assert _squash("Hetzner Online GmbH (hosting of the items attributed at issue: DE)") in squashed
    _assert_in_order(
        [
            "URL and any additional information",
            "1. https://extremist.example/post/1",
            "2. https://forum.example/t/22?p=3",
        ],
        text,
    )
    assert _squash("Article 3(4)(c) of the Regulation asks for an exact URL") in squashed
    for letter in "CDEFG":
        assert _squash(f"Wording of Section {letter} not read from the official text") in squashed


def test_one_form_per_hosting_service_provider_each_with_its_own_urls() -> None:
    dossier = _eu(
        urls=("https://a.example/1", "https://b.example/2", "https://c.example/3"),
        countries=("DE", "NL", "DE"),
    )
    text = _pdf_text(dossier)
    forms = re.split(r"removal order form pre-filled for", text)[1:]
    assert [f.split("\n")[0].strip() for f in forms] == ["Hetzner Online GmbH", "LeaseWeb"]
    hetzner, leaseweb = (_squash(f.split("Annex to Note No.")[0]) for f in forms)
    assert "https://a.example/1" in hetzner and "https://c.example/3" in hetzner
    assert "https://b.example/2" not in hetzner
    assert "https://b.example/2" in leaseweb and "https://a.example/1" not in leaseweb


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_a_host_language_not_read_falls_back_to_english_and_says_so(fmt: str) -> None:
    text = _squash(RENDERERS[fmt](build_dossier(kind="eu_removal_order", host_languages=("fr",))))
    assert _squash("The 'fr' language version of Annex I has not been read") in text
    assert _squash(annex_i()["title"]["en"]) in text
    assert _squash(annex_i()["title"]["de"]) not in text


def test_an_unknown_host_language_is_said_and_the_form_is_in_english() -> None:
    text = _squash(_pdf_text(build_dossier(kind="eu_removal_order")))
    assert _squash("The language of the requested State is not known") in text
    _assert_in_order(_official_wording("en"), text)


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_article_11_3_request_shows_the_reason_and_period_given(fmt: str) -> None:
    asked = _squash(
        RENDERERS[fmt](
            _eu(
                non_disclosure_reason="Ongoing investigation KZ-77",
                non_disclosure_weeks=4,
                staff_language="en",
            )
        )
    )
    assert (
        _squash(
            "Reason given by the requesting State: Ongoing investigation KZ-77 "
            "(Language of the original: English)"
        )
        in asked
    )
    assert _squash("Period asked for: 4 weeks.") in asked
    none = _squash(RENDERERS[fmt](_eu()))
    assert _squash("None: the requesting State does not ask") in none


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"non_disclosure_weeks": 4}, "states its reason"),
        (
            {"non_disclosure_reason": "x", "non_disclosure_weeks": 0, "staff_language": "en"},
            "whole number of weeks",
        ),
        ({"non_disclosure_reason": "x"}, "say which language the reason is written in"),
        ({"host_languages": ("German",)}, "ISO 639-1"),
    ],
)
def test_a_malformed_article_11_3_request_or_language_is_refused(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(BadInput, match=message):
        _eu(**changes)


def test_a_note_verbale_cannot_carry_an_article_11_3_request() -> None:
    with pytest.raises(BadInput, match="removal orders only"):
        build_dossier(kind="note_verbale", non_disclosure_reason="investigation")


def _broken(monkeypatch: pytest.MonkeyPatch, edit: Callable[[dict[str, Any]], None]) -> None:
    data = copy.deepcopy(eu_table())
    edit(data["annex_i"])
    monkeypatch.setattr(_annex_i, "eu_table", lambda: data)
    _annex_i.annex_i.cache_clear()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda a: a["sections"].reverse(), "letters must be A, B, C, D, E, F, G"),
        (lambda a: a["title"].update(fr="INJONCTION DE RETRAIT"), "'fr' is not among"),
        (lambda a: a["sections"][0]["fields"][0]["label"].pop("en"), "English wording"),
        (lambda a: a["sections"][0]["fields"][0].update(fill="guess"), "fill 'guess'"),
        (lambda a: a["sections"][1]["fields"][3]["boxes"].pop("e"), "one box per point"),
        (lambda a: a["sections"][2].pop("attested"), "missing keys ['attested']"),
    ],
)
def test_the_annex_data_is_loaded_strictly(
    monkeypatch: pytest.MonkeyPatch, edit: Callable[[dict[str, Any]], None], message: str
) -> None:
    _broken(monkeypatch, edit)
    try:
        with pytest.raises(RuntimeError, match=re.escape(message)):
            annex_i()
    finally:
        monkeypatch.undo()
        _annex_i.annex_i.cache_clear()


def test_every_language_version_read_names_where_it_was_read() -> None:
    data = annex_i()
    assert set(data["read"]) == {"en", "de"}
    for entry in data["read"].values():
        assert entry["official"].startswith("https://eur-lex.europa.eu/")
        assert entry["at"].startswith("https://")
    assert "fr" in data["not_read"]


def test_the_article_11_3_request_is_in_the_json_record_and_valid_against_the_schema() -> None:
    dossier = _eu(
        non_disclosure_reason="Ongoing investigation", non_disclosure_weeks=3, staff_language="ru"
    )
    record = json.loads(render_json(dossier))
    assert record["non_disclosure"] == {
        "reason": "Ongoing investigation",
        "language": "ru",
        "weeks": 3,
    }
    jsonschema.validate(record, dossier_schema(), cls=jsonschema.Draft202012Validator)
    assert "non_disclosure" not in json.loads(render_json(_eu()))
