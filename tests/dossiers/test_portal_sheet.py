"""The portal submission sheet: the form's questions in order, filled or marked, golden text."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tests.dossiers.conftest import CT_CENTRE, build_dossier

from comity.core.errors import BadInput
from comity.dossiers.render import dossier_schema, formats_for, render_json, render_sheet
from comity.dossiers.schemas import Dossier, Party, PortalField, PortalRoute

GOLDEN = Path(__file__).parent / "golden"
FORM = PortalRoute(
    platform="ExampleTube",
    operator="ExampleTube LLC",
    name="Government removal request form",
    url="https://exampletube.example/legal/government",
    source="https://exampletube.example/legal/government",
    checked=date(2026, 12, 5),
    confidence="medium",
    fields=(
        PortalField("Name of the requesting agency", "agency"),
        PortalField("Badge number of the officer"),
        PortalField("URLs (one per line)", "urls"),
        PortalField("Which policy does it violate?", "policy"),
        PortalField("Laws violated", "laws"),
        PortalField("Your reference", "reference"),
    ),
    fields_complete=True,
    languages=("en",),
    policy_name="Violent extremist organizations policy",
    policy_url="https://exampletube.example/policies/veo",
)


def portal_dossier(language: str = "en", **changes: Any) -> Dossier:
    platform = Party(name="ExampleTube", country="US", role="provider")
    fields: dict[str, Any] = {
        "kind": "portal_referral",
        "channel": "provider_referral",
        "language": language,
        "sender": CT_CENTRE,
        "addressee": platform,
        "portal": FORM,
        "reference": "KZ-CTC/2026/000042",
        "date": date(2026, 12, 5),
    }
    fields.update(changes)
    base = build_dossier(kind="provider_referral", language=language)
    return Dossier(**{**{f: getattr(base, f) for f in ("items",)}, **fields})


def sheet(dossier: Dossier) -> list[str]:
    return render_sheet(dossier).decode().split("\n")


def test_every_question_of_the_form_comes_in_its_order_filled_or_marked_to_fill() -> None:
    lines = sheet(portal_dossier())
    form = lines[: next(n for n, line in enumerate(lines) if line.startswith("URLs ("))]
    questions = [line for line in form if line[:2].rstrip(".").isdigit() and ". " in line[:4]]
    assert questions == [
        "1. Name of the requesting agency",
        "2. Badge number of the officer",
        "3. URLs (one per line)",
        "4. Which policy does it violate?",
        "5. Laws violated",
        "6. Your reference",
    ]
    at = lines.index("2. Badge number of the officer")
    assert lines[at + 1] == "   [to fill]"  # the case cannot know it: never guessed
    at = lines.index("3. URLs (one per line)")
    assert lines[at + 1 : at + 3] == [
        "   https://extremist.example/post/1",
        "   https://forum.example/t/22?p=3",
    ]
    assert lines[lines.index("6. Your reference") + 1] == "   KZ-CTC/2026/000042"


def test_a_form_whose_questions_were_not_read_gets_the_facts_never_invented_questions() -> None:
    unread = PortalRoute(
        **{
            **{f: getattr(FORM, f) for f in FORM.__slots__},
            "fields": None,
            "fields_complete": False,
        }
    )
    text = render_sheet(portal_dossier(portal=unread)).decode()
    assert "The form's questions were not read." in text
    assert "Badge number" not in text
    assert "1. Requesting agency\n   Anti-Terrorist Centre of the Republic of Kazakhstan" in text
    assert "Only the first questions of the form were read" not in text


def test_a_partly_read_form_says_the_rest_is_answered_as_the_portal_asks() -> None:
    partial = PortalRoute(
        **{**{f: getattr(FORM, f) for f in FORM.__slots__}, "fields_complete": False}
    )
    assert (
        "Only the first questions of the form were read"
        in render_sheet(portal_dossier(portal=partial)).decode()
    )


def test_a_draft_sheet_says_draft_and_carries_no_number() -> None:
    text = render_sheet(portal_dossier(reference="DRAFT", draft=True)).decode()
    assert text.splitlines()[1].startswith("DRAFT: not issued")


def test_a_portal_referral_is_issued_as_sheet_csv_and_json_and_the_json_validates() -> None:
    dossier = portal_dossier()
    assert set(formats_for(dossier)) == {"sheet.txt", "csv", "json"}
    record = json.loads(render_json(dossier))
    jsonschema.validate(record, dossier_schema(), cls=jsonschema.Draft202012Validator)
    assert [f["fills"] for f in record["portal"]["fields"]][:2] == ["agency", None]


def test_the_kind_and_the_form_go_together() -> None:
    with pytest.raises(BadInput, match="portal"):
        portal_dossier(portal=None)
    with pytest.raises(BadInput, match="portal"):
        build_dossier(kind="provider_referral", portal=FORM)


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_the_sheet_reads_as_reviewed(language: str) -> None:
    """Golden text: a change to the sheet's wording or layout shows up here for review."""
    golden = GOLDEN / f"portal_referral.{language}.txt"
    assert render_sheet(portal_dossier(language)).decode() == golden.read_text(encoding="utf-8")
