"""Run every lawyer-readable scenario under tests/law/scenarios/**/*.yaml as its own case."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from comity.law.assessment import Assessment
from comity.law.engine import assess
from comity.law.kb.loader import DEFAULT_ROOT, load_kb
from comity.law.kb.yamlio import read_yaml
from comity.law.model import KnowledgeBase
from tests.law.register_kb import fixture_root

SCENARIOS = Path(__file__).parent / "scenarios"
GOVERNMENTAL = {"diplomatic_request", "mla_request", "eu_removal_order_request"}
_SCHEMA = Draft202012Validator(
    json.loads((DEFAULT_ROOT / "_schema" / "scenarios.schema.json").read_text("utf-8"))
)


def _load() -> list[Any]:
    cases = []
    for path in sorted(SCENARIOS.glob("**/*.yaml")):
        data, errors = read_yaml(path, display=str(path))
        assert not errors, errors
        problems = [f"{path}: {e.message}" for e in _SCHEMA.iter_errors(data)]
        assert not problems, problems
        for scenario in data:
            cases.append(pytest.param(scenario, id=f"{path.parent.name}: {scenario['name']}"))
    return cases


CASES = _load()


def test_there_are_at_least_forty_kz_and_eu_scenarios() -> None:
    ids = [c.id for c in CASES if c.id.startswith(("KZ:", "EU:"))]
    assert len(ids) >= 40, len(ids)
    assert len({c.id for c in CASES}) == len(CASES), "scenario names must be unique per folder"


def _check_principles(result: Assessment, expect: dict[str, Any]) -> None:
    """The second-edition keys: limits and their exceptions, general provisions,
    implied facts and contradictions, the version used."""
    rows = result.host_provisions
    applied = {f"{p.id}:{c.constraint.id}" for p in rows for c in p.constraints}
    lifted = {
        f"{p.id}:{c.exception.id}" for p in rows for c in p.constraints if c.exception is not None
    }
    assert set(expect.get("constraint_exceptions", [])) <= lifted, sorted(lifted)
    assert set(expect.get("constraints_applied", [])) <= applied, sorted(applied)
    assert not set(expect.get("constraints_not_applied", [])) & applied, sorted(applied)
    general = {p.id for p in rows if p.general is not None and p.matched}
    assert set(expect.get("general_provisions", [])) <= general, sorted(general)
    if "implied_facts" in expect:
        assert {f for f, _, _ in result.implied} == set(expect["implied_facts"])
    if "contradictions" in expect:
        assert {f for f, *_ in result.contradictions} == set(expect["contradictions"])
    versions = {p.id: str(p.in_force_from) for p in rows}
    for ident, start in expect.get("version_from", {}).items():
        assert versions.get(ident) == start, versions
    # the confidence of the version applied on the date (a provision split at a safe lower
    # bound is medium the day before it and high from it, with the same answer)
    confidence = {p.id: p.confidence for p in (*rows, *result.requesting_provisions)}
    for ident, level in expect.get("confidence", {}).items():
        assert confidence.get(ident) == level, confidence


def _check_register(result: Assessment, expect: dict[str, Any]) -> None:
    """The register's keys: each designation fact's value and the list that decided it."""
    found = result.organisation
    if found is None:
        assert not {k for k in expect if "designat" in k or k.startswith("register_")}
        return
    for finding, key in ((found.host, "host"), (found.requesting, "requesting")):
        if finding.fact in expect:
            wanted = expect[finding.fact]
            assert finding.value == (None if wanted == "open" else wanted), finding.to_json()
        if f"{key}_designation" in expect:
            decided = {c.id for c in finding.checked}
            if finding.designation is not None:
                decided.add(finding.designation.list.id)
            assert expect[f"{key}_designation"] in decided, finding.to_json()
    for ident, wanted in expect.get("designation_by_provision", {}).items():
        rule = found.for_provision(ident) or found.for_provision(ident, "requesting")
        assert rule is not None, f"{ident} names no designation_lists"
        assert rule.register == (None if wanted == "open" else wanted), rule.to_json()
    for ident, wanted in expect.get("designation_cited", {}).items():
        rule = found.for_provision(ident) or found.for_provision(ident, "requesting")
        assert rule is not None and rule.designation is not None, ident
        assert rule.designation.list.id == wanted, rule.to_json()
    if "parent_designation" in expect:  # context only: the branch's own fact is not set by it
        lists = {p.designation.list.id for p in found.parent if p and p.designation}
        assert expect["parent_designation"] in lists, found.to_json()
    findings = (found.host, found.requesting)
    if "register_overridden" in expect:
        assert {f.fact for f in findings if f.overridden} == set(expect["register_overridden"])
    if "register_contradicted" in expect:
        assert {f.fact for f in findings if f.contradicts} == set(expect["register_contradicted"])


@pytest.fixture(scope="module")
def fixture_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The bundled law with the tests' four-organisation register (`register: fixture`)."""
    return load_kb(fixture_root(tmp_path_factory.mktemp("scenario-register")))


@pytest.mark.parametrize("scenario", CASES)
def test_scenario(scenario: dict[str, Any], request: pytest.FixtureRequest) -> None:
    kb = request.getfixturevalue("fixture_kb") if scenario.get("register") else load_kb()
    result = assess(
        kb=kb,
        conduct=scenario["conduct"],
        facts=dict(scenario.get("facts") or {}),
        host=scenario["host"],
        requesting=scenario.get("requesting", "KZ"),
        on=scenario["date"],
        role=scenario.get("role", "hosting"),
        priority=scenario.get("priority", "standard"),
        org=scenario.get("org"),
    )
    expect = scenario["expect"]
    codes = [c.code for c in result.channels]
    assert result.dual_criminality == expect["dual_criminality"], result.to_json()[
        "host_provisions"
    ]
    matched = set(result.matched_host_provisions)
    evaluated = {p.id for p in result.host_provisions}
    wanted = set(expect.get("host_provisions", []))
    pool = evaluated if expect["dual_criminality"] == "no" else matched
    assert wanted <= pool, f"expected {wanted - pool} among {sorted(pool)}"
    assert not set(expect.get("host_provisions_not", [])) & matched
    req_matched = {p.id for p in result.requesting_provisions if p.matched}
    assert set(expect.get("requesting_provisions", [])) <= req_matched, sorted(req_matched)
    if "missing_facts" in expect:
        assert set(result.missing_facts) == set(expect["missing_facts"])
    if "exclusions" in expect:
        assert {e.purpose for e in result.exclusions} == set(expect["exclusions"])
    _check_principles(result, expect)
    _check_register(result, expect)
    if "requesting_outcome" in expect:
        assert result.requesting_outcome == expect["requesting_outcome"]
    assert set(expect.get("channels", [])) <= set(codes), codes
    assert not set(expect.get("channels_exclude", [])) & set(codes), codes
    if "treaties" in expect:
        found = {t["id"]: t for t in result.to_json()["treaties"]}
        for ident, status in expect["treaties"].items():
            assert found.get(ident, {"status": "none"})["status"] == status, found.get(ident)
            if status == "in_force":  # the channels it founds name it as their basis
                founded = [c for c in result.channels if ident in c.basis]
                assert founded or result.dual_criminality in ("no", "unsupported"), codes
    if "first_channel" in expect:
        assert codes[0] == expect["first_channel"], codes
    # the ASSESSMENT.md invariant holds in every scenario
    if result.dual_criminality in ("no", "unsupported"):
        assert not GOVERNMENTAL & set(codes)
