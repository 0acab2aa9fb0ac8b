"""The engine with an organisation: designation facts from the register, cited, overridable."""

from __future__ import annotations

import json
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from comity.core.errors import BadInput
from comity.law.cli import register
from comity.law.engine import assess
from comity.law.kb.loader import load_kb
from comity.law.model import KnowledgeBase
from comity.law.service import assess_batch
from tests.law.register_kb import fixture_root

BANNED = "extremism.banned_organisation"


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return load_kb(fixture_root(tmp_path_factory.mktemp("register")))


def _org(kb: KnowledgeBase, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("conduct", BANNED)
    kwargs.setdefault("facts", {"intent": True, "public": True})
    result = assess(kb=kb, **kwargs)
    return result.to_json()


def test_a_designation_in_force_makes_the_fact_true_and_is_cited(kb: KnowledgeBase) -> None:
    data = _org(kb, host="GB", on="2024-06-01", org="hizb-ut-tahrir")
    host = data["organisation"]["designated_in_host"]
    assert host["value"] is True and host["decided_by"] == "designation"
    assert host["designation"]["list"] == "GB.proscribed"
    assert host["designation"]["from"] == "2024-01-19"
    assert host["designation"]["source"]["url"].startswith("https://www.gov.uk/")
    assert data["dual_criminality"] == "yes"


def test_before_the_proscription_a_checked_list_makes_it_false(kb: KnowledgeBase) -> None:
    data = _org(kb, host="GB", on="2023-06-01", org="hizb-ut-tahrir")
    host = data["organisation"]["designated_in_host"]
    assert host["value"] is False and host["decided_by"] == "checked_lists"
    assert [c["id"] for c in host["checked_lists"]] == ["GB.proscribed"]
    assert data["dual_criminality"] == "no"


def test_an_eu_member_counts_the_eu_list(kb: KnowledgeBase) -> None:
    listed = _org(kb, host="FR", on="2020-01-01", org="hamas")["organisation"]
    assert listed["designated_in_host"]["lists_counted_for"] == ["FR", "EU"]
    assert listed["designated_in_host"]["designation"]["list"] == "EU.CP931"
    not_listed = _org(kb, host="FR", on="2020-01-01", org="hizb-ut-tahrir")["organisation"]
    assert not_listed["designated_in_host"]["value"] is False
    assert [c["id"] for c in not_listed["designated_in_host"]["checked_lists"]] == ["EU.CP931"]


def test_a_host_whose_lists_the_register_does_not_record_leaves_the_fact_open(
    kb: KnowledgeBase,
) -> None:
    data = _org(kb, host="TR", on="2024-06-01", org="hizb-ut-tahrir")
    host = data["organisation"]["designated_in_host"]
    assert host["value"] is None and host["decided_by"] == "open"
    assert "designated_in_host" in data["missing_facts"]
    assert data["dual_criminality"] == "conditional"


def test_a_un_listing_is_context_and_not_a_national_ban(kb: KnowledgeBase) -> None:
    data = _org(kb, host="TR", on="2024-06-01", org="isil")["organisation"]
    assert data["designated_in_host"]["value"] is None
    assert [c["list"] for c in data["context"]] == ["UN.1267"]
    assert data["context"][0]["counts"] is False


def test_delisting_ends_the_designation_on_its_date(kb: KnowledgeBase) -> None:
    before = _org(kb, host="GB", on="2008-06-23", org="mujahedin-e-khalq")
    after = _org(kb, host="GB", on="2008-06-24", org="mujahedin-e-khalq")
    assert before["organisation"]["designated_in_host"]["value"] is True
    assert before["dual_criminality"] == "yes"
    assert after["organisation"]["designated_in_host"]["value"] is False
    assert after["dual_criminality"] == "no"


def test_an_explicit_fact_wins_and_the_contradiction_is_flagged(kb: KnowledgeBase) -> None:
    data = _org(
        kb,
        host="GB",
        on="2024-06-01",
        org="hizb-ut-tahrir",
        facts={"intent": True, "designated_in_host": "false"},
    )
    host = data["organisation"]["designated_in_host"]
    assert host["value"] is False and host["register_value"] is True
    assert host["overridden"] is True and host["contradicts_register"] is True
    assert "contradicting the register" in host["explanation"]
    assert data["facts"]["designated_in_host"] is False
    assert data["dual_criminality"] == "no"
    agreeing = _org(
        kb,
        host="GB",
        on="2024-06-01",
        org="hizb-ut-tahrir",
        facts={"intent": True, "designated_in_host": True},
    )["organisation"]["designated_in_host"]
    assert agreeing["overridden"] is True and agreeing["contradicts_register"] is False


def test_the_requesting_states_provisions_use_its_own_designation(kb: KnowledgeBase) -> None:
    # GB asks Türkiye about Hamas in 2022: GB had proscribed it; Türkiye's lists are not recorded
    result = assess(
        kb=kb,
        conduct=BANNED,
        facts={"intent": True, "public": True},
        host="TR",
        requesting="GB",
        on="2022-06-01",
        org="hamas",
    )
    data = result.to_json()
    assert data["organisation"]["designated_in_requesting"]["value"] is True
    assert data["organisation"]["designated_in_host"]["value"] is None
    gb = {p["id"]: p for p in data["requesting_provisions"]}["GB.TA2000.12"]
    assert gb["status"] == "yes"
    assert {"fact": "designated_in_requesting"}.items() <= next(
        e for e in gb["elements"] if e["from"] == "host_designation"
    ).items()
    assert data["dual_criminality"] == "conditional"
    assert "designated_in_host" in data["missing_facts"]


def test_the_same_facts_with_two_organisations_are_two_verdicts(kb: KnowledgeBase) -> None:
    for _ in range(3):  # the memo admits a key on its second sighting: exercise a hit
        listed = assess(
            kb=kb, conduct=BANNED, facts={"intent": True}, host="GB", on="2022-01-01", org="hamas"
        )
        unlisted = assess(
            kb=kb,
            conduct=BANNED,
            facts={"intent": True},
            host="GB",
            on="2022-01-01",
            org="hizb-ut-tahrir",
        )
        assert (listed.dual_criminality, unlisted.dual_criminality) == ("yes", "no")


def test_an_unknown_organisation_is_refused_with_the_closest_names(kb: KnowledgeBase) -> None:
    with pytest.raises(BadInput) as info:
        assess(kb=kb, conduct=BANNED, facts={}, host="GB", on="2024-01-01", org="hamaz")
    assert "'hamaz' is unknown" in info.value.message and "hamas" in info.value.message


def test_batch_lines_take_an_org(kb: KnowledgeBase) -> None:
    lines = [
        json.dumps(
            {
                "conduct": BANNED,
                "host": "GB",
                "date": "2024-06-01",
                "org": "hizb-ut-tahrir",
                "facts": {"intent": True},
            }
        ),
        json.dumps({"conduct": BANNED, "host": "GB", "date": "2024-06-01", "org": "nobody"}),
    ]
    out = list(assess_batch(lines=lines, default_date=None, kb=kb))  # type: ignore[arg-type]
    assert out[0]["organisation"]["designated_in_host"]["value"] is True
    assert "organisation 'nobody' is unknown" in out[1]["error"]


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def test_cli_assess_with_org_prints_the_designation_used() -> None:
    runner = CliRunner()
    args = [
        "assess",
        "--host",
        "GB",
        "--date",
        "2024-06-01",
        "--org",
        "hizb-ut-tahrir",
        "--fact",
        "intent=true",
    ]
    args += ["--conduct", BANNED]
    result = runner.invoke(_app(), [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["organisation"]["designated_in_host"]["designation"]["list"] == "GB.proscribed"
    text = runner.invoke(_app(), args)
    assert "designated_in_host = true (GB): designated on GB.proscribed" in text.output


def test_cli_unknown_org_exits_2_suggesting_names() -> None:
    result = CliRunner().invoke(
        _app(), ["assess", "--conduct", BANNED, "--host", "GB", "--org", "hizb-ut-tahrirr"]
    )
    assert result.exit_code == 2
    assert "did you mean hizb-ut-tahrir" in result.output
    shown = CliRunner().invoke(_app(), ["org", "show", "hizb-ut-tahrirr"])
    assert shown.exit_code == 2 and "hizb-ut-tahrir" in shown.output


def test_cli_org_list_searches_any_script_and_filters_by_jurisdiction() -> None:
    runner = CliRunner()
    found = runner.invoke(_app(), ["org", "list", "--search", "Хизб ут-Тахрир", "--json"])
    assert found.exit_code == 0, found.output
    assert json.loads(found.output)[0]["id"] == "hizb-ut-tahrir"
    kz = runner.invoke(_app(), ["org", "list", "--jurisdiction", "kz", "--json"])
    assert "hizb-ut-tahrir" in {o["id"] for o in json.loads(kz.output)}
    assert all("KZ" in o["ever_listed_in"] for o in json.loads(kz.output))


def test_cli_org_show_lays_designations_side_by_side_over_time() -> None:
    result = CliRunner().invoke(_app(), ["org", "show", "hizb-ut-tahrir", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"GB", "KZ"} <= set(data["columns"])
    gb = [row["cells"]["GB"]["status"] for row in data["timeline"]]
    assert gb[-1] == "listed" and gb[0] != "listed"
    table = CliRunner().invoke(_app(), ["org", "show", "hizb-ut-tahrir"])
    assert "Designations over time" in table.output


def test_law_compare_shows_organisations_side_by_side() -> None:
    runner = CliRunner()
    args = ["law", "compare", "KZ", "DE", "GB", "--date", "2024-06-01", "--org", "hizb-ut-tahrir"]
    result = runner.invoke(_app(), [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)["organisations"]
    assert row["org"] == "hizb-ut-tahrir"
    assert row["cells"]["KZ"]["list"] == "KZ.courts"
    assert row["cells"]["GB"]["from"] == "2024-01-19"
    earlier = runner.invoke(_app(), [*args[:6], "2023-06-01", *args[7:], "--format", "json"])
    assert json.loads(earlier.output)["organisations"][0]["cells"]["GB"]["value"] is None
    md = runner.invoke(_app(), [*args, "--format", "md"])
    assert "## Organisations on 2024-06-01" in md.output
    assert "proscribed (GB.proscribed, from 2024-01-19)" in md.output
    unknown = runner.invoke(_app(), ["law", "compare", "KZ", "GB", "--org", "hamaz"])
    assert unknown.exit_code == 2 and "hamas" in unknown.output


def test_law_show_lists_the_jurisdictions_designations() -> None:
    result = CliRunner().invoke(_app(), ["law", "show", "GB", "--json"])
    assert result.exit_code == 0, result.output
    found = {(d["org"], d["list"]) for d in json.loads(result.output)["designations"]}
    assert ("hizb-ut-tahrir", "GB.proscribed") in found
    assert all(lst == "GB.proscribed" for _, lst in found)
