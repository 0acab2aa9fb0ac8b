"""Each provision's accepted lists: the per-provision designation fact, its citation, the
`checked` date rule, finality and branches (review findings E1-E3, E5)."""

from __future__ import annotations

from typing import Any

import pytest

from comity.law.engine import assess
from comity.law.kb.loader import load_kb
from comity.law.model import KnowledgeBase
from tests.law.register_kb import fixture_root

PUBLIC = {"public": True, "intent": True}
SUPPORT = {"public": True, "intent": True, "coordinated_with_designated_org": True}


@pytest.fixture(scope="module")
def fixture_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return load_kb(fixture_root(tmp_path_factory.mktemp("lists")))


def _by_provision(data: dict[str, Any], ident: str, side: str = "designated_in_host") -> Any:
    (found,) = [f for f in data["organisation"][side]["by_provision"] if ident in f["provisions"]]
    return found


def test_a_check_proves_absence_only_up_to_the_day_of_the_check(fixture_kb: KnowledgeBase) -> None:
    def on(day: str) -> dict[str, Any]:
        return assess(
            kb=fixture_kb, conduct="terrorism.recruitment", facts=SUPPORT, host="US",
            on=day, org="hizb-ut-tahrir",
        ).to_json()  # fmt: skip

    checked, later = on("2026-11-30"), on("2026-12-01")
    assert _by_provision(checked, "US.USC18.2339B.personnel")["value"] is False
    assert checked["organisation"]["designated_in_host"]["value"] is False
    assert _by_provision(later, "US.USC18.2339B.personnel")["value"] is None
    assert later["organisation"]["designated_in_host"]["value"] is None


def test_an_sdgt_listing_does_not_make_an_fto_and_an_explicit_fact_still_wins() -> None:
    kb = load_kb()
    base = {"kb": kb, "conduct": "terrorism.recruitment", "host": "US", "on": "2026-02-01"}
    found = assess(**base, facts=SUPPORT, org="egyptian-muslim-brotherhood")
    rows = {p.id: p.status for p in found.host_provisions}
    assert rows["US.USC18.2339B.personnel"] == "conditional"
    assert "designated_in_host" in found.missing_facts
    given = assess(
        **base, facts={**SUPPORT, "designated_in_host": True}, org="egyptian-muslim-brotherhood"
    )
    assert {p.id: p.status for p in given.host_provisions}["US.USC18.2339B.personnel"] == "yes"
    finding = _by_provision(given.to_json(), "US.USC18.2339B.personnel")
    assert finding["decided_by"] == "fact" and finding["register_value"] is None


def test_the_provision_cites_its_own_list_not_the_earliest_listing() -> None:
    data = assess(
        kb=load_kb(), conduct="terrorism.recruitment", facts=SUPPORT, host="US",
        on="2026-02-01", org="lebanese-muslim-brotherhood",
    ).to_json()  # fmt: skip
    assert data["organisation"]["designated_in_host"]["designation"]["list"] == "US.SDGT"
    finding = _by_provision(data, "US.USC18.2339B.personnel")
    assert finding["designation"]["list"] == "US.FTO"
    assert finding["accepted_lists"] == ["US.FTO"]
    element = next(
        e
        for p in data["host_provisions"]
        if p["id"] == "US.USC18.2339B.personnel"
        for e in p["elements"]
        if e["from"] == "host_designation"
    )
    assert (
        element["fact"] == "designated_in_host"
        and element["given"] is True
        and element["result"] == "true"
    )


def test_a_german_ban_without_a_recorded_final_day_is_flagged() -> None:
    data = assess(
        kb=load_kb(), conduct="extremism.banned_organisation", facts=PUBLIC,
        host="DE", on="2020-06-01", org="isil",
    ).to_json()  # fmt: skip
    finding = _by_provision(data, "DE.StGB.85")
    assert finding["value"] is True and finding["final_ban_required"] is True
    assert finding["finality_not_recorded"] is True
    assert "not recorded" in finding["explanation"]


def test_a_branch_shows_its_parents_ban_as_context_without_the_fact() -> None:
    data = assess(
        kb=load_kb(), conduct="extremism.banned_organisation", facts=PUBLIC,
        host="GB", on="2024-01-01", org="isil-k",
    ).to_json()  # fmt: skip
    requesting = data["organisation"]["designated_in_requesting"]
    assert requesting["value"] is None
    assert requesting["parent"]["id"] == "isil" and requesting["parent"]["counts"] is False
    assert requesting["parent"]["designation"]["list"] == "KZ.courts"
    assert _by_provision(data, "KZ.CC.405", "designated_in_requesting")["value"] is None
