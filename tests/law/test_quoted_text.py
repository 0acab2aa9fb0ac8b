"""Provisions carry the words they were read from; gaps are recorded as such."""

from __future__ import annotations

import shutil
from pathlib import Path

from comity.law.kb.loader import DEFAULT_ROOT, load_kb, validate_path

_PROVISIONS = """\
jurisdiction: LI
provisions:
  - id: LI.CP.135-11
    citation: "CP art. 135-11"
    title: "Provocation publique à commettre un acte de terrorisme"
    source: {title: "Code pénal, art. 135-11", url: "https://legilux.public.lu/",
             read_from: "fixture", origin: official_portal}
    conducts: [terrorism.incitement]
    confidence: high
    reaches:
      - conducts: [terrorism.recruitment]
        reason: "a public call to join is a call to commit the offence of participation"
        requires: {fact: counselling, label: "calls others to act", quote: "provoqué"}
    versions:
      - from: 2015-01-01
        text:
          - lang: fr
            ref: "al. 1"
            original: "Quiconque aura, publiquement, directement provoqué à commettre un crime"
            gloss: "Whoever has publicly and directly incited the commission of an offence"
        elements:
          all:
            - {fact: public, label: "publicly", quote: "publiquement"}
            - {fact: intent, label: "directly incites", quote: "directement  PROVOQUÉ"}
absences:
  - conduct: terrorism.threat
    verified: true
    note: "the code was read: no separate offence"
    source: {title: "Code pénal", url: "https://legilux.public.lu/"}
  - {conduct: separatism.propaganda, verified: false, note: "not read yet"}
"""


def _root(tmp_path: Path, provisions: str) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(DEFAULT_ROOT, root)
    (root / "LI").mkdir()
    (root / "LI" / "provisions.yaml").write_text(provisions, encoding="utf-8")
    (root / "LI" / "jurisdiction.yaml").write_text(
        "code: LI\nname: Liechtenstein (fixture)\nlanguages: [de]\nlegal_system: civil_law\n"
        "last_verified: 2026-12-05\n",
        encoding="utf-8",
    )
    return root


def test_quoted_text_loads_with_its_passages_quotes_and_absences(tmp_path: Path) -> None:
    root = _root(tmp_path, _PROVISIONS)
    assert validate_path(root) == []
    kb = load_kb(root)
    lu = kb.jurisdictions["LI"]
    (version,) = kb.provisions_by_id["LI.CP.135-11"].versions
    assert [p.lang for p in version.text] == ["fr"] and version.text[0].ref == "al. 1"
    assert {leaf.fact: leaf.quote for leaf in version.leaves} == {
        "public": "publiquement",
        "intent": "directement  PROVOQUÉ",
    }
    assert kb.provisions_by_id["LI.CP.135-11"].source.origin == "official_portal"
    assert [(a.conduct, a.verified) for a in lu.absences] == [
        ("terrorism.threat", True),
        ("separatism.propaganda", False),
    ]
    assert str(lu.last_verified) == "2026-12-05"


def test_a_quote_in_reaches_must_be_in_some_version_text(tmp_path: Path) -> None:
    root = _root(tmp_path, _PROVISIONS.replace('quote: "provoqué"', 'quote: "recrute"'))
    errors = validate_path(root)
    assert [e.kind for e in errors] == ["quote_not_in_text"], [str(e) for e in errors]
    assert "'recrute'" in str(errors[0]) and "LI/provisions.yaml" in errors[0].file


def test_a_verified_absence_needs_its_source(tmp_path: Path) -> None:
    broken = _PROVISIONS.replace(
        '    source: {title: "Code pénal", url: "https://legilux.public.lu/"}\n', ""
    )
    errors = validate_path(_root(tmp_path, broken))
    assert errors and all("absences" in str(e) or "source" in str(e) for e in errors)


