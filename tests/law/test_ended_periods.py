"""A provision whose every version has ended answers `unsupported` (law-eu1 review), and the
memoised verdict, shared by every date of one knowledge-base period, stays right on both
sides of the last day (third reading, law-rev2).

Belgium's art. 140bis ends on 2026-04-07 and, in the bundled knowledge base, its successor in
the 2024 Code pénal (art. 376) and the rest of that Code start the next day (wave 3). The tests
run on a copy of the knowledge base in which art. 140bis is Belgium's only provision, so that it
is a provision whose every version has ended with nothing after it, and 2026-04-08 is a period
break only because of that end (second reader: removing art. 376 alone left the other 2024
provisions starting on that day, which made the break, and the cache test, pass without the
end-of-version rule they were written for)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import date
from pathlib import Path

from comity.law._index import index_of
from comity.law.engine import assess
from comity.law.kb.loader import DEFAULT_ROOT, load_kb

FACTS = {"public": True, "intent": True, "danger": True}
LAST_DAY, NEXT_DAY, LATER = date(2026, 4, 7), date(2026, 4, 8), date(2026, 12, 5)
KEPT, NEXT = "  - id: BE.CP.140bis\n", "\n  - id: "


def _with_art_140bis_only() -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="comity-kb-ended-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    root = tmp / "knowledge"
    shutil.copytree(DEFAULT_ROOT, root)
    provisions = root / "BE" / "provisions.yaml"
    text = provisions.read_text(encoding="utf-8")
    start = text.index(KEPT)
    end = text.index(NEXT, start + len(KEPT))
    head = text[: text.index("provisions:\n") + len("provisions:\n")]
    provisions.write_text(head + text[start:end] + "\n", encoding="utf-8")
    return root


KB = load_kb(_with_art_140bis_only())


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
    # ... and nothing else in the copy starts or ends there: the break is the end's alone
    assert [p.id for p in KB.jurisdictions["BE"].provisions] == ["BE.CP.140bis"]
    starts = {
        v.start for jur in KB.jurisdictions.values() for p in jur.provisions for v in p.versions
    }
    assert NEXT_DAY not in starts


def test_a_cached_verdict_is_not_carried_across_the_end_of_a_provision() -> None:
    # warm the cache after the end first, then ask for the last day, then after it again
    order = [LATER, LAST_DAY, NEXT_DAY, LAST_DAY, LATER]
    cached = [_answer(on, cache=True) for on in order]
    fresh = [_answer(on, cache=False) for on in order]
    assert cached == fresh
    assert cached == ["unsupported", "yes", "unsupported", "yes", "unsupported"]


def test_in_the_bundled_knowledge_base_art_376_takes_over_the_next_day() -> None:
    bundled = load_kb()
    answers = [
        assess(kb=bundled, conduct="terrorism.incitement", facts=FACTS, host="BE", on=on)
        for on in (LAST_DAY, NEXT_DAY, LATER)
    ]
    assert [a.dual_criminality for a in answers] == ["yes", "yes", "yes"]
