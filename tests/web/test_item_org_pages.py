"""The assess form carries the item's organisation; an unknown id is refused on the page."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine, select

from comity.core.audit import AuditEvent
from comity.core.db import read_session
from comity.intake.models import Item
from tests.cases.conftest import attribute_directly, make_item
from tests.web.conftest import LOCAL, TestClient, log_in


def _attributed_item(engine: Engine) -> int:
    item_id = make_item(engine, "https://ht.example/leaflet", "extremism.banned_organisation")
    attribute_directly(engine, item_id, "GB")
    return item_id


def test_the_assess_form_offers_the_register_and_records_the_choice(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    item_id = _attributed_item(engine)
    with TestClient(app, base_url=LOCAL) as client:
        csrf = log_in(client, "alice")
        page = client.get(f"/items/{item_id}/actions")
        assert 'name="org"' in page.text and 'value="hizb-ut-tahrir"' in page.text
        done = client.post(
            f"/items/{item_id}/assess",
            data={"csrf_token": csrf, "org": "hizb-ut-tahrir", "fact_intent": "true"},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        again = client.get(f"/items/{item_id}/actions")
        assert 'value="hizb-ut-tahrir" selected' in again.text
        shown = client.get(f"/items/{item_id}")
        assert "<code>hizb-ut-tahrir</code>" in shown.text
    with read_session(engine) as session:
        assert session.get_one(Item, item_id).org_id == "hizb-ut-tahrir"
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == str(item_id))
        ).all()
        assert "item.org" in actions


def test_an_unknown_organisation_on_the_form_is_refused_naming_the_closest(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    item_id = _attributed_item(engine)
    with TestClient(app, base_url=LOCAL) as client:
        csrf = log_in(client, "alice")
        refused = client.post(
            f"/items/{item_id}/assess",
            data={"csrf_token": csrf, "org": "hizb-ut-tahrirr"},
            follow_redirects=False,
        )
        assert refused.status_code == 400
        assert "hizb-ut-tahrir" in refused.text
    with read_session(engine) as session:
        assert session.get_one(Item, item_id).org_id is None
