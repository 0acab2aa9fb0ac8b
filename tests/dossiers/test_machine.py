"""JSON record against its schema; CSV annex one row per item."""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import pytest

from comity.dossiers.render import dossier_schema, render_csv, render_json
from conftest import build_dossier

KINDS = ["note_verbale", "eu_removal_order", "eu_coordinator", "provider_referral"]


@pytest.mark.parametrize("kind", KINDS)
def test_json_output_is_valid_against_the_schema(kind: str) -> None:
    urls = ["https://a.example/1", "https://b.example/<2>&x"]
    countries = ["DE", "NL"] if kind == "eu_coordinator" else None
    record = json.loads(render_json(build_dossier(kind=kind, urls=urls, countries=countries)))
    jsonschema.Draft202012Validator.check_schema(dossier_schema())
    jsonschema.validate(record, dossier_schema(), cls=jsonschema.Draft202012Validator)
    assert [i["url"] for i in record["items"]] == urls


def test_the_schema_rejects_a_record_with_a_broken_hash() -> None:
    record = json.loads(render_json(build_dossier()))
    record["items"][0]["evidence_sha256"] = "xyz"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(record, dossier_schema())


def test_coordinator_record_groups_items_by_member_state() -> None:
    dossier = build_dossier(
        kind="eu_coordinator",
        urls=["https://a.example/1", "https://b.example/2", "https://c.example/3"],
        countries=["NL", "DE", "NL"],
    )
    groups = json.loads(render_json(dossier))["groups"]
    assert [(g["country"], g["item_numbers"]) for g in groups] == [("DE", [2]), ("NL", [1, 3])]
    assert groups[1]["host_provisions"][0]["id"] == "NL.Sr.131"


def test_csv_has_one_row_per_item_with_url_and_hash_intact() -> None:
    urls = ['https://a.example/a,b"c', "https://x.example/2;q=1"]
    dossier = build_dossier(urls=urls)
    rows = list(csv.DictReader(io.StringIO(render_csv(dossier).decode())))
    assert [r["url"] for r in rows] == urls
    assert [r["evidence_sha256"] for r in rows] == [i.evidence_sha256 for i in dossier.items]
    assert rows[0]["host_provision_citation"] == "Strafgesetzbuch (StGB) § 111 Abs. 1"


def test_a_formula_in_a_provider_name_is_not_run_by_a_spreadsheet() -> None:
    import dataclasses

    dossier = build_dossier()
    item = dossier.items[0]
    evil = dataclasses.replace(item.hosting, provider='=HYPERLINK("http://x")')
    dossier = dataclasses.replace(dossier, items=(dataclasses.replace(item, hosting=evil),))
    row = next(csv.DictReader(io.StringIO(render_csv(dossier).decode())))
    assert row["provider"] == '\'=HYPERLINK("http://x")'


def test_json_and_csv_are_deterministic() -> None:
    assert render_json(build_dossier()) == render_json(build_dossier())
    assert render_csv(build_dossier()) == render_csv(build_dossier())
