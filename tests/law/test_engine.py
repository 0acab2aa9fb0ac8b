"""The engine: bad input, the channel invariant, tracked outcomes, batch, CLI, determinism."""

from __future__ import annotations

import json
from datetime import date

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from comity.core.errors import BadInput
from comity.law.assessment import Assessment, ChannelStat
from comity.law.cli import register
from comity.law.engine import assess
from comity.law.kb.loader import load_kb
from comity.law.service import assess_batch, assess_for_jurisdictions

KB = load_kb()
GOVERNMENTAL = {"diplomatic_request", "mla_request", "eu_removal_order_request"}
DAY = date(2024, 5, 1)


def test_uk_is_refused_with_a_pointer_to_gb() -> None:
    with pytest.raises(BadInput, match="use GB"):
        assess(kb=KB, conduct="terrorism.threat", facts={}, host="UK", on=DAY)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"conduct": "terror"}, "terrorism.incitement"),
        ({"facts": {"publik": True}}, "public"),
        ({"facts": {"protected_ground": "caste"}}, "religion"),
        ({"facts": {"public": "maybe"}}, "true, false"),
        ({"on": "2024-13-01"}, "YYYY-MM-DD"),
        ({"host": "ZZZ"}, "ISO 3166-1"),
        ({"priority": "urgent"}, "threat_to_life"),
    ],
)
def test_bad_input_lists_what_is_valid(kwargs: dict[str, object], needle: str) -> None:
    args: dict[str, object] = {"conduct": "terrorism.threat", "facts": {}, "host": "KZ", "on": DAY}
    args.update(kwargs)
    with pytest.raises(BadInput) as info:
        assess(kb=KB, **args)  # type: ignore[arg-type]
    assert needle in info.value.message


def test_assessment_json_carries_the_contract_fields() -> None:
    result = assess(
        kb=KB,
        conduct="terrorism.incitement",
        facts={"public": True, "intent": True, "danger": True},
        host="EU",
        on=DAY,
    )
    data = json.loads(json.dumps(result.to_json()))
    for key in (
        "dual_criminality",
        "host",
        "requesting",
        "date",
        "host_provisions",
        "requesting_provisions",
        "missing_facts",
        "exclusions",
        "channels",
        "kb_version",
        "time_limits",
    ):
        assert key in data
    assert data["kb_version"] == KB.digest
    assert data["time_limits"][0] == {
        "channel": "eu_removal_order_request",
        "hours": 1,
        "text": data["time_limits"][0]["text"],
        "runs_for": "provider_after_order",
    }
    element = data["host_provisions"][0]["elements"][0]
    assert {"fact", "label", "result"} <= set(element)


def test_observed_outcomes_replace_the_prior_only_above_the_threshold() -> None:
    facts = {"public": True, "intent": True, "danger": True}
    base = assess(kb=KB, conduct="terrorism.incitement", facts=facts, host="EU", on=DAY)
    assert base.channels[0].code == "eu_removal_order_request"
    few = {("EU", "eu_removal_order_request"): ChannelStat(0.01, 30, 3)}
    many = {("EU", "eu_removal_order_request"): ChannelStat(0.01, 30, 500)}
    assert (
        assess(
            kb=KB, conduct="terrorism.incitement", facts=facts, host="EU", on=DAY, channel_stats=few
        )
        .channels[0]
        .code
        == "eu_removal_order_request"
    )
    ranked = assess(
        kb=KB, conduct="terrorism.incitement", facts=facts, host="EU", on=DAY, channel_stats=many
    ).channels
    assert ranked[0].code != "eu_removal_order_request"
    assert "observed" in next(c.reason for c in ranked if c.code == "eu_removal_order_request")


def test_provider_referral_is_labelled_terms_of_service() -> None:
    result = assess(
        kb=KB, conduct="separatism.propaganda", facts={"public": True}, host="EU", on=DAY
    )
    referral = next(c for c in result.channels if c.code == "provider_referral")
    assert "terms-of-service" in referral.reason and not referral.governmental


def test_batch_reports_errors_per_line_and_goes_on() -> None:
    lines = [
        '{"conduct": "terrorism.threat", "host": "KZ",'
        ' "facts": {"threatening": true, "intent": true, "cis_terrorist_aim": true}}',
        '{"conduct": "terrorism.threat", "host": "UK"}',
        "not json",
        '{"conduct": "terrorism.threat", "host": "MN", "date": "2020-01-01"}',
    ]
    out = list(assess_batch(lines=lines, default_date=DAY, kb=KB))
    assert [o.get("dual_criminality") for o in out] == ["yes", None, None, "unsupported"]
    assert "GB" in out[1]["error"] and "line 3" in out[2]["error"]


