"""Authorities are dated: an authority is no addressee before its designation.

Why: the removal-order channel under Regulation (EU) 2021/784 applies from
7 June 2022, but the members named their competent authorities later (Czechia
from 30 March 2023, Lithuania 28 April 2023, Latvia 29 May 2023, Greece
21 November 2023, Poland 3 December 2024: the days read in law20-auth). Undated,
an assessment as of 2022 named the 2023 or 2024 authority as the addressee of a
request it could not have received. Each case fails if the authority's `from`
is dropped or the engine stops reading it.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from comity.law.engine import assess
from comity.law.kb import load_kb
from comity.law.kb.loader import DEFAULT_ROOT, validate_path

__all__: list[str] = []

KB = load_kb()
FACTS = {"public": True, "threatening": True, "intent": True}
CHANNEL = "eu_removal_order_request"


def _reason(host: str, on: date) -> str:
    result = assess(kb=KB, conduct="terrorism.threat", facts=FACTS, host=host, on=on)
    return {c.code: c.reason for c in result.channels}[CHANNEL]


@pytest.mark.parametrize(
    ("host", "authority", "designated"),
    [
        ("CZ", "CZ.PCR.TERO", date(2023, 3, 30)),
        ("LT", "LT.POL", date(2023, 4, 28)),
        ("LV", "LV.VDD", date(2023, 5, 29)),
        ("AT", "AT.KOMMAUSTRIA", date(2023, 9, 1)),  # law21-auth review
        ("GR", "GR.PROS.2265", date(2023, 11, 21)),
        ("SI", "SI.OSNG", date(2024, 10, 31)),  # law21-auth review
        ("PL", "PL.ABW.SZEF", date(2024, 12, 3)),
    ],
)
def test_the_removal_order_authority_answers_from_its_designation_day(
    host: str, authority: str, designated: date
) -> None:
    assert KB.jurisdictions[host].authorities[authority].start == designated
    before = _reason(host, designated - timedelta(days=1))
    assert f"no addressee: the knowledge base names no removal_order_authority of {host}" in (
        before
    )
    assert "no addressee" not in _reason(host, designated)
    # The Regulation's first day: the channel is offered, with no addressee yet.
    assert "no addressee" in _reason(host, date(2022, 6, 7))


def test_the_authority_on_its_day_and_not_before() -> None:
    czechia = KB.jurisdictions["CZ"]
    assert czechia.authority_on("CZ.PCR.TERO", date(2023, 3, 29)) is None
    found = czechia.authority_with_role("removal_order_authority", date(2023, 3, 30))
    assert found is not None and found.id == "CZ.PCR.TERO"
    # Undated authorities (a foreign ministry) hold their role on any day.
    assert czechia.authority_with_role("foreign_ministry", date(1993, 1, 1)) is not None


def test_an_authority_whose_designation_ends_before_it_starts_is_refused(
    tmp_path: Path,
) -> None:
    root = tmp_path / "kb"
    shutil.copytree(DEFAULT_ROOT, root)
    path = root / "CZ" / "jurisdiction.yaml"
    text = path.read_text(encoding="utf-8")
    old = "    from: 2023-03-30"
    assert text.count(old) == 1
    path.write_text(text.replace(old, old + "\n    to: 2023-03-01"), encoding="utf-8")
    errors = validate_path(root)
    assert [e.kind for e in errors] == ["bad_date"], [str(e) for e in errors]
    assert "CZ/jurisdiction.yaml:" in str(errors[0]) and "before" in errors[0].message
