"""A union of states is never offered a request from government to government.

Why: with the European Union as host (`comity assess --host EU`), the answer
ranked `diplomatic_request` as "available to any state" and only added that no
foreign ministry of the EU was recorded (session 13's closing note left it as
a design question). A note verbale goes from one state's foreign ministry to
another's; the Union has none to receive it and no power to remove content
that its member states' authorities lack. The answer now bars the channel and
says where the request goes instead: the member state that hosts the content.
"""

from __future__ import annotations

from datetime import date

from comity.law.engine import assess
from comity.law.kb.loader import load_kb

__all__: list[str] = []

KB = load_kb()
DAY = date(2024, 5, 1)
FACTS = {"public": True, "intent": True, "danger": True}


def test_the_union_as_host_bars_the_diplomatic_channel_and_says_why() -> None:
    result = assess(kb=KB, conduct="terrorism.incitement", facts=FACTS, host="EU", on=DAY)
    assert result.dual_criminality == "yes"
    offered = [c.code for c in result.channels]
    assert "diplomatic_request" not in offered
    assert "eu_removal_order_request" in offered  # the Union's own channel stays
    barred = dict(result.channels_excluded)
    assert "EU is not a state" in barred["diplomatic_request"]
    assert "member state where the content is hosted" in barred["diplomatic_request"]


def test_a_member_state_as_host_keeps_the_diplomatic_channel() -> None:
    result = assess(kb=KB, conduct="terrorism.incitement", facts=FACTS, host="DE", on=DAY)
    offered = [c.code for c in result.channels]
    assert "diplomatic_request" in offered
    assert "eu_removal_order_request" in offered
    assert "diplomatic_request" not in dict(result.channels_excluded)
