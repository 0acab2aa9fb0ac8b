"""law17-kz: the Law on Countering Terrorism's definitions (art. 1, sub-items 6-1, 14-1 and 17)
are high from the edition of 11.09.2022 in which they were read, medium before it."""

from __future__ import annotations

from datetime import date

import pytest

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
