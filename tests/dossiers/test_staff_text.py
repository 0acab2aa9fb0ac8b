"""Text written by staff: kept as written, labelled with its language, never breaking the page."""

from __future__ import annotations

import io
import re
import unicodedata

import docx
import pypdf
import pytest

from comity.core.errors import BadInput
from comity.dossiers.render import render_docx, render_pdf
from comity.dossiers.render._staff import breakable
from comity.dossiers.schemas import Dossier
from conftest import build_dossier

LONG_WORD = "Ж" * 300  # no space: a pasted hash, a URL without scheme, a mistake
ARABIC = "مرحبا بالعالم"
HEBREW = "שלום עולם"
MIXED = f"Расследование KZ-77 {ARABIC} {HEBREW} Қазақстан oʻzbek Türkiye"


def _reason(reason: str, language: str = "de", written_in: str = "ru") -> Dossier:
    return build_dossier(
        kind="eu_removal_order",
        language=language,
        non_disclosure_reason=reason,
        non_disclosure_weeks=2,
        staff_language=written_in,
    )


def _pdf_lines(dossier: Dossier) -> list[str]:
    pages = pypdf.PdfReader(io.BytesIO(render_pdf(dossier))).pages
    return "\n".join(p.extract_text() for p in pages).split("\n")


def _docx_paragraphs(dossier: Dossier) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(render_docx(dossier))).paragraphs]


def test_a_reason_written_in_russian_stays_russian_in_a_german_letter_and_says_so() -> None:
    paragraphs = _docx_paragraphs(_reason("Ведётся расследование"))
    assert (
        "Vom ersuchenden Staat angegebener Grund: Ведётся расследование "
        "(Sprache des Originals: Russisch)"
    ) in paragraphs


@pytest.mark.parametrize(
    ("language", "label"),
    [
        ("kk", "(Түпнұсқа тілі: орыс тілі)"),
        ("fr", "(Langue de l'original : russe)"),
        ("tr", "(Aslının dili: Rusça)"),
        ("uz", "(Asl nusxa tili: rus tili)"),
    ],
)
def test_the_label_is_in_the_letters_language(language: str, label: str) -> None:
    text = "\n".join(_docx_paragraphs(_reason("Ведётся расследование", language)))
    assert f"Ведётся расследование {label}" in text


def test_a_reason_whose_language_is_not_said_is_refused() -> None:
    with pytest.raises(BadInput, match="say which language the reason is written in"):
        _reason("Ведётся расследование", written_in="")


def test_a_long_word_wraps_in_the_pdf_instead_of_running_off_the_page() -> None:
    lines = _pdf_lines(_reason(f"Ведётся {LONG_WORD} расследование"))
    holding = [line for line in lines if "ЖЖЖЖЖ" in line]
    assert len(holding) > 3 and max(len(line) for line in holding) < 90  # was one of 300+
    # Nothing was added to the word: it reads back whole.
    assert LONG_WORD in re.sub(r"\s+", "", "".join(lines))


def test_a_long_word_is_kept_whole_in_the_docx() -> None:
    text = "\n".join(_docx_paragraphs(_reason(f"Ведётся {LONG_WORD} расследование")))
    assert f"Ведётся {LONG_WORD} расследование (Sprache des Originals: Russisch)" in text


@pytest.mark.parametrize("language", ["de", "kk", "en"])
def test_right_to_left_and_mixed_scripts_keep_every_letter_in_pdf_and_docx(
    language: str,
) -> None:
    dossier = _reason(MIXED, language)
    assert any(MIXED in p for p in _docx_paragraphs(dossier))
    pdf = "".join(_pdf_lines(dossier))
    for word in ("Расследование", "KZ-77", "Қазақстан", "oʻzbek", "Türkiye"):
        assert word in pdf
    for word in (*ARABIC.split(), *HEBREW.split()):
        # Extraction gives right-to-left words in logical or visual order.
        assert word in pdf or word[::-1] in pdf, word


@pytest.mark.parametrize("control", ["\u202e", "\u202d", "\u2066", "\u2069", "\u202b"])
def test_a_bidi_override_in_staff_text_cannot_reorder_the_letter(control: str) -> None:
    # "Trojan Source": an override would show the label and the fixed text after it reversed.
    with pytest.raises(BadInput, match="bidirectional override or isolate"):
        _reason(f"investigation{control} KZ-77")


@pytest.mark.parametrize(
    "text", [LONG_WORD, MIXED, "a" * 21, "e\u0301" * 30, f"x {'y' * 45} z", "", "short words only"]
)
def test_pieces_join_back_to_the_text_and_no_box_splits_a_letter_from_its_mark(text: str) -> None:
    pieces = breakable(text)
    assert "".join(piece for _, piece in pieces) == text
    for kind, piece in pieces:
        if kind == "b":
            assert len(piece.rstrip("\u0301")) <= 20 or len(piece) <= 40
            assert not unicodedata.combining(piece[0])
