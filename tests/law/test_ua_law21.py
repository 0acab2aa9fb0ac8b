"""law21-days review: UA art. 258-5 is high from 28.04.2020 (Law 361-IX's in-force day, read in
zakon.rada.gov.ua edition lines), so the text of that version may hold only words in force on that
day: the 2023 re-wording by Law 2997-IX (first day not read) is not one of them. Part 3 of the
article (10-12 years) was inserted with it by Law 2258-VI in 2010 (read in that Law), so both
versions' maximum is 12 years."""

from __future__ import annotations

from datetime import date

from comity.law.kb.loader import load_kb

ELEMENT_WORDS = "окремим терористом чи терористичною групою (організацією)"


def test_the_high_version_of_art_258_5_shows_no_words_of_the_2023_wording() -> None:
    provision = load_kb().provisions_by_id["UA.CC.258-5"]
    version = provision.version_on(date(2020, 4, 28))
    assert version is not None
    assert provision.confidence_on(date(2020, 4, 28)) == "high"
    originals = [t.original for t in version.text]
    # words added by Law 2997-IX (2023), whose first day is not read
    assert not any("зберігання будь-яких активів" in o for o in originals)
    assert not any("перетинання державного кордону" in o for o in originals)
    # the 361-IX wording, in force from 28.04.2020, holds the element's words
    assert any(o.startswith("1. Надання чи збір будь-яких активів") for o in originals)
    assert any(ELEMENT_WORDS in o for o in originals)


def test_art_258_5_part_3_is_in_both_versions_maximum() -> None:
    provision = load_kb().provisions_by_id["UA.CC.258-5"]
    for day in (date(2010, 8, 16), date(2020, 4, 27), date(2020, 4, 28), date(2026, 1, 1)):
        version = provision.version_on(day)
        assert version is not None and version.max_penalty is not None
        assert version.max_penalty.years == 12
        assert "10-12 years (part 3" in version.max_penalty.text
