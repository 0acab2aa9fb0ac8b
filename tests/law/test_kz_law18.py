"""law18-kz2: the Criminal Code's original wording (edition of 13.11.2015 in the mirror of the
official database) had lower sanctions for arts 182, 256-259 and no fine in art. 174; the
earlier versions now carry them until the first amending law's own date."""

from __future__ import annotations

from datetime import date

import pytest

from comity.law.engine import assess
from comity.law.kb.loader import load_kb


@pytest.mark.parametrize(
    ("ident", "last_day", "years_before", "years_after"),
    [
        ("KZ.CC.256.calls", date(2016, 7, 26), 10, 12),
        ("KZ.CC.256.propaganda", date(2016, 7, 26), 10, 12),
        ("KZ.CC.256.materials", date(2016, 7, 26), 10, 12),
        ("KZ.CC.257", date(2016, 12, 22), 15, 17),
        ("KZ.CC.258", date(2016, 12, 22), 10, 12),
        ("KZ.CC.182", date(2016, 12, 22), 15, 17),
        ("KZ.CC.259", date(2016, 12, 22), 15, 15),
    ],
)
def test_the_original_maximum_holds_until_the_amending_law_existed(
    ident: str, last_day: date, years_before: int, years_after: int
) -> None:
    provision = load_kb().provisions_by_id[ident]
    before = provision.version_on(last_day)
    after = provision.version_on(date.fromordinal(last_day.toordinal() + 1))
    assert before is not None and after is not None and before is not after
    assert before.max_penalty is not None and after.max_penalty is not None
    assert (before.max_penalty.years, after.max_penalty.years) == (years_before, years_after)
    # both sides are medium: the edition of 13.11.2015 is not shown to be an in-force day
    assert provision.confidence_on(last_day) == "medium"
    assert provision.version_on(date(2014, 12, 31)) is None


def test_art_174_original_wording_has_no_fine_and_the_older_means() -> None:
    provision = load_kb().provisions_by_id["KZ.CC.174"]
    original = provision.version_on(date(2016, 7, 26))
    later = provision.version_on(date(2016, 7, 27))
    assert original is not None and later is not None and original is not later
    assert "возбуждение" in original.text[0].original
    assert "информационно-коммуникационных сетей" in original.text[0].original
    assert "штрафом" not in original.text[1].original
    assert "штрафом" in later.text[1].original


def test_art_174_public_incitement_in_2015_still_matches_through_assess() -> None:
    result = assess(
        kb=load_kb(),
        conduct="hatred.incitement",
        facts={"public": True, "intent": True, "protected_ground": "ethnicity"},
        host="KZ",
        on=date(2015, 6, 1),
    )
    row = next(p for p in result.host_provisions if p.id == "KZ.CC.174")
    assert row.matched
    assert row.max_penalty is not None and "no fine" in row.max_penalty