def test_coverage_tells_encoded_verified_absent_and_unread_codes_apart(tmp_path: Path) -> None:
    from datetime import date

    from comity.law.coverage import TARGET, coverage

    kb = load_kb(_root(tmp_path, _PROVISIONS))
    data = coverage(kb=kb, requesting="KZ", on=date(2026, 12, 5))
    (lu,) = [r for r in data["jurisdictions"] if r["code"] == "LI"]
    status = {code: c["status"] for code, c in lu["conducts"].items()}
    assert status["terrorism.incitement"] == "encoded"
    assert status["terrorism.recruitment"] == "encoded"  # through `reaches`
    assert status["terrorism.threat"] == "verified_absence"
    assert status["separatism.propaganda"] == "not_yet_read"
    assert status["hatred.incitement"] == "not_yet_read"  # neither encoded nor recorded
    assert lu["quoted"] == 1 and lu["confidence"] == {"high": 1, "medium": 0, "low": 0}
    assert lu["last_verified"] == "2026-12-05"
    assert len(TARGET) == 47 and "LI" not in data["unsupported"]
    assert {c for c in TARGET if c not in kb.jurisdictions} <= set(data["unsupported"])


def test_a_state_folder_with_no_conduct_read_is_unsupported_not_covered(tmp_path: Path) -> None:
    # Authorities and treaties alone answer no question of law: such a state must be
    # counted among the unsupported, never among the covered.
    from datetime import date

    from comity.law.coverage import coverage

    root = _root(tmp_path, _PROVISIONS)
    empty = "jurisdiction: MT\nprovisions: []\n"
    (root / "MT" / "provisions.yaml").write_text(empty, encoding="utf-8")
    kb = load_kb(root)
    data = coverage(kb=kb, requesting="KZ", on=date(2026, 12, 5))
    assert "MT" in kb.jurisdictions and "MT" in data["unsupported"]
    assert "LI" not in data["unsupported"]
    assert data["totals"]["target_covered"] == 47 - len(data["unsupported"])


def test_law_coverage_command_prints_the_same_figures_as_json() -> None:
    import json

    import typer
    from typer.testing import CliRunner

    from comity.law.cli import register

    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, ["law", "coverage", "--json", "--date", "2026-12-05"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    kz = next(r for r in data["jurisdictions"] if r["code"] == "KZ")
    assert kz["conduct_summary"]["encoded"] == 10 and "KZ" not in data["unsupported"]
    assert data["totals"]["provisions"] == sum(r["provisions"] for r in data["jurisdictions"])


def test_a_partly_read_conduct_answers_unsupported_where_the_read_provisions_say_no(
    tmp_path: Path,
) -> None:
    from datetime import date

    from comity.law.engine import assess

    partly = _PROVISIONS + (
        "  - {conduct: terrorism.incitement, verified: false, partial: true,\n"
        '     note: "the code\'s other incitement offences were not read"}\n'
    )
    kb = load_kb(_root(tmp_path, partly))
    common = {"conduct": "terrorism.incitement", "host": "LI", "requesting": "KZ"}
    on = date(2024, 1, 1)
    covered = assess(kb=kb, facts={"public": True, "intent": True}, on=on, **common)
    assert covered.dual_criminality == "yes"  # what was read still answers
    private = assess(kb=kb, facts={"public": False, "intent": True}, on=on, **common)
    assert private.dual_criminality == "unsupported"
    assert any("were not read" in r for r in private.reasons)
    whole = load_kb(_root(tmp_path / "b", _PROVISIONS))
    assert assess(kb=whole, facts={"public": False}, on=on, **common).dual_criminality == "no"


def test_coverage_counts_an_encoded_but_partly_read_code_apart(tmp_path: Path) -> None:
    # A reviewer found the table calling separatism "encoded" for states where only a
    # terrorism offence reaches it and the rest is unread: the report must say so.
    from datetime import date

    from comity.law.coverage import coverage

    partly = _PROVISIONS + (
        "  - {conduct: terrorism.incitement, verified: false, partial: true,\n"
        '     note: "the code\'s other incitement offences were not read"}\n'
    )
    on = date(2026, 12, 5)
    data = coverage(kb=load_kb(_root(tmp_path, partly)), requesting="KZ", on=on)
    (li,) = [r for r in data["jurisdictions"] if r["code"] == "LI"]
    incitement = li["conducts"]["terrorism.incitement"]
    assert incitement["status"] == "encoded"
    assert "were not read" in incitement["partly_read"]
    assert li["conduct_summary"]["partly_read"] == 1
    assert data["totals"]["conduct_codes_partly_read"] >= 1
    whole = coverage(kb=load_kb(_root(tmp_path / "b", _PROVISIONS)), requesting="KZ", on=on)
    (li,) = [r for r in whole["jurisdictions"] if r["code"] == "LI"]
    assert li["conduct_summary"]["partly_read"] == 0
