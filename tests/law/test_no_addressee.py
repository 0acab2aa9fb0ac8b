"""A governmental channel whose addressee the knowledge base does not name says so.

Why: Slovenia (wave 4) has no authority encoded; its channels were ranked with
`authority: null` and nothing in the answer said that a dossier on them would be
refused for want of an addressee (law4-eumed review, 2026-12-06). The answer now
names the missing role; the dossier builder refuses with the same role.
"""

from __future__ import annotations

from datetime import date

import pytest

from comity.core.errors import Refused
from comity.dossiers import build
from comity.law.engine import assess
from comity.law.kb.loader import load_kb

__all__: list[str] = []

KB = load_kb()
DAY = date(2024, 5, 1)
FACTS = {"public": True, "threatening": True, "intent": True}


def _reasons(host: str) -> dict[str, str]:
    result = assess(kb=KB, conduct="terrorism.threat", facts=FACTS, host=host, on=DAY)
    return {c.code: c.reason for c in result.channels}


@pytest.mark.parametrize(
    ("channel", "role"),
    [
        ("diplomatic_request", "foreign_ministry"),
        ("eu_removal_order_request", "removal_order_authority"),
    ],
)
def test_a_channel_without_addressee_names_the_missing_role(channel: str, role: str) -> None:
    reasons = _reasons("SI")
    assert f"no addressee: the knowledge base names no {role} of SI" in reasons[channel]


def test_the_dossier_builder_refuses_the_same_channel() -> None:
    result = assess(kb=KB, conduct="terrorism.threat", facts=FACTS, host="SI", on=DAY)
    with pytest.raises(Refused, match="names no foreign_ministry for SI"):
        build.addressee_for(
            kb=KB,
            requesting="KZ",
            channel="diplomatic_request",
            host="SI",
            assessment=result.to_json(),
            attribution=None,
        )


def test_a_host_with_its_authorities_has_no_such_reason() -> None:
    reasons = _reasons("DE")
    assert reasons, "Germany offers channels for a terrorist threat"
    assert not any("no addressee" in why for why in reasons.values())
