"""Removal-order authorities read in law21-auth give the channel an addressee.

Why: after law20-auth six EU members had no competent authority under Regulation
(EU) 2021/784 (AT, EE, ES, HR, HU, SI), so their removal-order channel answered
"no addressee". law21-auth read two designations, each only in a search excerpt
of the official publication (so `low`, the law20-auth review's rule): Austria's
KommAustria (TIB-G § 2(1), RIS consolidation) and Slovenia's District Court of
Nova Gorica (ZIUORTSV, Uradni list). Estonia, Croatia, Spain and Hungary stay
without one (docs/reviews/law21-auth-encoding.md). Each case fails if the
authority is removed, loses its role, or is raised above what was read.

The second reading (docs/reviews/law21-auth-review.md) dated both designations,
since an undated authority was named for requests back to 7 June 2022, before
either existed: KommAustria from 1 September 2023 (TIB-G in force per the RTR,
LexisNexis and jeffrey.at; its Inkrafttreten § unread), the Nova Gorica court
from ZIUORTSV's promulgation, 31 October 2024 (its entry into force unread).
(Their designation days are tested with the others' in
tests/law/test_authority_dates.py.) It also found that Hungary is not without
the removal-order channel: the EU layer offers it through membership, as to
Czechia; what Hungary lacks is the addressee.
"""

from __future__ import annotations

from datetime import date
from functools import partial

import pytest

from comity.core.errors import Refused
from comity.dossiers import build
from comity.law.engine import assess
from comity.law.kb import load_kb

__all__: list[str] = []

KB = load_kb()
DAY = date(2025, 6, 1)  # after both designations (AT 1.9.2023, SI promulgated 31.10.2024)
FACTS = {"public": True, "threatening": True, "intent": True}
_ADDRESS = partial(build.addressee_for, kb=KB, requesting="KZ", attribution=None)


@pytest.mark.parametrize(("host", "authority"), [("AT", "AT.KOMMAUSTRIA"), ("SI", "SI.OSNG")])
def test_the_removal_order_channel_is_addressed_to_the_authority_read(
    host: str, authority: str
) -> None:
    result = assess(kb=KB, conduct="terrorism.threat", facts=FACTS, host=host, on=DAY)
    reasons = {c.code: c.reason for c in result.channels}
    assert "eu_removal_order_request" in reasons
    assert "no addressee" not in reasons["eu_removal_order_request"]
    try:
        addressee = _ADDRESS(
            channel="eu_removal_order_request", host=host, assessment=result.to_json()
        )
    except Refused as refused:
        assert "no addressee" not in str(refused)
        assert str(refused).startswith(f"{authority} ({host}) reads"), str(refused)
    else:
        assert addressee.key == authority, addressee


@pytest.mark.parametrize(("host", "authority"), [("AT", "AT.KOMMAUSTRIA"), ("SI", "SI.OSNG")])
def test_a_designation_read_only_in_a_search_excerpt_is_low(host: str, authority: str) -> None:
    found = KB.jurisdictions[host].authorities[authority]
    assert "removal_order_authority" in found.roles
    assert found.confidence == "low"
    assert found.languages == ()  # languages were not read


@pytest.mark.parametrize("host", ["EE", "ES", "HR", "HU"])
def test_no_designation_read_so_none_is_named(host: str) -> None:
    roles = {r for a in KB.jurisdictions[host].authorities.values() for r in a.roles}
    assert "removal_order_authority" not in roles


def _removal_order_reason(host: str, on: date) -> str:
    result = assess(kb=KB, conduct="terrorism.threat", facts=FACTS, host=host, on=on)
    return {c.code: c.reason for c in result.channels}["eu_removal_order_request"]


@pytest.mark.parametrize("on", [date(2022, 6, 7), date(2025, 6, 1)])
def test_hungary_gets_the_union_channel_but_no_addressee(on: date) -> None:
    # Hungary has no removal-order channel of its own, like Czechia; the EU layer's
    # reaches it through membership. No Hungarian designation was read, so the
    # channel names no addressee (and the dossier builder refuses it).
    hungary = KB.jurisdictions["HU"]
    assert not any(o.code == "eu_removal_order_request" for o in hungary.channels)
    reason = _removal_order_reason("HU", on)
    assert reason.startswith("offered by EU"), reason
    assert "no addressee: the knowledge base names no removal_order_authority of HU" in reason
