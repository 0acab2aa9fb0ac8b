"""A treaty for grave crime only founds nothing for a lesser offence of the requesting state.

The recipient's story: a state asks another to remove a recruitment post and cites
the UN Convention against Transnational Organized Crime. The Convention applies to
'serious crime', an offence 'punishable by a maximum deprivation of liberty of at
least four years' (arts 2(b), 3(1)(b)); the requesting state's own offence carries
three. The recipient answers that the Convention does not apply. The register's
`serious_crime` says what a treaty needs; the engine refuses the treaty when the
requesting state's offence is known to carry less, and offers it only on condition
when that cannot be known (no penalty encoded, or other offences of the state for
the conduct not read).

The treaty here is a fixture (not law), so the rule is tested whatever the
register's real records say. Its parties are Kazakhstan, Russia and Norway.
Kazakhstan's financing offence (art. 258) carries at most 12 years in the knowledge
base; Norway's financing code is marked partly read, its offences read carry 10.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from comity.law.engine import assess
from comity.law.kb.loader import DEFAULT_ROOT, read_kb, validate_path
from comity.law.model import KnowledgeBase

_SOURCE = '{title: "fixture", url: "https://example.org/"}'


def _treaty(years: int, *, otherwise: bool = False) -> str:
    other = (
        '\n  otherwise: {label: "a participation offence (art. 3)", quote: "participation in a '
        'criminal group, whatever its penalty"}'
        if otherwise
        else ""
    )
    return f"""\
id: Test.Serious.2000
title: "Test convention on grave crime (fixture, not law)"
kind: multilateral
signed: 2000-01-01
articles:
  - topic: scope
    article: "art. 2"
    text: >-
      serious crime means conduct constituting an offence punishable by a maximum
      deprivation of liberty of at least {years} years
  - topic: scope
    article: "art. 3"
    text: >-
      It applies to serious crime and to participation in a criminal group,
      whatever its penalty.
channels: [mla_request]
conducts: [terrorism.financing]
serious_crime:
  years: {years}
  conducts: [terrorism.financing]
  article: "art. 2"
  quote: "punishable by a maximum deprivation of liberty of at least {years} years"{other}
source: {_SOURCE}
parties_complete: true
parties:
  - {{state: KZ, from: 2002-01-01, source: {_SOURCE}}}
  - {{state: RU, from: 2002-01-01, source: {_SOURCE}}}
  - {{state: NO, from: 2002-01-01, source: {_SOURCE}}}
