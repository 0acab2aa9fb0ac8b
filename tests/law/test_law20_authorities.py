"""Authorities read in law20-auth give channels an addressee they lacked.

Why: Azerbaijan, Georgia, Kyrgyzstan and Slovenia had no authority, so every
governmental channel to them answered "no addressee" and dossiers were refused;
twelve EU members had no competent authority under Regulation (EU) 2021/784.
law20-auth read the foreign ministries of the four, the central authority for
legal assistance of Georgia (Prosecutor's Office) and Slovenia (Ministry of
Justice), and the removal-order authorities of CZ, SK, GR, LV, LT and PL in
their implementing laws (docs/reviews/law20-auth-encoding.md). Each case below
fails if the authority is removed or loses its role.
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
# Georgia is encoded from 22.02.2026 (its consolidation's day): a later day for all.
DAY = date(2026, 6, 1)
FACTS = {"public": True, "threatening": True, "intent": True}
# A Kazakh request, no provider attribution: only the addressee is looked at.
_ADDRESS = partial(build.addressee_for, kb=KB, requesting="KZ", attribution=None)


def _channel_reasons(host: str) -> tuple[dict[str, str], dict[str, object]]:
    result = assess(kb=KB, conduct="terrorism.threat", facts=FACTS, host=host, on=DAY)
    return {c.code: c.reason for c in result.channels}, result.to_json()


@pytest.mark.parametrize(
    ("host", "channel", "authority"),
    [
        ("AZ", "diplomatic_request", "AZ.MFA"),
        ("GE", "diplomatic_request", "GE.MFA"),
        ("KG", "diplomatic_request", "KG.MID"),
        ("SI", "diplomatic_request", "SI.MZEZ"),
        ("CZ", "eu_removal_order_request", "CZ.PCR.TERO"),
        ("SK", "eu_removal_order_request", "SK.PZ"),
        ("GR", "eu_removal_order_request", "GR.PROS.2265"),
        ("LV", "eu_removal_order_request", "LV.VDD"),
        ("LT", "eu_removal_order_request", "LT.POL"),
        ("PL", "eu_removal_order_request", "PL.ABW.SZEF"),
    ],
)
def test_the_channel_is_addressed_to_the_authority_read(
    host: str, channel: str, authority: str
) -> None:
    reasons, assessment = _channel_reasons(host)
    assert channel in reasons, f"{host} offers {channel} for a terrorist threat"
    assert "no addressee" not in reasons[channel]
    # The addressee is found; a dossier may still be refused for want of reviewed
    # templates in the authority's languages (cs, el, lt, lv, sk, sl, az), which is
    # a different refusal, naming the authority, not "no addressee".
    try:
        addressee = _ADDRESS(channel=channel, host=host, assessment=assessment)
    except Refused as refused:
        assert "no addressee" not in str(refused)
        assert str(refused).startswith(f"{authority} ({host}) reads"), str(refused)
    else:
        assert addressee.key == authority, addressee


@pytest.mark.parametrize(
    ("host", "authority", "role"),
    [
        ("GE", "GE.PO", "mla_central_authority"),
        ("SI", "SI.MP", "mla_central_authority"),
    ],
)
def test_the_central_authority_read_holds_its_role(host: str, authority: str, role: str) -> None:
    assert role in KB.jurisdictions[host].authorities[authority].roles


@pytest.mark.parametrize("host", ["AZ", "KG"])
def test_no_central_authority_was_read_so_none_is_named(host: str) -> None:
    roles = {r for a in KB.jurisdictions[host].authorities.values() for r in a.roles}
    assert "mla_central_authority" not in roles


# Second reader (docs/reviews/law20-auth-review.md): an authority read only in a
# search excerpt is not a text read, so it stays `low` however official the page.
@pytest.mark.parametrize(
    ("host", "authority"), [("AZ", "AZ.MFA"), ("KG", "KG.MID"), ("PL", "PL.ABW.SZEF")]
)
def test_an_authority_read_only_in_a_search_excerpt_is_low(host: str, authority: str) -> None:
    assert KB.jurisdictions[host].authorities[authority].confidence == "low"


def test_georgian_languages_unconfirmed_fall_back_to_the_official_language() -> None:
    # The ETS 030 art. 16 declaration (English or Russian) was seen only in a snippet
    # of a third-party copy: the field was removed, so a request is written in Georgian.
    assert KB.jurisdictions["GE"].authorities["GE.PO"].languages == ()
    assert build.addressee_languages(KB, "GE", "GE.PO") == list(KB.jurisdictions["GE"].languages)
