"""A note verbale and a letter of request, built and issued from approved proposals."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine
from test_service import Pipeline

from comity.core.settings import Settings, override_settings


@pytest.fixture
def pipe(engine: Engine, staff: dict[str, str]) -> Pipeline:
    return Pipeline(engine)


def test_an_mla_request_becomes_a_letter_between_central_authorities(pipe: Pipeline) -> None:
    facts = {"public": "true", "intent": "true", "knowledge_of_use": "true"}
    pipe.approved(
        "https://us.example/1",
        host="US",
        channel="mla_request",
        conduct="terrorism.financing",
        facts=facts,
    )
    result = pipe.build()
    assert result.refused == []
    [draft] = result.created
    assert (draft.kind, draft.addressee_key) == ("letter_of_request", "US.DOJ.OIA")
    assert draft.addressee["treaty"] == "KZ-US.MLAT.2015"
    issued = pipe.issue(draft.id)
    record = json.loads(pipe.export(issued.id, "json", "en"))
    assert record["sender"]["name"] == "Prosecutor General's Office of the Republic of Kazakhstan"
    assert record["treaty"]["id"] == "KZ-US.MLAT.2015"
    assert record["treaty"]["assistance_article"] == "art. 1"
    assert record["treaty"]["contents_from"] in {"KZ-US.MLAT.2015", "UN.UNTOC.2000"}
    assert record["seal"]["seal"].startswith("Prosecutor General's Office")
    assert record["competent_authority"]["email"] == "liaison@atc.example"


def test_a_note_verbale_goes_from_the_ministry_to_the_ministry(pipe: Pipeline) -> None:
    pipe.approved("https://de.example/1")
    [draft] = pipe.build().created
    assert (draft.kind, draft.addressee_key) == ("note_verbale", "DE.AA")
    issued = pipe.issue(draft.id)
    record = json.loads(pipe.export(issued.id, "json", "ru"))
    assert record["sender"]["name"] == "Министерство иностранных дел Республики Казахстан"
    assert record["seal"]["place"] == "Астана"


def test_a_note_through_the_hosts_embassy_is_addressed_to_it(
    pipe: Pipeline, settings: Settings
) -> None:
    pipe.approved("https://de.example/1")
    with override_settings(settings.model_copy(update={"note_via": "host_embassy"})):
        [draft] = pipe.build().created
    assert draft.addressee_key == "DE.embassy"
    assert (
        draft.addressee["names"]["en"]["name"]
        == "Embassy of the Federal Republic of Germany in Astana"
    )


def test_a_note_through_our_embassy_names_it(pipe: Pipeline, settings: Settings) -> None:
    pipe.approved("https://de.example/1")
    with override_settings(settings.model_copy(update={"note_via": "own_embassy"})):
        [draft] = pipe.build().created
        issued = pipe.issue(draft.id)
    assert draft.addressee_key == "DE.AA"
    record = json.loads(pipe.export(issued.id, "json", "kk"))
    assert record["transmitted_via"]["name"] == (
        "Қазақстан Республикасының Германия Федеративтік Республикасындағы Елшілігі"
    )


def test_no_draft_is_built_while_the_seal_setting_is_missing(
    pipe: Pipeline, settings: Settings
) -> None:
    pipe.approved("https://de.example/1")
    with override_settings(settings.model_copy(update={"sender_seal": ""})):
        result = pipe.build()
    assert result.created == []
    [refused] = result.refused
    assert "COMITY_SENDER_SEAL" in refused["reason"]


@pytest.mark.parametrize("via", ["host_embassy", "own_embassy"])
def test_an_embassy_route_for_an_unlisted_host_is_refused_by_name(
    pipe: Pipeline, settings: Settings, via: str
) -> None:
    pipe.approved("https://nl.example/1", host="NL")
    with override_settings(settings.model_copy(update={"note_via": via})):
        result = pipe.build()
    assert result.created == []
    assert "parties.yaml names no embassy for NL" in result.refused[0]["reason"]
