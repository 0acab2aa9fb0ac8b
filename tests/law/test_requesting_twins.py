"""Facts that speak of the host are read for the requesting state's own law by their twin.

The story: Malta asks Kazakhstan to remove a post stirring up hatred against a
religious group living in Kazakhstan. Malta's own offence (Criminal Code art. 82A)
protects only groups in Malta. The content's `group_in_host` is true (the group
is in the host, Kazakhstan), and before this rule the engine read that same fact
for Malta's own offence, so Malta's side answered `yes`: dual criminality
claimed on a Maltese offence that does not reach the post. The requesting side
now reads `group_in_requesting` (law22-north review, after law19-sgae).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from comity.law.engine import assess
from comity.law.kb.loader import DEFAULT_ROOT, load_kb, validate_path

_HATRED = {
    "public": True,
    "group_in_host": True,
    "protected_ground": "religion",
    "intent": True,
    "public_peace": True,
}


def _malta_asks_kazakhstan(**extra: Any) -> dict[str, Any]:
    return assess(
        kb=load_kb(),
        conduct="hatred.incitement",
        facts={**_HATRED, **extra},
        host="KZ",
        requesting="MT",
        on=date(2024, 5, 1),
    ).to_json()


def _malta_82a(data: dict[str, Any]) -> dict[str, Any]:
    return next(p for p in data["requesting_provisions"] if p["id"] == "MT.CC.82A")


def test_a_group_in_the_host_is_not_a_group_in_malta_for_maltas_own_offence() -> None:
    data = _malta_asks_kazakhstan(group_in_requesting=False)
    assert data["dual_criminality"] == "yes"  # Kazakhstan's own law is unchanged
    assert _malta_82a(data)["status"] == "no"
    assert data["requesting_outcome"] == "no"


def test_maltas_side_asks_where_the_group_is_by_the_twins_name() -> None:
    data = _malta_asks_kazakhstan()
    malta = _malta_82a(data)
    assert malta["status"] == "conditional"
    assert malta["missing_facts"] == ["group_in_requesting"]
    assert malta["reason"] == "would apply if these facts hold: group_in_requesting"


def test_a_group_in_malta_meets_maltas_offence() -> None:
    data = _malta_asks_kazakhstan(group_in_requesting=True)
    assert _malta_82a(data)["status"] == "yes" and data["requesting_outcome"] == "yes"


def test_the_host_side_still_reads_group_in_host() -> None:
    # Kazakhstan asking Malta: Malta is the host, its offence reads group_in_host
    facts = {**_HATRED, "group_in_host": False, "group_in_requesting": True}
    data = assess(
        kb=load_kb(), conduct="hatred.incitement", facts=facts, host="MT", on=date(2024, 5, 1)
    ).to_json()
    malta = next(p for p in data["host_provisions"] if p["id"] == "MT.CC.82A")
    assert malta["status"] == "no"


@pytest.mark.parametrize("twin", ["no_such_fact", "protected_ground"])
def test_a_twin_that_is_unknown_or_of_another_type_is_rejected(tmp_path: Path, twin: str) -> None:
    root = tmp_path / "kb"
    shutil.copytree(DEFAULT_ROOT, root)
    vocab = root / "_vocabulary.yaml"
    text = vocab.read_text(encoding="utf-8")
    changed = text.replace("requesting: group_in_requesting,", f"requesting: {twin},", 1)
    assert changed != text
    vocab.write_text(changed, encoding="utf-8")
    errors = [e for e in validate_path(root) if "group_in_host" in e.message]
    assert errors and errors[0].line > 1 and f"requesting: {twin}" in errors[0].message
