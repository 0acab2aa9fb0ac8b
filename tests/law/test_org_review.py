"""What the second reading of the register changed (docs/reviews/organisations-review.md).

These read the bundled register on purpose: they pin facts the review checked
against the sources, so a later edit that reintroduces an error fails here.
"""

from __future__ import annotations

from datetime import date

import pytest

from comity.law.kb.loader import load_kb
from comity.law.model import KnowledgeBase
from comity.law.orgs.show import show_org


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_kb()


def _cells(kb: KnowledgeBase, ident: str, code: str) -> dict[str, dict[str, str]]:
    data = show_org(kb=kb, ident=ident)
    return {row["from"]: row["cells"][code] for row in data["timeline"]}


def test_an_ended_ban_on_an_unchecked_list_reads_as_ended_not_as_no_data(
    kb: KnowledgeBase,
) -> None:
    cells = _cells(kb, "taliban", "KZ")
    assert cells["2005-03-15"]["status"] == "listed"
    assert cells["2023-12-29"] == {
        "status": "ended",
        "text": "ended 2023-12-28 (KZ.courts)",
        "list": "KZ.courts",
        "instrument": cells["2023-12-29"]["instrument"],
    }
    # still "ended" when a later row exists for another jurisdiction's change
    assert cells["2025-04-17"]["text"] == "ended 2023-12-28 (KZ.courts)"


def test_a_list_never_used_for_the_organisation_still_reads_as_not_recorded(
    kb: KnowledgeBase,
) -> None:
    cells = _cells(kb, "taliban", "RU")
    assert cells["2003-02-14"]["status"] == "listed"
    first_kz_row = _cells(kb, "taliban", "KZ")["2003-02-14"]
    assert first_kz_row == {"status": "not_recorded", "text": "not yet listed"}


@pytest.mark.parametrize(
    ("typed", "wrong"),
    [
        ("The Base", "al-qaida"),  # also the name of a different group, proscribed in 2021
        ("Ülkü Ocakları", "boz-gurd"),  # not read as a name of the group Kazakhstan banned
        ("Hikari no Wa", "aum-shinrikyo"),  # another group's name
    ],
)
def test_a_name_of_another_group_does_not_find_a_registered_organisation(
    kb: KnowledgeBase, typed: str, wrong: str
) -> None:
    assert wrong not in [o.id for o in kb.register.search(typed)]


def test_the_eu_listing_of_hezbollahs_military_wing_starts_on_its_publication(
    kb: KnowledgeBase,
) -> None:
    wing = kb.register.organisations["hezbollah-military-wing"]
    assert wing.in_force("EU", date(2013, 7, 25)) is None
    listed = wing.in_force("EU", date(2013, 7, 26))
    assert listed is not None and listed.list.id == "EU.CP931"


def test_the_lebanese_brotherhood_is_an_fto_from_the_federal_register_publication(
    kb: KnowledgeBase,
) -> None:
    org = kb.register.organisations["lebanese-muslim-brotherhood"]
    fto = [d for d in org.designations if d.list.id == "US.FTO"]
    assert [(d.start.isoformat(), d.confidence) for d in fto] == [("2026-01-14", "medium")]
