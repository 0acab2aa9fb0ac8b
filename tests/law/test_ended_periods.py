"""A provision whose every version has ended answers `unsupported` (law-eu1 review), and the
memoised verdict, shared by every date of one knowledge-base period, stays right on both
sides of the last day (third reading, law-rev2)."""

from __future__ import annotations

from datetime import date

from comity.law._index import index_of
from comity.law.engine import assess
from comity.law.kb.loader import load_kb

KB = load_kb()
FACTS = {"public": True, "intent": True, "danger": True}
# BE art. 140bis ends on 2026-04-08 (the new Code pénal's article was not read)
LAST_DAY, NEXT_DAY, LATER = date(2026, 4, 8), date(2026, 4, 9), date(2026, 12, 5)


def _answer(on: date, *, cache: bool) -> str:
    result = assess(
        kb=KB, conduct="terrorism.incitement", facts=FACTS, host="BE", on=on, cache=cache
    )
    return result.dual_criminality


def test_the_last_day_of_a_provision_and_the_next_fall_in_different_periods() -> None:
    index = index_of(KB)
    # the period of the day after an end starts on that day (version end + 1 is a break), so
    # `_ended` (end < on) is constant across the dates that share a memoised verdict
    assert index.bucket(LAST_DAY) != index.bucket(NEXT_DAY)
    assert NEXT_DAY in index.breaks


def test_a_cached_verdict_is_not_carried_across_the_end_of_a_provision() -> None:
    # warm the cache after the end first, then ask for the last day, then after it again
    order = [LATER, LAST_DAY, NEXT_DAY, LAST_DAY, LATER]
    cached = [_answer(on, cache=True) for on in order]
    fresh = [_answer(on, cache=False) for on in order]
    assert cached == fresh
    assert cached == ["unsupported", "yes", "unsupported", "yes", "unsupported"]
