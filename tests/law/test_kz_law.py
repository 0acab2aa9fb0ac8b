"""Kazakhstan's own law as the requesting state: its court-ban offence needs its own ban."""

from __future__ import annotations

from datetime import date

from comity.law.engine import assess
from comity.law.kb.loader import load_kb


def _kz_matched(designated_in_requesting: bool) -> set[str]:
    result = assess(
        kb=load_kb(),
        conduct="extremism.banned_organisation",
        facts={
            "intent": True,
            "public": True,
            "designated_in_host": True,
            "designated_in_requesting": designated_in_requesting,
        },
        host="TR",
        requesting="KZ",
        on=date(2024, 5, 1),
    )
    return {p.id for p in result.requesting_provisions if p.matched}


def test_art_405_follows_kazakhstans_court_ban_not_the_hosts() -> None:
    assert "KZ.CC.405" in _kz_matched(True)
    assert "KZ.CC.405" not in _kz_matched(False)


def test_kz_definitions_never_decide_dual_criminality_alone() -> None:
    kb = load_kb()
    ids = {p.id for p in kb.jurisdictions["KZ"].provisions if p.kind == "definition"}
    assert {"KZ.LCT.1.6-1", "KZ.LCT.1.14-1", "KZ.LCT.1.17", "KZ.LCE.1.7", "KZ.LCE.1.9"} <= ids
    result = assess(
        kb=kb,
        conduct="terrorism.instruction",
        facts={"public": True},
        host="KZ",
        on=date(2024, 5, 1),
    )
    assert not ids & set(result.matched_host_provisions)
    assert "KZ.CC.256.materials" in result.matched_host_provisions
