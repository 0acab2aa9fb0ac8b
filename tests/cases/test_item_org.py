"""An item carries its organisation: set on intake, propose and assess, audited, checked."""

from __future__ import annotations

import json
from typing import Any

import pytest
import typer
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from comity.cases.cli import register as register_cases
from comity.core.audit import AuditEvent
from comity.core.db import read_session, session_scope
from comity.intake.cli import register as register_intake
from comity.intake.models import Item
from comity.law.models import StoredAssessment
from comity.law.store import assess_item
from tests.cases.conftest import (
    GOOD_FACTS,
    add_evidence,
    attribute_directly,
    make_item,
    make_proposal,
)

runner = CliRunner()


@pytest.fixture
def app() -> typer.Typer:
    cli = typer.Typer()
    register_intake(cli)
    register_cases(cli)
    return cli


def _run(app: typer.Typer, *args: str, code: int = 0) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return json.loads(result.stdout) if code == 0 and "--json" in args else result


def _org_events(engine: Engine, item_id: int) -> list[dict[str, Any]]:
    with read_session(engine) as session:
        rows = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "item.org", AuditEvent.object_id == str(item_id)
            )
        )
        return [dict(r.data or {}) | {"actor": r.actor} for r in rows]


def _org_of(engine: Engine, item_id: int) -> str | None:
    with read_session(engine) as session:
        return session.get_one(Item, item_id).org_id


def test_intake_add_records_the_organisation_and_audits_it(
    app: typer.Typer, engine: Engine, staff: dict[str, str]
) -> None:
    data = _run(
        app,
        "intake",
        "add",
        "https://ht.example/leaflet",
        "--conduct",
        "extremism.banned_organisation",
        "--org",
        "hizb-ut-tahrir",
        "--by",
        "alice",
        "--json",
    )
    assert data["org_id"] == "hizb-ut-tahrir"
    assert _org_events(engine, data["id"]) == [
        {"from": None, "to": "hizb-ut-tahrir", "actor": "alice"}
    ]


def test_an_unknown_organisation_is_refused_with_the_closest_names_and_nothing_written(
    app: typer.Typer, engine: Engine, staff: dict[str, str]
) -> None:
    result = _run(
        app,
        "intake",
        "add",
        "https://ht.example/other",
        "--conduct",
        "extremism.banned_organisation",
        "--org",
        "hizb-ut-tahrirr",
        "--by",
        "alice",
        code=2,
    )
    assert "did you mean hizb-ut-tahrir" in result.output
    with read_session(engine) as session:
        assert session.scalars(select(Item)).all() == []


def test_propose_with_org_assesses_with_the_register_and_keeps_it_on_the_item(
    engine: Engine, staff: dict[str, str]
) -> None:
    item_id = make_item(engine, conduct="extremism.banned_organisation")
    add_evidence(engine, item_id)
    pid = make_proposal(engine, item_id, host="DE", org="hizb-ut-tahrir", facts=GOOD_FACTS)
    with read_session(engine) as session:
        from comity.cases.models import Proposal

        proposal = session.get_one(Proposal, pid)
        org = proposal.assessment["organisation"]
    assert org["id"] == "hizb-ut-tahrir"
    assert org["designated_in_host"]["designation"]["list"] == "DE.vereinsverbote"
    assert org["designated_in_requesting"]["designation"]["list"] == "KZ.courts"
    assert _org_of(engine, item_id) == "hizb-ut-tahrir"
    # a second proposal without --org uses the item's organisation
    again = make_proposal(engine, item_id, host="GB", facts=GOOD_FACTS)
    with read_session(engine) as session:
        from comity.cases.models import Proposal

        assert session.get_one(Proposal, again).assessment["organisation"]["id"] == (
            "hizb-ut-tahrir"
        )
    assert len(_org_events(engine, item_id)) == 1


def test_propose_cli_takes_org(app: typer.Typer, engine: Engine, staff: dict[str, str]) -> None:
    item_id = make_item(engine, conduct="extremism.banned_organisation")
    add_evidence(engine, item_id)
    data = _run(
        app,
        "propose",
        str(item_id),
        "--host",
        "DE",
        "--channel",
        "provider_referral",
        "--note",
        "one URL",
        "--fact",
        "public=true",
        "--org",
        "hamas",
        "--by",
        "alice",
        "--json",
    )
    assert data["assessment"]["organisation"]["id"] == "hamas"
    bad = _run(
        app,
        "propose",
        str(item_id),
        "--host",
        "DE",
        "--channel",
        "provider_referral",
        "--note",
        "x",
        "--org",
        "hammas",
        "--by",
        "alice",
        code=2,
    )
    assert "hamas" in bad.output


def test_assess_item_with_org_stores_the_designations_used(
    engine: Engine, staff: dict[str, str]
) -> None:
    item_id = make_item(engine, conduct="extremism.banned_organisation")
    attribute_directly(engine, item_id, "GB")
    with session_scope(engine) as session:
        stored = assess_item(
            session=session,
            item_id=item_id,
            facts={"intent": "true"},
            actor="rita",
            org="hizb-ut-tahrir",
        )
        result = stored[0].result
    assert result["organisation"]["designated_in_host"]["designation"]["list"] == "GB.proscribed"
    assert _org_of(engine, item_id) == "hizb-ut-tahrir"
    assert _org_events(engine, item_id)[0]["actor"] == "rita"
    with read_session(engine) as session:
        rows = session.scalars(select(StoredAssessment)).all()
        assert [r.result["organisation"]["id"] for r in rows] == ["hizb-ut-tahrir"]
