"""The worklist's deadline column and sort, and dates in the installation's time zone
(issue 16 item 5)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from comity.core.db import session_scope, utcnow
from comity.core.settings import Settings
from comity.tracking.models import Dispatch, TrackedRequest
from tests.web.conftest import LOCAL, TestClient, log_in
from tests.web.test_workflow_pages import _item


def _waiting(engine: Engine, item_id: int, due: datetime, decision: str | None = None) -> None:
    """A dispatched request for the item, answered or not, as tracking stores it."""
    with session_scope(engine) as session:
        dispatch = Dispatch(
            dossier_ref=f"REF-{item_id}",
            channel="provider_referral",
            host_country="DE",
            addressee="provider:Example GmbH",
            sent_on=date(2026, 12, 1),
            recorded_by="leo",
        )
        session.add(dispatch)
        session.flush()
        session.add(
            TrackedRequest(dispatch_id=dispatch.id, item_id=item_id, due_at=due, decision=decision)
        )


def _rows(html: str) -> list[int]:
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return [int(part.split('"', 1)[0]) for part in body.split('<td><a href="/items/')[1:]]


def test_the_worklist_sorts_by_the_nearest_open_deadline_and_shows_it(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    now = utcnow()
    later, overdue, answered, none = (
        _item(engine, f"https://due.example/{n}") for n in ("later", "overdue", "answered", "none")
    )
    _waiting(engine, later, now + timedelta(days=5, hours=1))
    _waiting(engine, overdue, now - timedelta(days=2))
    _waiting(engine, answered, now - timedelta(days=9), decision="removed")
    with TestClient(app, base_url=LOCAL) as client:
        client.cookies.set("comity_lang", "ru")
        log_in(client, "alice")
        default = client.get("/items").text
        assert _rows(default) == [none, answered, overdue, later]  # newest first
        assert "Ближайший срок</a></th>" in default
        assert '<span class="due">(через 5 дн.)</span>' in default
        assert '<span class="due late">(просрочено на 2 дн.)</span>' in default
        by_due = client.get("/items?sort=deadline").text
        assert _rows(by_due) == [overdue, later]  # waiting items only, overdue first
        assert 'aria-sort="ascending"' in by_due
        assert 'name="sort" value="deadline"' in by_due  # filters keep the order
        assert client.get("/items?sort=oldest").status_code == 400


def test_dates_are_shown_in_the_installations_time_zone_with_the_zone_named(
    almaty: FastAPI, engine: Engine, passwords: str
) -> None:
    item_id = _item(engine, "https://tz.example/a")
    _waiting(engine, item_id, datetime(2030, 1, 2, 20, 30, tzinfo=UTC))
    with TestClient(almaty, base_url=LOCAL) as client:
        log_in(client, "alice")
        html = client.get("/items").text
    # 20:30 UTC is 01:30 the next day in Almaty (UTC+5)
    assert '<time datetime="2030-01-02T20:30:00+00:00">3 Jan 2030, 01:30 UTC+05</time>' in html


def test_an_unknown_time_zone_setting_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'Mars/Olympus' is not an IANA time zone"):
        Settings(time_zone="Mars/Olympus")
