"""Before a jurisdiction's law was read, the engine says so: `unsupported`, never `no`.

A `no` before the earliest encoded version would be an answer by omission: the
state may well have punished the conduct under a law the knowledge base never read
(Türkiye's 1926 Code, Kazakhstan's 1997 Code). A review found such `no`s for
Türkiye in 1996 and 2001.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from comity.law.engine import assess
from comity.law.kb.loader import DEFAULT_ROOT, load_kb, validate_path

FACTS = {"public": True, "intent": True}


def test_a_host_before_its_encoded_law_is_unsupported_and_says_why() -> None:
    kb = load_kb()
    before = assess(
        kb=kb, conduct="terrorism.incitement", host="TR", facts=FACTS, on=date(2005, 5, 31)
    )
    after = assess(
        kb=kb, conduct="terrorism.incitement", host="TR", facts=FACTS, on=date(2005, 6, 1)
    )
    assert before.dual_criminality == "unsupported"
    assert any("before 2005-06-01 is not encoded" in r for r in before.to_json()["reasons"])
    assert not any(c.code in ("diplomatic_request", "mla_request") for c in before.channels)
    assert after.dual_criminality == "yes"


def test_the_requesting_side_before_its_code_is_unsupported_not_no() -> None:
    kb = load_kb()
    result = assess(
        kb=kb, conduct="terrorism.incitement", host="DE", facts=FACTS, on=date(2014, 12, 31)
    )
    assert result.to_json()["requesting_outcome"] == "unsupported"
    later = assess(
        kb=kb, conduct="terrorism.incitement", host="DE", facts=FACTS, on=date(2015, 1, 1)
    )
    assert later.to_json()["requesting_outcome"] == "yes"


def test_without_a_stated_date_the_earliest_version_bounds_the_encoding() -> None:
    kb = load_kb()
    eu = kb.jurisdictions["EU"]
    starts = [v.start for p in eu.provisions for v in p.versions if v.start is not None]
    assert eu.encoded_from == min(starts)
    result = assess(
        kb=kb,
        conduct="terrorism.incitement",
        host="EU",
        facts={**FACTS, "danger": True},
        on=eu.encoded_from.replace(year=eu.encoded_from.year - 1),
    )
    assert result.dual_criminality == "unsupported"


def test_an_impossible_encoded_from_date_is_refused_with_file_and_line(tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_ROOT, root)
    path = root / "TR" / "jurisdiction.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("date: 2005-06-01", "date: 2005-02-30"), encoding="utf-8")
    errors = validate_path(root)
    assert [e.kind for e in errors] == ["bad_date"], [str(e) for e in errors]
    assert "jurisdiction.yaml" in errors[0].file and "2005-02-30" in errors[0].message
