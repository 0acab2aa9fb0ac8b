"""A user's own time zone in the browser (issue 16 item 5): the settings page behind the
user's name in the navigation bar, and every page's dates in the zone chosen there."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from httpx import Response
from sqlalchemy import Engine, select

from comity.core.audit import AuditEvent
from comity.core.db import read_session
from comity.users.models import User
from tests.web.conftest import LOCAL, TestClient, csrf_of, log_in
from tests.web.test_words_not_codes import visible_text
from tests.web.test_workflow_pages import _item
from tests.web.test_worklist_deadlines import _waiting

# A fixed instant: 20:30 UTC is 01:30 the next day in Almaty (UTC+05 since 2024-03-01).
DUE = datetime(2030, 1, 2, 20, 30, tzinfo=UTC)
IN_ALMATY = '<time datetime="2030-01-02T20:30:00+00:00">3 Jan 2030, 01:30 UTC+05</time>'
IN_UTC = '<time datetime="2030-01-02T20:30:00+00:00">2 Jan 2030, 20:30 UTC</time>'


def _zone(engine: Engine, name: str) -> str | None:
    with read_session(engine) as session:
        return session.scalar(select(User.time_zone).where(User.name == name))


def _choose(client: TestClient, zone: str, *, csrf: str | None = None) -> Response:
    token = csrf if csrf is not None else csrf_of(client.get("/account").text)
    return client.post(
        "/account/time-zone",
        data={"time_zone": zone, "csrf_token": token},
        follow_redirects=False,
    )


def _selected(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)"(?: lang="en")? selected>', html)


def test_the_page_behind_the_users_name_sets_the_zone_with_a_confirmation(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    with TestClient(app, base_url=LOCAL) as client:
        log_in(client, "alice")
        items = client.get("/items").text
        assert re.search(r'<a class="who" href="/account" title="Account settings">alice', items)
        page = client.get("/account").text
        assert '<label for="f-time_zone">Time zone' in page
        assert 'aria-describedby="time-zone-hint"' in page
        first = re.search(r'id="f-time_zone"[^>]*>\s*<option value="([^"]*)"[^>]*>([^<]*)<', page)
        assert first and first.groups() == ("", "installation default (UTC)")
        assert _selected(page) == [""]
        assert '<option value="Asia/Almaty" lang="en">Asia/Almaty (UTC+05:00)</option>' in page
        assert (
            '<option value="America/Port_of_Spain" lang="en">America/Port of Spain (UTC-04:00)'
            in page
        )
        assert 'aria-current="page">alice' in page  # the name marks where one is

        done = _choose(client, "Asia/Almaty")
        assert done.status_code == 303 and done.headers["location"] == "/account"
        page = client.get("/account").text
        assert "Time zone saved: dates are now shown in Asia/Almaty." in page
        assert _selected(page) == ["Asia/Almaty"]
        assert re.search(r"Time now: <time datetime=\"[^\"]+\">[^<]+ UTC\+05</time>", page)
        assert "Time zone saved" not in client.get("/account").text  # shown once
        assert _zone(engine, "alice") == "Asia/Almaty"

        assert _choose(client, "").status_code == 303
        page = client.get("/account").text
        assert "Time zone reset: dates are shown in the installation&#39;s zone (UTC)." in page
        assert _selected(page) == [""] and _zone(engine, "alice") is None
    with read_session(engine) as session:
        actions = session.scalars(
            select(AuditEvent.data).where(AuditEvent.action == "user.time_zone")
        ).all()
    assert [a["time_zone"] for a in actions] == ["Asia/Almaty", None]


def test_without_the_csrf_token_nothing_changes(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    with TestClient(app, base_url=LOCAL) as client:
        log_in(client, "alice")
        assert _choose(client, "Asia/Almaty", csrf="forged").status_code == 403
        anonymous = TestClient(app, base_url=LOCAL)
        refused = anonymous.post("/account/time-zone", data={"time_zone": "Asia/Almaty"})
        assert refused.url.path == "/login"  # redirected to log in
    assert _zone(engine, "alice") is None


@pytest.mark.parametrize(
    ("lang", "named"),
    [
        ("ru", "Часовой пояс: это значение нельзя использовать."),
        ("kk", "Уақыт белдеуі: бұл мәнді пайдалануға болмайды."),
    ],
)
def test_a_bad_zone_keeps_the_form_and_names_the_field_in_the_pages_language(
    app: FastAPI, engine: Engine, passwords: str, lang: str, named: str
) -> None:
    with TestClient(app, base_url=LOCAL) as client:
        client.cookies.set("comity_lang", lang)
        log_in(client, "alice")
        _choose(client, "Europe/Berlin")
        refused = _choose(client, "../../etc/passwd")
        assert refused.status_code == 400
        html = refused.text
        assert f'<a href="#f-time_zone">{named}</a>' in html
        assert "is not an IANA time zone" in html  # the service's detail, marked English
        assert re.search(r'<select id="f-time_zone"[^>]* aria-invalid="true"', html)
        assert _selected(html) == ["../../etc/passwd"]  # what was chosen is kept
        text = visible_text(html, lang)
        assert "Time zone" not in text and "installation default" not in text
    assert _zone(engine, "alice") == "Europe/Berlin"  # unchanged


def test_the_same_instant_in_each_readers_own_zone(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    item_id = _item(engine, "https://tz.example/own")
    _waiting(engine, item_id, DUE)
    with TestClient(app, base_url=LOCAL) as alice, TestClient(app, base_url=LOCAL) as sam:
        log_in(alice, "alice")
        log_in(sam, "sam")
        assert _choose(alice, "Asia/Almaty").status_code == 303
        for path in ("/items", f"/items/{item_id}"):
            assert IN_ALMATY in alice.get(path).text, path
            assert IN_UTC in sam.get(path).text, path  # sam chose nothing: the installation's
        # The API stays in UTC, ISO 8601, whoever asks.
        api = alice.get(f"/api/v1/items/{item_id}").json()
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)", api["created_at"])


def test_a_users_zone_wins_over_the_installations(
    almaty: FastAPI, engine: Engine, passwords: str
) -> None:
    item_id = _item(engine, "https://tz.example/installation")
    _waiting(engine, item_id, DUE)
    with TestClient(almaty, base_url=LOCAL) as client:
        log_in(client, "alice")
        assert IN_ALMATY in client.get("/items").text
        assert "installation default (Asia/Almaty)" in client.get("/account").text
        _choose(client, "UTC")
        assert IN_UTC in client.get("/items").text