def test_assess_for_jurisdictions_gives_one_result_per_host_and_role() -> None:
    results = assess_for_jurisdictions(
        conduct="terrorism.threat",
        facts={"intent": True},
        jurisdictions=[("KZ", "hosting"), ("EU", "cdn"), ("KZ", "hosting")],
        on=DAY,
        kb=KB,
    )
    assert [(r.host, r.role) for r in results] == [("KZ", "hosting"), ("EU", "cdn")]


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def test_cli_assess_json_and_bad_host_exit_2() -> None:
    runner = CliRunner()
    ok = runner.invoke(
        _app(),
        [
            "assess",
            "--conduct",
            "terrorism.threat",
            "--host",
            "kz",
            "--date",
            "2024-05-01",
            "--fact",
            "threatening=true",
            "--fact",
            "intent=true",
            "--fact",
            "cis_terrorist_aim=true",
            "--json",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["dual_criminality"] == "yes"
    bad = runner.invoke(_app(), ["assess", "--conduct", "terrorism.threat", "--host", "UK"])
    assert bad.exit_code == 2 and "GB" in bad.output


def test_cli_compare_and_show() -> None:
    runner = CliRunner()
    md = runner.invoke(
        _app(), ["law", "compare", "KZ", "EU", "--date", "2024-05-01", "--format", "md"]
    )
    assert md.exit_code == 0, md.output
    assert "| separatism.propaganda | CONDITIONAL" in md.output and "УК РК ст. 180" in md.output
    shown = runner.invoke(_app(), ["law", "show", "KZ", "--json"])
    assert shown.exit_code == 0 and json.loads(shown.output)["code"] == "KZ"


FACT_VALUES = {
    name: (st.sampled_from(spec.values) if spec.type == "string" else st.booleans())
    for name, spec in KB.vocabulary.facts.items()
}
HOSTS = [*sorted(KB.jurisdictions), "MN", "BR"]


@settings(max_examples=300, deadline=None)
@given(
    conduct=st.sampled_from(sorted(KB.vocabulary.conducts)),
    facts=st.fixed_dictionaries({}, optional=FACT_VALUES),
    host=st.sampled_from(HOSTS),
    requesting=st.sampled_from(["KZ", "US", "RU"]),
    on=st.dates(min_value=date(2010, 1, 1), max_value=date(2030, 12, 31)),
    priority=st.sampled_from(["standard", "crisis", "threat_to_life"]),
    role=st.sampled_from(sorted(KB.vocabulary.roles)),
)
def test_invariant_and_determinism(
    conduct: str,
    facts: dict[str, object],
    host: str,
    requesting: str,
    on: date,
    priority: str,
    role: str,
) -> None:
    kwargs = {
        "kb": KB,
        "conduct": conduct,
        "facts": facts,
        "host": host,
        "requesting": requesting,
        "on": on,
        "priority": priority,
        "role": role,
    }
    first = assess(**kwargs)  # type: ignore[arg-type]
    assert first == assess(**kwargs)  # type: ignore[arg-type]
    codes = {c.code for c in first.channels}
    if first.dual_criminality in ("no", "unsupported"):
        assert not codes & GOVERNMENTAL
        assert "no_action" in codes
    if first.dual_criminality == "conditional":
        assert first.missing_facts
    else:
        assert first.missing_facts == ()


COORDINATED = {
    "public": True,
    "intent": True,
    "imminent": False,
    "designated_in_host": True,
    "coordinated_with_designated_org": True,
}


def test_json_names_the_constraint_and_the_exception_that_lifted_it() -> None:
    result = assess(
        kb=KB,
        conduct="terrorism.incitement",
        facts=COORDINATED,
        host="US",
        on=DAY,
    )
    data = json.loads(json.dumps(result.to_json()))
    support = next(p for p in data["host_provisions"] if p["id"] == "US.USC18.2339B.personnel")
    assert support["status"] == "yes"
    assert support["general"]["filed_under"] == ["terrorism.glorification", "terrorism.recruitment"]
    (limit,) = support["constraints"]
    assert limit["id"] == "US.Const.Brandenburg"
    assert (limit["result"], limit["requires"]) == ("true", "false")
    assert limit["exception"]["id"] == "US.Const.Brandenburg.HLP"
    assert "561 U.S. 1" in limit["exception"]["citation"]
    solicitation = next(p for p in data["host_provisions"] if p["id"] == "US.USC18.373")
    assert solicitation["constraints"][0]["exception"] is None
    # the conduct implies the violence; the aim given implies the general intent
    assert [(f["fact"], f["value"]) for f in data["implied_facts"]] == [
        ("violence", True),
        ("knowing_and_willing", True),
    ]
    assert data["facts"] == COORDINATED


def test_a_fact_given_against_the_conduct_is_kept_and_flagged() -> None:
    result = assess(
        kb=KB,
        conduct="terrorism.incitement",
        facts={
            "public": True,
            "intent": True,
            "counselling": True,
            "imminent": True,
            "violence": "no",
        },
        host="US",
        on=DAY,
    )
    data = result.to_json()
    assert data["facts"]["violence"] is False
    assert [f["fact"] for f in data["implied_facts"]] == ["knowing_and_willing"]
    (clash,) = data["contradictions"]
    assert (clash["fact"], clash["given"], clash["implied"], clash["kept"]) == (
        "violence",
        False,
        True,
        "given",
    )
    solicitation = next(p for p in data["host_provisions"] if p["id"] == "US.USC18.373")
    assert solicitation["status"] == "no"


def test_the_designation_basis_explained_is_the_one_of_the_version_in_force() -> None:
    def basis(on: str) -> str:
        result = assess(
            kb=KB,
            conduct="extremism.banned_organisation",
            facts={"public": True},
            host="DE",
            on=on,
        )
        row = next(p for p in result.host_provisions if p.id == "DE.StGB.86")
        return next(e.label for e in row.elements if e.fact == "designated_in_host")

    assert "EU terrorist list counts only from § 86(2)" in basis("2021-06-01")
    assert "Implementing Regulation (EU) 2021/138" in basis("2023-06-01")


def test_a_general_provision_that_fails_says_which_element_was_not_shown() -> None:
    result = assess(
        kb=KB,
        conduct="hatred.incitement",
        facts={"public": True, "protected_ground": "clan", "intent": True, "violence": False},
        host="DE",
        on=DAY,
    )
    row = next(p for p in result.host_provisions if p.id == "DE.StGB.111")
    assert row.status == "no"
    assert row.general is not None and row.general[0] == ("terrorism.incitement",)
    assert "general provision filed under terrorism.incitement" in row.reason
    assert "not shown: the call is for violent acts against the group" in row.reason


def _glorification(host: str, facts: dict[str, bool]) -> Assessment:
    return assess(kb=KB, conduct="terrorism.glorification", facts=facts, host=host, on=DAY)


def test_the_aim_given_implies_the_general_intent() -> None:
    result = _glorification("FR", {"public": True, "intent": True})
    assert result.dual_criminality == "yes"
    assert ("knowing_and_willing", True) in [(f, v) for f, v, _ in result.implied]
    assert result.decided_facts["knowing_and_willing"] is True
    assert result.contradictions == () and result.set_aside == ()


@pytest.mark.parametrize("host", ["FR", "RU", "KZ"])
def test_an_aim_given_with_an_unwitting_share_sets_both_facts_aside(host: str) -> None:
    """The east1 reviewer's story: "he aimed to glorify terrorism, and did not know what he
    shared" founded a `yes` on the aim alone (FR 421-2-5, RU 205.2, KZ 256 ask either fact).
    The two facts cannot both hold; the engine must not pick one, so it asks for both."""
    result = _glorification(host, {"public": True, "intent": True, "knowing_and_willing": False})
    assert result.dual_criminality == "conditional"
    assert result.requesting_outcome == "conditional"
    assert {"intent", "knowing_and_willing"} <= set(result.missing_facts)
    assert result.set_aside == ("intent", "knowing_and_willing")
    assert "intent" not in result.decided_facts
    assert "knowing_and_willing" not in result.decided_facts
    data = result.to_json()
    (clash,) = data["contradictions"]
    assert (clash["fact"], clash["given"], clash["implied"], clash["kept"]) == (
        "knowing_and_willing",
        False,
        True,
        "neither",
    )
    assert data["facts"] == {"public": True, "intent": True, "knowing_and_willing": False}
    assert data["set_aside"] == ["intent", "knowing_and_willing"]


def test_an_unwitting_share_without_the_aim_is_no_contradiction() -> None:
    result = _glorification("FR", {"public": True, "intent": False, "knowing_and_willing": False})
    assert result.contradictions == () and result.set_aside == ()
    assert result.dual_criminality == "no"


def test_cli_names_the_facts_set_aside() -> None:
    """The plain CLI output said only "missing facts: intent, knowing_and_willing" to the
    analyst who had just given both: it must say they were set aside as contradictory."""
    args = ["assess", "--conduct", "terrorism.glorification", "--host", "RU"]
    args += ["--date", "2026-12-01", "--fact", "public=true", "--fact", "intent=true"]
    out = CliRunner().invoke(_app(), [*args, "--fact", "knowing_and_willing=false"])
    assert out.exit_code == 0, out.output
    assert "set aside, given against each other (asked again): intent, knowing_and_willing" in (
        " ".join(out.output.split())
    )
    plain = CliRunner().invoke(_app(), args)
    assert "set aside" not in plain.output
