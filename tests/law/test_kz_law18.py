"""law18-kz2: the Criminal Code's original wording (edition of 13.11.2015 in the mirror of the
official database) had lower sanctions for arts 182, 256-259 and no fine in art. 174. Review: the
earlier versions end on the day before the earliest day their amending law can have taken effect
under its own in-force clause (12-VI: two months after publication, so 2016-09-26 at the earliest;
28-VI: ten calendar days, so 2017-01-01 at the earliest), not at the law's own date; art. 256 has a
middle version (2016-09-26..2016-12-31) whose sanction is either, since which law raised it was not
read."""

from __future__ import annotations

from datetime import date

import pytest

from comity.law.engine import assess
from comity.law.kb.loader import load_kb

TWELVE_VI_SIGNED = date(2016, 7, 26)
TWENTY_EIGHT_VI_SIGNED = date(2016, 12, 22)


@pytest.mark.parametrize(
    ("ident", "last_day", "years_before", "years_after"),
    [
        ("KZ.CC.257", date(2016, 12, 31), 15, 17),
        ("KZ.CC.258", date(2016, 12, 31), 10, 12),
        ("KZ.CC.182", date(2016, 12, 31), 15, 17),
        ("KZ.CC.259", date(2016, 12, 31), 15, 15),
    ],
)
def test_the_original_maximum_holds_until_the_amending_law_can_have_taken_effect(
    ident: str, last_day: date, years_before: int, years_after: int
) -> None:
    provision = load_kb().provisions_by_id[ident]
    before = provision.version_on(last_day)
    after = provision.version_on(date.fromordinal(last_day.toordinal() + 1))
    assert before is not None and after is not None and before is not after
    assert before.max_penalty is not None and after.max_penalty is not None
    assert (before.max_penalty.years, after.max_penalty.years) == (years_before, years_after)
    # the law's own date and the days up to its earliest in-force day keep the original wording
    assert provision.version_on(TWENTY_EIGHT_VI_SIGNED) is before
    assert provision.version_on(date(2016, 12, 23)) is before
    # both sides are medium: the edition of 13.11.2015 is not shown to be an in-force day
    assert provision.confidence_on(last_day) == "medium"
    assert provision.version_on(date(2014, 12, 31)) is None


@pytest.mark.parametrize(
    "ident", ["KZ.CC.256.calls", "KZ.CC.256.propaganda", "KZ.CC.256.materials"]
)
def test_art_256_never_shows_the_higher_sanction_as_certain_before_28_vi_can_apply(
    ident: str,
) -> None:
    provision = load_kb().provisions_by_id[ident]
    original = provision.version_on(date(2016, 9, 25))
    middle = provision.version_on(date(2016, 9, 26))
    later = provision.version_on(date(2017, 1, 1))
    assert original is not None and middle is not None and later is not None
    assert len({id(original), id(middle), id(later)}) == 3
    assert provision.version_on(TWELVE_VI_SIGNED) is original
    assert provision.version_on(date(2016, 12, 31)) is middle
    assert original.max_penalty is not None and original.max_penalty.years == 10
    assert later.max_penalty is not None and later.max_penalty.years == 12
    # the middle version names both sanctions and quotes no sanction as the one in force
    assert middle.max_penalty is not None
    assert "3-7" in middle.max_penalty.text and "5-9" in middle.max_penalty.text
    assert not any("наказываются" in t.original for t in middle.text)
    assert all(
        provision.confidence_on(d) == "medium"
        for d in (date(2016, 9, 25), date(2016, 11, 1), date(2017, 1, 1))
    )


def test_art_174_original_wording_has_no_fine_and_the_older_means() -> None:
    provision = load_kb().provisions_by_id["KZ.CC.174"]
    original = provision.version_on(date(2016, 9, 25))
    later = provision.version_on(date(2016, 9, 26))
    assert original is not None and later is not None and original is not later
    assert provision.version_on(date(2016, 7, 27)) is original
    assert "возбуждение" in original.text[0].original
    assert "информационно-коммуникационных сетей" in original.text[0].original
    assert "штрафом" not in original.text[1].original
    # law19-kz3: the fine came only with Law 26.06.2020 No 349-VI (in-force edition 01.01.2020 read)
    assert "штрафом" not in later.text[1].original
    after_349 = provision.version_on(date(2020, 7, 6))
    assert after_349 is not None and "штрафом" in after_349.text[1].original


@pytest.mark.parametrize(
    ("conduct", "facts", "on", "ident", "needles"),
    [
        (
            "hatred.incitement",
            {"public": True, "intent": True, "protected_ground": "ethnicity"},
            date(2015, 6, 1),
            "KZ.CC.174",
            ("no fine",),
        ),
        # autumn 2016: only 12-VI can have been in force, so both sanctions are shown
        (
            "terrorism.incitement",
            {"public": True, "intent": True},
            date(2016, 11, 1),
            "KZ.CC.256.calls",
            ("3-7", "5-9"),
        ),
    ],
)
def test_the_early_wordings_reach_the_assessment(
    conduct: str, facts: dict[str, object], on: date, ident: str, needles: tuple[str, ...]
) -> None:
    result = assess(kb=load_kb(), conduct=conduct, facts=facts, host="KZ", on=on)
    row = next(p for p in result.host_provisions if p.id == ident)
    assert row.matched
    assert row.max_penalty is not None
    assert all(needle in row.max_penalty for needle in needles)
