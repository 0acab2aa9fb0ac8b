"""Confidence per version (law11): a provision's wording in force on the assessed date
decides how well it was read, not the provision as a whole.

Why: a provision whose current wording was read verbatim in an official consolidation,
but whose earlier wording (or the day it changed) was not, used to stay `medium` as a
whole. Now its later version can be `high` from a day read, the earlier one stays lower,
and the engine, the facts the form asks, the coverage figures and `show` all use the
version applied on the date. A `low` version must still answer `conditional` with
`host_text_verified`, exactly as a low provision does.

The tests split Germany's DE.StGB.130.1.teile (the only `low` provision of DE, matched
alone by a hatred call against gay people) in a copy of the knowledge base.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from comity.law.coverage import coverage
from comity.law.engine import assess
from comity.law.facts_used import facts_used
from comity.law.kb.loader import DEFAULT_ROOT, load_kb, validate_path
from comity.law.model import KnowledgeBase
from comity.law.show import show_jurisdiction

ID = "DE.StGB.130.1.teile"
SPLIT = date(2020, 1, 1)
BEFORE = date(2019, 12, 31)
FACTS = {
    "public": True,
    "protected_ground": "sexual_orientation",
    "group_in_host": True,
    "intent": True,
    "public_peace": True,
    "violence": False,
    "threatening": False,
}
NOTE = 'note: "test: what was read, and from which day"'


def _split(
    root: Path,
    *,
    provision: str,
    older: str | None,
    newer: str | None,
    older_note: bool = True,
    newer_note: bool = True,
) -> None:
    """Set the provision's confidence and cut its only version at SPLIT, each part with its
    own `confidence` (None: none given, so the provision's applies)."""
    path = root / "DE" / "provisions.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    start = lines.index(f"  - id: {ID}")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("  - id: "))
    block = lines[start:end]
    conf = block.index("    confidence: low")
    block[conf] = f"    confidence: {provision}"
    first = block.index("      - from: 2011-03-22")
    version = [line for line in block[first + 1 :] if line.strip()]

    def head(day: str, to: str | None, level: str | None, note: bool) -> list[str]:
        out = [f"      - from: {day}"] + ([f"        to: {to}"] if to else [])
        if level is not None:
            out.append(f"        confidence: {level}")
        if note:
            out.append(f"        {NOTE}")
        return out

    new = (
        block[:first]
        + head("2011-03-22", BEFORE.isoformat(), older, older_note)
        + version
        + head(SPLIT.isoformat(), None, newer, newer_note)
        + version
        + [""]
    )
    lines[start:end] = new
    path.write_text("\n".join(lines), encoding="utf-8")


def _copy(tmp: Path) -> Path:
    root = tmp / "knowledge"
    shutil.copytree(DEFAULT_ROOT, root)
    return root


@pytest.fixture(scope="module")
def low_then_high(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """Provision `low`; its wording from 2020 read (`high`), the older one inherits low."""
    root = _copy(tmp_path_factory.mktemp("low-then-high"))
    _split(root, provision="low", older=None, newer="high", older_note=False)
    return load_kb(root)


@pytest.fixture(scope="module")
def high_after_low(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """Provision `high`; only its older wording is `low` (with a note)."""
    root = _copy(tmp_path_factory.mktemp("high-after-low"))
    _split(root, provision="high", older="low", newer=None, newer_note=False)
    return load_kb(root)


@pytest.fixture(scope="module")
def all_high(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    root = _copy(tmp_path_factory.mktemp("all-high"))
    _split(root, provision="high", older=None, newer=None, older_note=False, newer_note=False)
    return load_kb(root)


def _row(kb: KnowledgeBase, on: date, facts: dict[str, object]) -> tuple[str, str, tuple[str, ...]]:
    result = assess(kb=kb, conduct="hatred.incitement", facts=facts, host="DE", on=on)
    row = next(p for p in result.host_provisions if p.id == ID)
    return result.dual_criminality, row.confidence, result.missing_facts


@pytest.mark.parametrize("kb_name", ["low_then_high", "high_after_low"])
def test_the_low_version_applied_on_the_date_asks_for_the_text_and_the_high_one_does_not(
    kb_name: str, request: pytest.FixtureRequest
) -> None:
    kb = request.getfixturevalue(kb_name)
    outcome, confidence, missing = _row(kb, BEFORE, FACTS)
    assert (outcome, confidence) == ("conditional", "low")
    assert missing == ("host_text_verified",)
    outcome, confidence, missing = _row(kb, SPLIT, FACTS)
    assert (outcome, confidence, missing) == ("yes", "high", ())


def test_a_lawyer_confirming_the_low_wording_turns_it_into_a_yes(
    high_after_low: KnowledgeBase,
) -> None:
    outcome, confidence, _ = _row(high_after_low, BEFORE, {**FACTS, "host_text_verified": True})
    assert (outcome, confidence) == ("yes", "low")


def test_the_form_asks_for_host_text_verified_when_any_version_is_low(
    high_after_low: KnowledgeBase, all_high: KnowledgeBase
) -> None:
    asked = facts_used(high_after_low, conduct="hatred.incitement", jurisdictions=["DE"])
    assert "host_text_verified" in asked
    none_low = facts_used(all_high, conduct="hatred.incitement", jurisdictions=["DE"])
    assert "host_text_verified" not in none_low


def test_coverage_counts_high_by_the_wording_in_force_and_reports_high_throughout(
    low_then_high: KnowledgeBase,
) -> None:
    def de(on: date) -> dict[str, object]:
        data = coverage(kb=low_then_high, on=on)
        return next(r for r in data["jurisdictions"] if r["code"] == "DE")

    before, after = de(BEFORE), de(SPLIT)
    assert after["confidence"]["high"] == before["confidence"]["high"] + 1  # type: ignore[index]
    assert after["confidence"]["low"] == before["confidence"]["low"] - 1  # type: ignore[index]
    # an older wording is still low: never counted as high throughout
    assert after["high_throughout"] == before["high_throughout"]
    provision = next(p for p in low_then_high.jurisdictions["DE"].provisions if p.id == ID)
    assert provision.confidence_on(SPLIT) == "high" and not provision.high_throughout
    totals = coverage(kb=low_then_high, on=SPLIT)["totals"]
    assert totals["high_throughout"] < totals["high"]
    assert totals["provisions"] == totals["high"] + totals["medium"] + totals["low"]


def test_show_gives_each_version_its_confidence(low_then_high: KnowledgeBase) -> None:
    data = show_jurisdiction(kb=low_then_high, code="DE")
    row = next(p for p in data["provisions"] if p["id"] == ID)
    assert [v["confidence"] for v in row["versions"]] == ["low", "high"]
    assert row["confidence"] == "high" and row["high_throughout"] is False


@pytest.mark.parametrize(
    ("provision", "older", "newer", "older_note", "newer_note", "words"),
    [
        # raised above the provision with nothing saying what was read, and from when
        ("medium", None, "high", False, False, "above the provision's 'medium'"),
        # below high without saying what was not read
        ("high", "medium", None, False, False, "confidence 'medium' needs a `note`"),
        ("high", "low", None, False, False, "confidence 'low' needs a `note`"),
    ],
)
def test_a_version_confidence_without_its_note_is_refused_with_file_and_line(
    tmp_path: Path,
    provision: str,
    older: str | None,
    newer: str | None,
    older_note: bool,
    newer_note: bool,
    words: str,
) -> None:
    root = _copy(tmp_path)
    _split(
        root,
        provision=provision,
        older=older,
        newer=newer,
        older_note=older_note,
        newer_note=newer_note,
    )
    # the provision keeps its own note, so only the version's missing note is at fault
    errors = validate_path(root / "DE")
    assert [e.kind for e in errors] == ["missing_note"], [str(e) for e in errors]
    assert words in errors[0].message and ID in errors[0].message
    assert errors[0].file.endswith("provisions.yaml") and errors[0].line > 0


def test_an_unknown_version_confidence_is_refused(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _split(root, provision="low", older=None, newer="certain", older_note=False)
    errors = validate_path(root / "DE")
    assert errors and all("certain" in str(e) for e in errors), [str(e) for e in errors]


def test_the_split_versions_validate(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _split(root, provision="low", older=None, newer="high", older_note=False)
    assert validate_path(root / "DE") == []
    text = (root / "DE" / "provisions.yaml").read_text(encoding="utf-8")
    block = text[text.index(ID) :].split("  - id: ")[0]
    assert len(re.findall(r"^      - from: ", block, re.M)) == 2


def test_the_reasons_name_the_provision_whose_wording_on_the_date_is_low(
    high_after_low: KnowledgeBase,
) -> None:
    def reasons(on: date) -> list[str]:
        result = assess(
            kb=high_after_low, conduct="hatred.incitement", facts=FACTS, host="DE", on=on
        )
        return [r for r in result.to_json()["reasons"] if "low confidence" in r]

    assert len(reasons(BEFORE)) == 1 and ID in reasons(BEFORE)[0]
    assert reasons(SPLIT) == []
