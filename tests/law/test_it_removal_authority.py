"""Italy's removal-order channel names its prosecutor only once D.Lgs. 107/2023 designated it.

Why: a request routed to "the competent public prosecutor" before Italy had designated one
would cite an authority that did not yet exist in that role (law3-it review, 2026-12-06).
"""

from __future__ import annotations

import pytest

from comity.law.engine import assess
from comity.law.kb.loader import load_kb

__all__: list[str] = []


def _removal_authority(on: str) -> str | None:
    result = assess(
        kb=load_kb(),
        conduct="terrorism.incitement",
        facts={"public": True, "intent": True},
        host="IT",
        requesting="KZ",
        on=on,
        role="hosting",
        priority="standard",
        org=None,
    )
    for channel in result.channels:
        if channel.code == "eu_removal_order_request":
            return (channel.authority or {}).get("id")
    return None


@pytest.mark.parametrize("on", ["2022-06-07", "2023-08-25"])
def test_a_request_before_the_designation_does_not_name_the_italian_prosecutor(on: str) -> None:
    assert _removal_authority(on) != "IT.PM"


@pytest.mark.parametrize("on", ["2023-08-26", "2024-05-01"])
def test_a_request_from_the_designation_names_the_italian_prosecutor(on: str) -> None:
    assert _removal_authority(on) == "IT.PM"
