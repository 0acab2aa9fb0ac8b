"""A governmental channel whose addressee the knowledge base does not name says so.

Why: Slovenia (wave 4) had no authority encoded; its channels were ranked with
`authority: null` and nothing in the answer said that a dossier on them would be
refused for want of an addressee (law4-eumed review, 2026-12-06). The answer now
names the missing role; the dossier builder refuses with the same role.

law20-auth gave Slovenia its foreign ministry and Ministry of Justice (read in
ZKP arts 514-516), so the case is built from a copy of the knowledge base whose
Slovenian authorities are removed: the behaviour stays tested whatever later
waves encode. The real knowledge base is checked too: Slovenia's diplomatic
channel has an addressee, and since law21-auth its removal-order channel too
(the District Court of Nova Gorica), but only from ZIUORTSV's promulgation
(31 October 2024; law21-auth review): on DAY (1 May 2024) it still has none;
Estonia, Croatia and Spain, whose designations were not read, have none.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from comity.core.errors import Refused
from comity.dossiers import build
from comity.law.engine import assess
from comity.law.kb import DEFAULT_ROOT, load_kb
from comity.law.model import KnowledgeBase

__all__: list[str] = []

KB = load_kb()
DAY = date(2024, 5, 1)
FACTS = {"public": True, "threatening": True, "intent": True}


@pytest.fixture(scope="module")
def kb_without_si_authorities(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    root = tmp_path_factory.mktemp("kb") / "knowledge"
    shutil.copytree(DEFAULT_ROOT, root)
    path = root / "SI" / "jurisdiction.yaml"
    text = path.read_text(encoding="utf-8")
    stripped, count = re.subn(r"(?ms)^authorities:\n.*?(?=^channels:\n)", "", text)
    assert count == 1, "the Slovenian file has one authorities block before its channels"
    path.write_text(stripped, encoding="utf-8")
    kb = load_kb(Path(root))
    assert not kb.jurisdictions["SI"].authorities
    return kb


def _reasons(kb: KnowledgeBase, host: str, on: date = DAY) -> dict[str, str]:
    result = assess(kb=kb, conduct="terrorism.threat", facts=FACTS, host=host, on=on)
    return {c.code: c.reason for c in result.channels}


@pytest.mark.parametrize(
    ("channel", "role"),
    [
        ("diplomatic_request", "foreign_ministry"),
        ("eu_removal_order_request", "removal_order_authority"),
    ],
)
def test_a_channel_without_addressee_names_the_missing_role(
    kb_without_si_authorities: KnowledgeBase, channel: str, role: str
) -> None:
    reasons = _reasons(kb_without_si_authorities, "SI")
    assert f"no addressee: the knowledge base names no {role} of SI" in reasons[channel]


def test_the_dossier_builder_refuses_the_same_channel(
    kb_without_si_authorities: KnowledgeBase,
) -> None:
    kb = kb_without_si_authorities
    result = assess(kb=kb, conduct="terrorism.threat", facts=FACTS, host="SI", on=DAY)
    with pytest.raises(Refused, match="names no foreign_ministry for SI"):
        build.addressee_for(
            kb=kb,
            requesting="KZ",
            channel="diplomatic_request",
            host="SI",
            assessment=result.to_json(),
            attribution=None,
        )


def test_slovenia_names_its_removal_order_court_only_from_its_designation() -> None:
    # law21-auth read the District Court of Nova Gorica (ZIUORTSV) as the Slovenian
    # competent authority under Regulation (EU) 2021/784; the review dated it from the
    # act's promulgation (31 October 2024, its entry into force unread): before that
    # day the removal-order channel still has no addressee, from it both are addressed.
    before = _reasons(KB, "SI")
    assert "no addressee" not in before["diplomatic_request"]
    assert (
        "no addressee: the knowledge base names no removal_order_authority of SI"
        in before["eu_removal_order_request"]
    )
    after = _reasons(KB, "SI", date(2024, 10, 31))
    assert "no addressee" not in after["diplomatic_request"]
    assert "no addressee" not in after["eu_removal_order_request"]


@pytest.mark.parametrize("host", ["EE", "HR", "ES"])
def test_a_member_whose_designation_was_not_read_still_names_none(host: str) -> None:
    # law21-auth found no designating text read for Estonia, Croatia or Spain.
    reasons = _reasons(KB, host)
    assert "no addressee" not in reasons["diplomatic_request"]
    assert (
        f"no addressee: the knowledge base names no removal_order_authority of {host}"
        in reasons["eu_removal_order_request"]
    )


def test_a_host_with_its_authorities_has_no_such_reason() -> None:
    reasons = _reasons(KB, "DE")
    assert reasons, "Germany offers channels for a terrorist threat"
    assert not any("no addressee" in why for why in reasons.values())
