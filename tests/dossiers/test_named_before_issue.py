"""Bad input is named before anything is numbered or rendered: never a half-made dossier.

A missing sender setting (at build, and at issue when it went missing after
the draft was built), an addressee whose language the knowledge base does not
know: each is refused with the name of what is missing, the draft stays a
draft, no reference number is used and no file is written. (A platform
without a route: test_portal_referral.)
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Engine, func, select
from test_service import Pipeline

from comity.core.db import read_session
from comity.core.errors import Refused
from comity.core.settings import Settings, override_settings
from comity.dossiers import build
from comity.dossiers.models import DossierFile, DossierRecord
from comity.law.kb.loader import load_kb

# Each setting a signed document needs, the kind that needs it, and the name the refusal gives.
SETTINGS = [
    ("note", {"sender_seal": ""}, "COMITY_SENDER_SEAL"),
    ("note", {"sender_initials": " "}, "COMITY_SENDER_INITIALS"),
    (
        "note",
        {"sender_contact_email": "", "sender_contact_phone": ""},
        "COMITY_SENDER_CONTACT_EMAIL or COMITY_SENDER_CONTACT_PHONE",
    ),
    ("letter", {"central_authority_seal": ""}, "COMITY_CENTRAL_AUTHORITY_SEAL"),
    ("letter", {"central_authority_initials": ""}, "COMITY_CENTRAL_AUTHORITY_INITIALS"),
]
IDS = [name.split(" ")[0] for _, _, name in SETTINGS]


@pytest.fixture
def pipe(engine: Engine, staff: dict[str, str]) -> Pipeline:
    return Pipeline(engine)


def _approve(pipe: Pipeline, kind: str) -> None:
    if kind == "note":
        pipe.approved("https://de.example/1")
    else:
        pipe.approved(
            "https://us.example/1",
            host="US",
            channel="mla_request",
            conduct="terrorism.financing",
            facts={"public": "true", "intent": "true", "knowledge_of_use": "true"},
        )


def _nothing_written(engine: Engine) -> None:
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(DossierFile)) == 0
        for record in session.scalars(select(DossierRecord)):
            assert (record.state, record.reference) == ("draft", None)


@pytest.mark.parametrize(("kind", "unset", "named"), SETTINGS, ids=IDS)
def test_a_missing_sender_setting_refuses_the_draft_at_build_by_its_name(
    pipe: Pipeline, settings: Settings, engine: Engine, kind: str, unset: dict[str, str], named: str
) -> None:
    _approve(pipe, kind)
    with override_settings(settings.model_copy(update=unset)):
        result = pipe.build()
    assert result.created == []
    [refused] = result.refused
    assert named in refused["reason"]
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(DossierRecord)) == 0


@pytest.mark.parametrize(("kind", "unset", "named"), SETTINGS, ids=IDS)
def test_a_setting_gone_missing_after_the_draft_is_named_at_issue_and_no_number_is_used(
    pipe: Pipeline, settings: Settings, engine: Engine, kind: str, unset: dict[str, str], named: str
) -> None:
    _approve(pipe, kind)
    [draft] = pipe.build().created
    with override_settings(settings.model_copy(update=unset)), pytest.raises(Refused) as refused:
        pipe.issue(draft.id)
    assert named in refused.value.message
    _nothing_written(engine)
    # Set again, the same draft issues under the first number: none was consumed.
    issued = pipe.issue(draft.id)
    assert issued.reference is not None and issued.reference.endswith("/000001")


def test_an_addressee_whose_language_the_knowledge_base_does_not_know_is_named() -> None:
    kb = load_kb()
    germany = kb.jurisdictions["DE"]
    silent = {key: replace(a, languages=()) for key, a in germany.authorities.items()}
    germany = replace(germany, languages=(), authorities=silent)
    kb = replace(kb, jurisdictions={**kb.jurisdictions, "DE": germany})
    with pytest.raises(Refused) as refused:
        build.addressee_for(
            kb=kb,
            requesting="KZ",
            channel="diplomatic_request",
            host="DE",
            assessment={},
            attribution=None,
        )
    message = refused.value.message
    assert "(DE) reads no language recorded in the knowledge base" in message
    assert "record in the knowledge base a language the authority accepts" in message
