"""The requesting state's side follows the host's rule: no `no` by omission.

A `no` on the requesting side says that the requesting state's own law does not
forbid the content, which undoes the request. Where that state's law for the
conduct was not read (no provision and no verified absence), or was read only in
part (`partial`), the answer is `unsupported`, with the reason, as it is for a host.
A review of law17-train found Russia answering `no` as requesting state for false
information while its art. 207.2 was never encoded.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

from comity.law.engine import assess
from comity.law.kb.loader import DEFAULT_ROOT, load_kb

ON = date(2025, 3, 18)
FACTS = {"public": True, "intent": True}
GLORIFY = {"conduct": "terrorism.glorification", "host": "DE", "requesting": "NO"}


def _norway_glorification_unread(tmp_path: Path) -> dict[str, Any]:
    """Assess with Norway's glorification absence recorded as not verified."""
    root = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_ROOT, root)
    path = root / "NO" / "provisions.yaml"
    text = path.read_text(encoding="utf-8")
    anchor = "  - conduct: terrorism.glorification\n    verified: true\n"
    assert anchor in text  # Norway's verified absence of a glorification offence
    path.write_text(
        text.replace(
            anchor,
            "  - conduct: terrorism.glorification\n    verified: false\n",
        ),
        encoding="utf-8",
    )
    return assess(kb=load_kb(root), facts=FACTS, on=ON, **GLORIFY).to_json()


def test_a_verified_absence_on_the_requesting_side_answers_no() -> None:
    result = assess(kb=load_kb(), facts=FACTS, on=ON, **GLORIFY).to_json()
    assert result["requesting_outcome"] == "no"
    assert not any("(requesting state) do not cover" in r for r in result["reasons"])


def test_an_unread_conduct_of_the_requesting_state_is_unsupported_not_no(tmp_path: Path) -> None:
    result = _norway_glorification_unread(tmp_path)
    assert result["requesting_outcome"] == "unsupported"
    assert any(
        "NO (requesting state) do not cover this terrorism.glorification content" in r
        for r in result["reasons"]
    )


def test_a_partial_reading_turns_the_requesting_no_but_never_its_yes() -> None:
    # Russia's false-information absence is partial (arts 207.1, 207.2 not encoded):
    # art. 207.3 still answers yes on its side; a subject it does not cover is unsupported
    kb = load_kb()

    def russia(armed_forces: bool) -> dict[str, Any]:
        facts = {**FACTS, "hoax_terrorism": False, "concerns_armed_forces": armed_forces}
        return assess(
            kb=kb,
            conduct="disinformation.false_information",
            host="DE",
            requesting="RU",
            facts=facts,
            on=date(2024, 5, 1),
        ).to_json()

    assert russia(True)["requesting_outcome"] == "yes"
    other = russia(False)
    assert other["requesting_outcome"] == "unsupported"
    assert any("RU (requesting state) do not cover" in r for r in other["reasons"])