"""


# KZ.CC.258 and RU.UK.205.1 both reach this (dual criminality `yes`).
_FINANCING = {
    "host_text_verified": True,
    "public": True,
    "intent": True,
    "knowledge_of_use": True,
    "justifies_terrorism": True,
}


def _copy(tmp_path: Path, treaty: str) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(DEFAULT_ROOT, root)
    (root / "_treaties" / "Test.Serious.2000.yaml").write_text(treaty, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def kbs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, KnowledgeBase]:
    """One knowledge base per threshold, under and over KZ art. 258's 12 years, and one
    whose treaty also covers another offence whatever its penalty (`otherwise`)."""
    cases = {"4": _treaty(4), "15": _treaty(15), "15+": _treaty(15, otherwise=True)}
    return {
        name: read_kb(_copy(tmp_path_factory.mktemp("serious"), text), cache_dir=None)
        for name, text in cases.items()
    }


def _assess(kb: KnowledgeBase, host: str, requesting: str) -> dict[str, Any]:
    return assess(
        kb=kb,
        conduct="terrorism.financing",
        facts=_FINANCING,
        host=host,
        requesting=requesting,
        on=date(2024, 5, 1),
        cache=False,
    ).to_json()


def _fixture(data: dict[str, Any]) -> dict[str, Any]:
    return next(t for t in data["treaties"] if t["id"] == "Test.Serious.2000")


def _mla_basis(data: dict[str, Any]) -> list[str]:
    mla = next((c for c in data["channels"] if c["code"] == "mla_request"), None)
    return [] if mla is None else list(mla["basis"])


def test_an_offence_over_the_threshold_founds_the_request(
    kbs: dict[str, KnowledgeBase],
) -> None:
    data = _assess(kbs["4"], host="RU", requesting="KZ")
    assert data["dual_criminality"] == "yes"
    assert _fixture(data)["status"] == "in_force"
    assert "Test.Serious.2000" in _mla_basis(data)


def test_an_offence_under_the_threshold_is_refused_and_says_why(
    kbs: dict[str, KnowledgeBase],
) -> None:
    data = _assess(kbs["15"], host="RU", requesting="KZ")
    assert data["dual_criminality"] == "yes"  # the law still forbids it: only the basis goes
    treaty = _fixture(data)
    assert treaty["status"] == "refused"
    assert treaty["reason"] == (
        "the requesting state's offence read (KZ.CC.258, at most 12 years) is not "
        "'punishable by a maximum deprivation of liberty of at least 15 years' (art. 2): "
        "outside its scope for terrorism.financing"
    )
    assert "Test.Serious.2000" not in _mla_basis(data)


def test_another_offence_covered_whatever_its_penalty_leaves_it_conditional(
    kbs: dict[str, KnowledgeBase],
) -> None:
    # UNTOC art. 3(1)(a): the art. 5 participation offences are covered whatever their
    # penalty; the register cannot rule one out, so a lesser offence does not refuse
    data = _assess(kbs["15+"], host="RU", requesting="KZ")
    treaty = _fixture(data)
    assert treaty["status"] == "conditional"
    assert treaty["reason"].endswith(
        "only if the conduct is a participation offence (art. 3), which the encoded law "
        "does not show"
    )
    assert "Test.Serious.2000" not in _mla_basis(data)


def test_a_partly_read_requesting_law_leaves_the_treaty_conditional(
    kbs: dict[str, KnowledgeBase],
) -> None:
    # Norway's financing code is partly read: a graver Norwegian offence may exist, so
    # the treaty is not refused on the maximum of the offences read; nor is it founded
    data = _assess(kbs["15"], host="KZ", requesting="NO")
    treaty = _fixture(data)
    assert treaty["status"] == "conditional"
    assert "which the encoded law does not show" in treaty["reason"]
    assert "Test.Serious.2000" not in _mla_basis(data)


def test_the_same_content_assessed_twice_gives_equal_assessments(
    kbs: dict[str, KnowledgeBase],
) -> None:
    # a minimum penalty that changes a check must not make two runs differ
    # (checks compare by identity), with or without the verdict cache
    for name, status in (("15", "refused"), ("15+", "conditional")):
        runs = [
            assess(
                kb=kbs[name],
                conduct="terrorism.financing",
                facts=_FINANCING,
                host="RU",
                on=date(2024, 5, 1),
                cache=cache,
            )
            for cache in (False, True, True)
        ]
        assert runs[0] == runs[1] == runs[2]
        assert _fixture(runs[0].to_json())["status"] == status


@pytest.mark.parametrize(
    ("change", "kind", "words"),
    [
        (
            ('quote: "punishable by a maximum', 'quote: "liable to imprisonment for a maximum'),
            "quote_not_in_text",
            "serious_crime",
        ),
        (
            (
                "  conducts: [terrorism.financing]\n  article",
                "  conducts: [terrorism.threat]\n  article",
            ),
            "bad_treaty",
            "does not cover",
        ),
        (
            (
                "  conducts: [terrorism.financing]\n  article",
                "  conducts: [terror.money]\n  article",
            ),
            "unknown_conduct",
            "terror.money",
        ),
        (
            ('quote: "participation in a criminal group', 'quote: "membership of a gang'),
            "quote_not_in_text",
            "membership of a gang",
        ),
    ],
)
def test_a_broken_minimum_is_rejected_with_file_and_line(
    tmp_path: Path, change: tuple[str, str], kind: str, words: str
) -> None:
    treaty = _treaty(4, otherwise=True)
    assert change[0] in treaty
    root = _copy(tmp_path, treaty.replace(*change))
    errors = [e for e in validate_path(root) if e.kind == kind]
    assert errors, [str(e) for e in validate_path(root)]
    assert "Test.Serious.2000.yaml" in str(errors[0]) and words in errors[0].message
    assert errors[0].line > 1
