"""An `unsupported` answer says why: a state the knowledge base does not hold, or a state
it holds whose law for this content was not (wholly) read. Telling a reviewer that
Romania "has no encoding" when its threat offence is encoded but only partly read
sends them looking for the wrong gap (law22-fixc review)."""

from __future__ import annotations

from datetime import date
from typing import Any

from comity.law.engine import assess
from comity.law.kb.loader import load_kb

# a threat to kill a named person, made without intent: Romania's art. 206 needs intent
# and its other threat offences were not read (partial), so the answer is unsupported
_UNINTENDED = {
    "public": True,
    "threatening": True,
    "hoax_terrorism": False,
    "threatens_person": True,
    "threat_to_kill": True,
    "victim_grounds_to_fear": True,
    "terrorist_aim": False,
    "intent": False,
    # law26-intc: RO.CP.206 now asks any[knowing_and_willing, intent]; without intent at all
    "knowing_and_willing": False,
}


def _referral(host: str) -> dict[str, Any]:
    data = assess(
        kb=load_kb(),
        conduct="terrorism.threat",
        facts=_UNINTENDED,
        host=host,
        on=date(2024, 5, 1),
    ).to_json()
    assert data["dual_criminality"] == "unsupported"
    return next(c for c in data["channels"] if c["code"] == "provider_referral")


def test_an_encoded_host_read_only_in_part_is_not_called_unencoded() -> None:
    reason = _referral("RO")["reason"]
    assert "RO's law for this content was not (wholly) read" in reason
    assert "no encoding" not in reason


def test_a_host_the_knowledge_base_does_not_hold_is_called_unencoded() -> None:
    assert "the knowledge base has no encoding of BR" in _referral("BR")["reason"]
