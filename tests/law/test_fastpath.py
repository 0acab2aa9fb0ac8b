"""The fast path gives the same answers as the full explanation, on every input.

The engine decides statuses with `run_entry` over per-period plans and may
reuse a memoised verdict; the lawyer reads `explain_entry`'s reasons. These
properties check on random inputs that the two never disagree, that a memoised
verdict equals a fresh one, and that a period plan is right for every date in it.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from comity.law._index import index_of
from comity.law.engine import assess
from comity.law.kb.loader import load_kb
from comity.law.model import in_force

KB = load_kb()
INDEX = index_of(KB)
FACTS = st.fixed_dictionaries(
    {},
    optional={
        name: (st.sampled_from(spec.values) if spec.type == "string" else st.booleans())
        for name, spec in KB.vocabulary.facts.items()
    },
)
DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2032, 12, 31))
ARGS = {
    "conduct": st.sampled_from(sorted(KB.vocabulary.conducts)),
    "facts": FACTS,
    "host": st.sampled_from([*sorted(KB.jurisdictions), "MN"]),
    "requesting": st.sampled_from(["KZ", "US", "DE", "RU", "MN"]),
    "on": DATES,
    "priority": st.sampled_from(["standard", "crisis", "threat_to_life"]),
    "role": st.sampled_from(sorted(KB.vocabulary.roles)),
}


@settings(max_examples=400, deadline=None)
@given(**ARGS)
def test_statuses_and_missing_facts_agree_with_the_explanation(**kwargs: object) -> None:
    result = assess(kb=KB, cache=False, **kwargs)  # type: ignore[arg-type]
    verdict = result.verdict
    for rows, explained in (
        (verdict.host_rows, result.host_provisions),
        (verdict.requesting_rows, result.requesting_provisions),
        (verdict.eu_rows, result.eu_layer),
    ):
        assert [(e.provision.id, s, m) for e, s, m in rows] == [
            (p.id, p.status, p.missing_facts) for p in explained
        ]
    assert set(result.matched_host_provisions) == {
        p.id for p in result.host_provisions if p.matched
    }


@settings(max_examples=300, deadline=None)
@given(**ARGS)
def test_a_memoised_verdict_equals_a_fresh_one(**kwargs: object) -> None:
    fresh = assess(kb=KB, cache=False, **kwargs)  # type: ignore[arg-type]
    first = assess(kb=KB, **kwargs)  # type: ignore[arg-type]
    again = assess(kb=KB, **kwargs)  # type: ignore[arg-type]
    assert fresh == first == again
    assert fresh.to_json() == again.to_json()


@settings(max_examples=300, deadline=None)
@given(
    jur=st.sampled_from(sorted(KB.jurisdictions)),
    conduct=st.sampled_from(sorted(KB.vocabulary.conducts)),
    first=DATES,
    offset=st.integers(min_value=0, max_value=4000),
)
def test_a_period_plan_holds_for_every_date_in_the_period(
    jur: str, conduct: str, first: date, offset: int
) -> None:
    """Plans are computed from whichever date of a period comes first and reused."""
    second = first + timedelta(days=offset)
    bucket = INDEX.bucket(first)
    if INDEX.bucket(second) != bucket:
        second = first
    INDEX.entries(jur, conduct, bucket, first)
    plan = INDEX.entries(jur, conduct, bucket, second)  # the plan made from `first`
    direct = [
        p
        for p in KB.offences.get((jur, conduct), ())
        if conduct in p.conducts or p.reach_for(conduct, second) is not None
    ]
    assert [e.version for e in plan] == [p.version_on(second) for p in direct]
    for entry in plan:
        ident = entry.provision.id
        constraints = [
            c
            for c in KB.constraints.get((jur, ident), ())
            if c.limits(ident, conduct) and c.version_on(second)
        ]
        assert [lim.constraint.id for lim in entry.constraints] == [c.id for c in constraints]
        assert [lim.version for lim in entry.constraints] == [
            c.version_on(second) for c in constraints
        ]
        assert entry.excluded == {
            e.purpose: e
            for e in reversed(entry.provision.exclusions)
            if in_force(e.start, e.end, second)
        }
    jurisdiction = KB.jurisdictions[jur]
    assert INDEX.eu_member(jur, bucket, first) == (
        jur != "EU" and jurisdiction.member_of("EU", second)
    )
