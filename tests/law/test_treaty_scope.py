"""A treaty narrower than a conduct code founds nothing for content outside its scope.

The attacker's story (well, the recipient's): Kazakhstan asks Russia to remove a
grudge threat to kill a neighbour and cites a counter-terrorism treaty as the
basis of its request. The threat is an offence in both states (dual criminality
`yes`), but it is not terrorism as the treaty defines it, so the recipient rejects
the request for citing a treaty that does not apply. The register's `scope` lets
a treaty say what it reaches; the engine refuses it for content outside, and
offers it only on condition while the deciding fact is unknown.

The treaty here is a fixture (not law) so that the rule is tested whatever the
register's real records say; its parties are Kazakhstan and Russia.
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
_TREATY = f"""\
id: Test.Scope.2001
title: "Test counter-terrorism treaty (fixture, not law)"
kind: multilateral
signed: 2001-01-01
articles:
  - topic: scope
    article: "art. 1"
    text: >-
      terrorism means an act committed in order to violate public security,
      to intimidate the population or to influence decisions of the authorities
channels: [mla_request]
conducts: [terrorism.threat]
scope:
  terrorism.threat:
    any:
      - fact: cis_terrorist_aim
        label: "made to violate public security or to intimidate the population (art. 1)"
        quote: "in order to violate public security, to intimidate the population"
      - fact: authorities_pressure_aim
        label: "made to influence decisions of the authorities (art. 1)"
        quote: "to influence decisions of the authorities"
source: {_SOURCE}
parties_complete: true
parties:
  - {{state: KZ, from: 2002-01-01, source: {_SOURCE}}}
  - {{state: RU, from: 2002-01-01, source: {_SOURCE}}}
"""

# Russia art. 119 and Kazakhstan art. 115: a threat to kill a named person, with
# grounds to fear it, is an offence in both without any terrorist aim.
_GRUDGE = {
    "host_text_verified": True,
    "public": True,
    "intent": True,
    "threatening": True,
    "hoax_terrorism": False,
    "threatens_person": True,
    "threat_to_kill": True,
    "threat_of_grave_harm": False,
    "victim_grounds_to_fear": True,
}
_NO_AIM = {"cis_terrorist_aim": False, "authorities_pressure_aim": False}


def _copy(tmp_path: Path, treaty: str) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(DEFAULT_ROOT, root)
    (root / "_treaties" / "Test.Scope.2001.yaml").write_text(treaty, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    root = _copy(tmp_path_factory.mktemp("scope"), _TREATY)
    return read_kb(root, cache_dir=None)


def _assess(kb: KnowledgeBase, facts: dict[str, Any]) -> dict[str, Any]:
    result = assess(
        kb=kb,
        conduct="terrorism.threat",
        facts=facts,
        host="RU",
        requesting="KZ",
        on=date(2024, 5, 1),
        cache=False,
    )
    return result.to_json()


def _fixture_treaty(data: dict[str, Any]) -> dict[str, Any]:
    return next(t for t in data["treaties"] if t["id"] == "Test.Scope.2001")


def _mla(data: dict[str, Any]) -> dict[str, Any] | None:
    return next((c for c in data["channels"] if c["code"] == "mla_request"), None)


def test_a_grudge_threat_is_not_founded_on_a_terrorism_treaty(kb: KnowledgeBase) -> None:
    data = _assess(kb, {**_GRUDGE, **_NO_AIM})
    assert data["dual_criminality"] == "yes"
    treaty = _fixture_treaty(data)
    assert treaty["status"] == "refused"
    assert treaty["reason"].startswith("the content is outside its scope for terrorism.threat")
    assert "influence decisions of the authorities (art. 1)" in treaty["reason"]
    mla = _mla(data)
    assert mla is None or "Test.Scope.2001" not in mla["basis"]


def test_a_terrorist_threat_is_founded_on_it(kb: KnowledgeBase) -> None:
    data = _assess(kb, {**_GRUDGE, "cis_terrorist_aim": True, "authorities_pressure_aim": False})
    assert data["dual_criminality"] == "yes"
    assert _fixture_treaty(data)["status"] == "in_force"
    mla = _mla(data)
    assert mla is not None and "Test.Scope.2001" in mla["basis"]


def test_an_unknown_aim_offers_the_treaty_only_on_that_condition(kb: KnowledgeBase) -> None:
    data = _assess(kb, _GRUDGE)
    treaty = _fixture_treaty(data)
    assert treaty["status"] == "conditional"
    assert treaty["reason"] == (
        "within its scope for terrorism.threat only if: cis_terrorist_aim, authorities_pressure_aim"
    )
    mla = _mla(data)
    assert mla is not None and "Test.Scope.2001" not in mla["basis"]
    assert any(c.startswith("Test.Scope.2001: within its scope") for c in mla["conditions"])


def test_the_verdict_cache_keeps_the_scope_apart_per_facts(kb: KnowledgeBase) -> None:
    # the verdict is memoised by facts: the refusal for one content must not leak
    # into the answer for another
    for _ in range(3):
        outside = assess(
            kb=kb,
            conduct="terrorism.threat",
            facts={**_GRUDGE, **_NO_AIM},
            host="RU",
            on=date(2024, 5, 1),
        ).to_json()
        inside = assess(
            kb=kb,
            conduct="terrorism.threat",
            facts={**_GRUDGE, "cis_terrorist_aim": True, "authorities_pressure_aim": False},
            host="RU",
            on=date(2024, 5, 1),
        ).to_json()
    assert _fixture_treaty(outside)["status"] == "refused"
    assert _fixture_treaty(inside)["status"] == "in_force"


def test_the_same_content_assessed_twice_gives_equal_assessments(kb: KnowledgeBase) -> None:
    # a scope that changes a check must not make two runs differ (checks compare by identity)
    for facts in ({**_GRUDGE, **_NO_AIM}, _GRUDGE):
        runs = [
            assess(
                kb=kb,
                conduct="terrorism.threat",
                facts=facts,
                host="RU",
                on=date(2024, 5, 1),
                cache=False,
            )
            for _ in range(2)
        ]
        assert runs[0] == runs[1]
        assert _fixture_treaty(runs[0].to_json())["status"] in {"refused", "conditional"}


@pytest.mark.parametrize(
    ("change", "kind", "words"),
    [
        (
            (
                'quote: "to influence decisions of the authorities"',
                'quote: "to compel a government"',
            ),
            "quote_not_in_text",
            "scope for terrorism.threat",
        ),
        (
            ("  terrorism.threat:\n    any:", "  terrorism.financing:\n    any:"),
            "bad_treaty",
            "does not cover",
        ),
        (
            ("fact: authorities_pressure_aim", "fact: pressure_on_anyone"),
            "unknown_fact",
            "pressure_on_anyone",
        ),
    ],
)
def test_a_broken_scope_is_rejected_with_file_and_line(
    tmp_path: Path, change: tuple[str, str], kind: str, words: str
) -> None:
    root = _copy(tmp_path, _TREATY.replace(*change))
    errors = [e for e in validate_path(root) if e.kind == kind]
    assert errors, [str(e) for e in validate_path(root)]
    assert "Test.Scope.2001.yaml" in str(errors[0]) and words in errors[0].message
    assert errors[0].line > 1
