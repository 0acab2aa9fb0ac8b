"""Before a jurisdiction's law was read, the engine says so: `unsupported`, never `no`.

A `no` before the earliest encoded version would be an answer by omission: the
state may well have punished the conduct under a law the knowledge base never read
(Türkiye's 1926 Code, Kazakhstan's 1997 Code). A review found such `no`s for
Türkiye in 1996 and 2001.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from comity.law.engine import assess
from comity.law.kb.loader import DEFAULT_ROOT, load_kb, validate_path

FACTS = {"public": True, "intent": True}


def test_a_host_before_its_encoded_law_is_unsupported_and_says_why() -> None:
    kb = load_kb()
    before = assess(
        kb=kb, conduct="terrorism.incitement", host="TR", facts=FACTS, on=date(2005, 5, 31)
    )
    after = assess(
        kb=kb, conduct="terrorism.incitement", host="TR", facts=FACTS, on=date(2005, 6, 1)
    )
    assert before.dual_criminality == "unsupported"
    assert any("before 2005-06-01 is not encoded" in r for r in before.to_json()["reasons"])
    assert not any(c.code in ("diplomatic_request", "mla_request") for c in before.channels)
    assert after.dual_criminality == "yes"


def test_the_requesting_side_before_its_code_is_unsupported_not_no() -> None:
    kb = load_kb()
    result = assess(
        kb=kb, conduct="terrorism.incitement", host="DE", facts=FACTS, on=date(2014, 12, 31)
    )
    assert result.to_json()["requesting_outcome"] == "unsupported"
    later = assess(
        kb=kb, conduct="terrorism.incitement", host="DE", facts=FACTS, on=date(2015, 1, 1)
    )
    assert later.to_json()["requesting_outcome"] == "yes"


def test_without_a_stated_date_the_earliest_version_bounds_the_encoding() -> None:
    kb = load_kb()
    eu = kb.jurisdictions["EU"]
    starts = [v.start for p in eu.provisions for v in p.versions if v.start is not None]
    assert eu.encoded_from == min(starts)
    result = assess(
        kb=kb,
        conduct="terrorism.incitement",
        host="EU",
        facts={**FACTS, "danger": True},
        on=eu.encoded_from.replace(year=eu.encoded_from.year - 1),
    )
    assert result.dual_criminality == "unsupported"


def test_an_impossible_encoded_from_date_is_refused_with_file_and_line(tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_ROOT, root)
    path = root / "TR" / "jurisdiction.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("date: 2005-06-01", "date: 2005-02-30"), encoding="utf-8")
    errors = validate_path(root)
    assert [e.kind for e in errors] == ["bad_date"], [str(e) for e in errors]
    assert "jurisdiction.yaml" in errors[0].file and "2005-02-30" in errors[0].message


# --- a later start for one conduct (encoded_from.conducts) -------------------------------
#
# The law6-sepeu review found `no`s by omission inside an encoded period: NL's provisions
# for separatism.propaganda were read only from 2011-03-01 (SE 2009-07-01, FR 1994-03-01,
# HU terrorism.threat 2018-01-01), so before that the conduct's law was never read.

_LU = """code: LU
name: Luxembourg
legal_system: civil_law
encoded_from:
  date: 2003-08-27
  note: "Code pénal of 2003 encoded."
  conducts:
{conducts}
memberships:
  - {{org: EU, from: 1958-01-01, source: {{title: "Loi", url: "https://legilux.public.lu/"}}}}
