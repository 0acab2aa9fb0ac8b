"""law17-kz: the Law on Countering Terrorism's definitions (art. 1, sub-items 6-1, 14-1 and 17)
are high from the edition of 11.09.2022 in which they were read, medium before it; and (review)
art. 272 part 3's sanction and art. 174's wording change on the in-force days read."""

from __future__ import annotations

from datetime import date

import pytest

from comity.law.engine import assess
from comity.law.kb.loader import load_kb

DEFINITIONS = ("KZ.LCT.1.6-1", "KZ.LCT.1.14-1", "KZ.LCT.1.17")


@pytest.mark.parametrize("ident", DEFINITIONS)
def test_a_definition_is_high_from_the_edition_read_and_medium_the_day_before(ident: str) -> None:
    provision = load_kb().provisions_by_id[ident]
    assert provision.kind == "definition"
    assert provision.confidence_on(date(2022, 9, 10)) == "medium"
    assert provision.confidence_on(date(2022, 9, 11)) == "high"
    before = provision.version_on(date(2022, 9, 10))
    after = provision.version_on(date(2022, 9, 11))
    assert before is not None and after is not None and before is not after
    # the same words on both sides of the split: only the confidence moves
    assert [t.original for t in before.text] == [t.original for t in after.text]


def test_the_definitions_apply_from_the_criminal_code_of_2014_not_earlier() -> None:
    kb = load_kb()
    for ident in DEFINITIONS:
        assert kb.provisions_by_id[ident].version_on(date(2014, 12, 31)) is None


# law17-kz review: the penalty and wording history found in the in-force editions read.


def _kz_row(provision: str, on: date, facts: dict[str, object]) -> tuple[str | None, str]:
    result = assess(kb=load_kb(), conduct="hatred.incitement", facts=facts, host="KZ", on=on)
    row = next(p for p in result.host_provisions if p.id == provision)
    assert row.matched
    return row.max_penalty, row.confidence


@pytest.mark.parametrize(
    ("on", "years_text", "confidence"),
    [
        (date(2019, 12, 31), "up to 3 years", "medium"),
        # law23-intent: medium until 10.09.2022 (art. 19 on intent read in force from 11.09.2022)
        (date(2020, 1, 1), "up to 3 years", "medium"),
        (date(2021, 9, 4), "up to 3 years", "medium"),
        (date(2022, 9, 10), "up to 3 years", "medium"),
        (date(2022, 9, 11), "up to 3 years", "high"),
        (date(2023, 5, 19), "up to 3 years", "high"),
        (date(2023, 5, 20), "3-5 years", "high"),
    ],
)
def test_art_272_part_3_sanction_rose_the_day_law_212_vii_took_effect(
    on: date, years_text: str, confidence: str
) -> None:
    penalty, conf = _kz_row("KZ.CC.272.3", on, {"violence": True, "intent": True})
    assert penalty is not None and years_text in penalty
    assert conf == confidence


def test_art_174_names_online_platforms_only_in_the_wording_read_from_2024_08_20() -> None:
    provision = load_kb().provisions_by_id["KZ.CC.174"]
    before = provision.version_on(date(2023, 7, 10))
    unread = provision.version_on(date(2023, 7, 11))
    after = provision.version_on(date(2024, 8, 20))
    assert before is not None and unread is not None and after is not None
    assert "онлайн-платформ" not in before.text[0].original
    assert "онлайн-платформ" in after.text[0].original
    # the span in which Law 19-VIII took effect on an unread day is not high
    days = (date(2023, 7, 10), date(2023, 7, 11), date(2024, 8, 20))
    assert [provision.confidence_on(d) for d in days] == ["high", "medium", "high"]
