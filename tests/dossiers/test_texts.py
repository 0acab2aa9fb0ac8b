"""The fixed texts are strict data: same keys in every language, no stray placeholders."""

from __future__ import annotations

import pytest
import yaml

from comity.dossiers.render import _data
from comity.dossiers.render._view import format_date, split_url

KAZAKH_LETTERS = "әғқңөұүі"


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_every_language_has_every_text(language: str) -> None:
    texts = _data.texts(language)
    assert set(texts["conduct"]) == set(_data.texts("en")["conduct"])
    assert texts["note"]["closing"].count("{sender}") == 1


def test_kazakh_texts_are_in_kazakh_cyrillic() -> None:
    text = yaml.safe_dump(_data.texts("kk"), allow_unicode=True)
    assert all(letter in text for letter in KAZAKH_LETTERS)


def test_duplicate_keys_are_refused_with_the_line() -> None:
    with pytest.raises(ValueError, match="duplicate key 'a' at line 2"):
        yaml.load("a: 1\na: 2\n", Loader=_data._StrictLoader)


def test_dates_read_as_each_language_writes_them() -> None:
    from datetime import date

    day = date(2024, 5, 15)
    assert format_date(day, "en") == "15 May 2024"
    assert format_date(day, "ru") == "15 мая 2024 г."
    assert format_date(day, "kk") == "2024 жылғы 15 мамыр"


@pytest.mark.parametrize(
    "url",
    ["https://a.example/x?y=1&z=2", "https://a.example/" + "q" * 2000, "https://a.example/مرحبا"],
)
def test_url_pieces_join_back_to_the_url_and_stay_short(url: str) -> None:
    pieces = split_url(url)
    assert "".join(pieces) == url
    assert max(len(p) for p in pieces) <= 21
