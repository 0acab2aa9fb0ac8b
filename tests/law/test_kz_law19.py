"""law19-kz3: the in-force edition of 01.01.2020 of Kazakhstan's official database (mirror
kazakhstan-law/codes@190057ad) stores chapters 3-5 and 9-10 of the Criminal Code. The wordings the
KB carried at medium across that day are high from it (the same words the day before stay medium);
art. 174 read there still had 'возбуждение' and no fine, which came with Law 26.06.2020 No 349-VI
(2020-07-06 at the earliest); art. 255 is high only until Law 29.12.2021 No 89-VII can have
removed the death penalty (2022-01-08 at the earliest)."""

from __future__ import annotations

from datetime import date

import pytest

from comity.law.kb.loader import load_kb

EDITION = date(2020, 1, 1)
DAY_BEFORE = date(2019, 12, 31)


@pytest.mark.parametrize(
    "ident",
    [
        "KZ.CC.182",
        "KZ.CC.255",
        "KZ.CC.256.calls",
        "KZ.CC.257",
        "KZ.CC.258",
        "KZ.CC.259",
        "KZ.CC.273",
        "KZ.CC.274",
        "KZ.CC.174",
    ],
)
def test_high_from_the_in_force_edition_of_1_january_2020_with_the_same_words(ident: str) -> None:
    provision = load_kb().provisions_by_id[ident]
    before = provision.version_on(DAY_BEFORE)
    on = provision.version_on(EDITION)
    assert before is not None and on is not None and before is not on
    assert provision.confidence_on(DAY_BEFORE) == "medium"
    assert provision.confidence_on(EDITION) == "high"
    assert [t.original for t in before.text] == [t.original for t in on.text]
    assert on.note is not None and "190057ad" in on.note


# law23-intent: arts 179, 180 and 272 part 3 now ask intent on the words of art. 19 ч. 3-4, read
# in an in-force edition only from 11.09.2022; 01.01.2020 to 10.09.2022 are medium (as art. 115).
@pytest.mark.parametrize("ident", ["KZ.CC.179", "KZ.CC.180", "KZ.CC.272.3"])
def test_medium_until_art_19_is_read_in_force_on_11_september_2022(ident: str) -> None:
    provision = load_kb().provisions_by_id[ident]
    assert provision.confidence_on(DAY_BEFORE) == "medium"
    assert provision.confidence_on(EDITION) == "medium"
    assert provision.confidence_on(date(2022, 9, 10)) == "medium"
    assert provision.confidence_on(date(2022, 9, 11)) == "high"
    on = provision.version_on(EDITION)
    assert on is not None and on.note is not None and "190057ad" in on.note


def test_art_174_had_no_fine_until_law_349_vi_could_take_effect() -> None:
    provision = load_kb().provisions_by_id["KZ.CC.174"]
    read = provision.version_on(EDITION)
    assert read is not None and provision.version_on(date(2020, 7, 5)) is read
    assert "возбуждение" in read.text[0].original and "штрафом" not in read.text[1].original
    after = provision.version_on(date(2020, 7, 6))
    assert after is not None and after is not read
    assert "разжигание" in after.text[0].original and "штрафом" in after.text[1].original
    assert provision.confidence_on(date(2020, 7, 6)) == "medium"


def test_art_255_is_high_only_until_law_89_vii_can_have_removed_the_death_penalty() -> None:
    provision = load_kb().provisions_by_id["KZ.CC.255"]
    assert provision.confidence_on(date(2022, 1, 7)) == "high"
    assert provision.confidence_on(date(2022, 1, 8)) == "medium"
    assert provision.confidence_on(date(2022, 9, 3)) == "high"