"""


def _validate_lu(tmp_path: Path, conducts: str) -> list[str]:
    folder = tmp_path / "LU"
    folder.mkdir()
    (folder / "jurisdiction.yaml").write_text(_LU.format(conducts=conducts), encoding="utf-8")
    return [str(e) for e in validate_path(folder)]


def test_a_valid_conduct_start_is_accepted(tmp_path: Path) -> None:
    entry = '    separatism.propaganda: {date: 2011-03-01, note: "art. 104 read from 2011"}'
    assert _validate_lu(tmp_path, entry) == []


@pytest.mark.parametrize(
    ("entry", "kind", "words"),
    [
        (
            '    separatism.secession: {date: 2011-03-01, note: "x"}',
            "unknown_conduct",
            "encoded_from.conducts.separatism.secession",
        ),
        (
            "    separatism.propaganda: {date: 2011-03-01}",
            "missing_note",
            "encoded_from.conducts.separatism.propaganda",
        ),
        (
            '    separatism.propaganda: {date: 2011-03-01, note: "  "}',
            "missing_note",
            "encoded_from.conducts.separatism.propaganda",
        ),
        (
            '    separatism.propaganda: {date: 2003-08-27, note: "x"}',
            "bad_encoded_from",
            "not after the jurisdiction's `encoded_from.date: 2003-08-27`",
        ),
        (
            '    separatism.propaganda: {date: 1999-01-01, note: "x"}',
            "bad_encoded_from",
            "encoded_from.conducts.separatism.propaganda.date: 1999-01-01",
        ),
        (
            '    separatism.propaganda: {date: 2011-02-30, note: "x"}',
            "bad_date",
            "2011-02-30",
        ),
        (
            '    separatism.propaganda: {date: 2011-03-01, note: "x", source: "y"}',
            "unknown_key",
            "source",
        ),
    ],
)
def test_a_bad_conduct_start_is_refused_naming_file_line_and_field(
    tmp_path: Path, entry: str, kind: str, words: str
) -> None:
    errors = _validate_lu(tmp_path, entry)
    assert len(errors) == 1, errors
    assert f"LU/jurisdiction.yaml:8: [{kind}]" in errors[0] and words in errors[0], errors


@pytest.mark.parametrize(
    ("host", "start"),
    [("NL", date(2011, 3, 1)), ("SE", date(2009, 7, 1)), ("FR", date(1994, 3, 1))],
)
def test_separatism_before_its_first_reading_is_unsupported_as_host(host: str, start: date) -> None:
    kb = load_kb()
    facts = {"public": True, "intent": True, "counselling": True, "violence": True}
    # law21-reach: the general incitement offences (NL art. 131, SE 16:5) reach a violent call
    # only where the crimes called for abroad are offences of the host's law; answered false here.
    # FR's separatism code is partial (loi 1881 art. 24 al. 1 not encoded for it): unsupported.
    facts["incited_acts_host_offences"] = False
    after_outcome = "unsupported" if host == "FR" else "no"
    before = assess(
        kb=kb,
        conduct="separatism.propaganda",
        host=host,
        facts=facts,
        on=start - timedelta(days=1),
    )
    after = assess(kb=kb, conduct="separatism.propaganda", host=host, facts=facts, on=start)
    assert before.dual_criminality == "unsupported"
    (reason,) = before.to_json()["reasons"]
    note = kb.jurisdictions[host].conduct_encoded_from["separatism.propaganda"][1]
    assert f"{host} on separatism.propaganda before {start}" in reason and note in reason
    governmental = ("diplomatic_request", "mla_request", "eu_removal_order_request")
    assert not any(c.code in governmental for c in before.channels)
    # from the first day read the encoded provision answers: it protects only the host
    assert after.dual_criminality == after_outcome
    assert after.to_json()["host_provisions"]


@pytest.mark.parametrize(
    ("requesting", "start", "provision"),
    [
        ("NL", date(2011, 3, 1), "NL.Sr.131.93"),
        ("SE", date(2009, 7, 1), "SE.BrB.16.5.19.1"),
        ("FR", date(1994, 3, 1), "FR.Loi1881.24.412-1"),
    ],
)
def test_separatism_before_its_first_reading_is_unsupported_as_requesting_state(
    requesting: str, start: date, provision: str
) -> None:
    kb = load_kb()
    facts = {"public": True, "intent": True, "counselling": True, "violence": True}

    common = {"conduct": "separatism.propaganda", "host": "DE", "requesting": requesting}

    def on(day: date) -> dict[str, Any]:
        return assess(kb=kb, facts=facts, on=day, **common).to_json()

    before, after = on(start - timedelta(days=1)), on(start)
    assert before["requesting_outcome"] == "unsupported"
    assert before["requesting_provisions"] == []
    assert any(
        f"{requesting} (requesting state) on separatism.propaganda before {start}" in r
        for r in before["reasons"]
    )
    assert after["requesting_outcome"] == "yes"
    assert provision in [p["id"] for p in after["requesting_provisions"]]
    assert not any("(requesting state)" in r for r in after["reasons"])


def test_hungarian_threats_before_the_wording_read_are_unsupported_on_both_sides() -> None:
    kb = load_kb()
    # § 316 threatens a terrorist act: the § 314(1) aim is its own fact (law19-intent).
    # law24-threats: § 314(1) c) names another state's order: the aim reaches beyond that of the
    # host (and, on Hungary's own side, of the requesting state).
    facts = {
        "threatening": True,
        "intent": True,
        "terrorist_aim": True,
        "terrorist_aim_beyond_host_order": True,
        "terrorist_aim_beyond_requesting_order": True,
    }
    day, first = date(2017, 12, 31), date(2018, 1, 1)
    host = assess(kb=kb, conduct="terrorism.threat", host="HU", facts=facts, on=day)
    assert host.dual_criminality == "unsupported"
    assert any("2013-07-01 to 2017-12-31 was not read" in r for r in host.to_json()["reasons"])
    assert (
        assess(kb=kb, conduct="terrorism.threat", host="HU", facts=facts, on=first).dual_criminality
        == "yes"
    )
    requesting = [
        assess(
            kb=kb, conduct="terrorism.threat", host="DE", requesting="HU", facts=facts, on=d
        ).requesting_outcome
        for d in (day, first)
    ]
    assert requesting == ["unsupported", "yes"]


def test_other_conducts_of_the_state_keep_their_answers_before_the_conduct_start() -> None:
    """The key bounds one conduct only: NL's terrorism.threat in 2010 is still read (art. 285)."""
    kb = load_kb()
    result = assess(
        kb=kb,
        conduct="terrorism.threat",
        host="NL",
        facts={"threatening": True, "intent": True},
        on=date(2010, 6, 1),
    )
    assert result.dual_criminality != "unsupported"
    assert not any("before 2011-03-01" in r for r in result.to_json()["reasons"])


def test_law_coverage_lists_the_conducts_read_only_from_a_later_date() -> None:
    import json

    import typer
    from typer.testing import CliRunner

    from comity.law.cli import register

    app = typer.Typer()
    register(app)
    runner = CliRunner()
    result = runner.invoke(app, ["law", "coverage", "--json", "--date", "2026-12-05"])
    assert result.exit_code == 0, result.output
    rows = {r["code"]: r for r in json.loads(result.output)["jurisdictions"]}
    nl = rows["NL"]["conducts"]
    assert nl["separatism.propaganda"]["encoded_from"]["date"] == "2011-03-01"
    assert "encoded_from" not in nl["terrorism.threat"]
    assert rows["HU"]["conducts"]["terrorism.threat"]["encoded_from"]["date"] == "2018-01-01"
    text = runner.invoke(app, ["law", "coverage", "--date", "2026-12-05"])
    assert text.exit_code == 0, text.output
    words = " ".join(text.output.split())  # the console wraps long lines
    assert "NL separatism.propaganda from 2011-03-01" in words
