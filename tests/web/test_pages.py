"""Pages: the worklist, item, intake and law pages, languages, and the CLI commands."""

from __future__ import annotations

import json
import re

import typer
from fastapi import FastAPI
from sqlalchemy import Engine, select, update
from typer.testing import CliRunner

from comity.core.audit import AuditEvent
from comity.core.db import session_scope
from comity.intake.models import Item
from comity.web import cli as web_cli
from comity.web.i18n import LANGUAGES, catalog, pick_language
from comity.web.models import ApiToken
from tests.web.conftest import TestClient, csrf_of, log_in


def _report(client: TestClient, csrf: str, url: str, conduct: str = "terrorism.threat") -> int:
    response = client.post(
        "/intake",
        data={"url": url, "conduct": conduct, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_anonymous_visitor_is_sent_to_the_login_page_and_back(
    client: TestClient, passwords: str
) -> None:
    response = client.get("/items?state=reported", follow_redirects=False)
    assert response.headers["location"] == "/login?next=/items%3Fstate%3Dreported"
    page = client.get(response.headers["location"])
    assert 'name="next" value="/items?state=reported"' in page.text


def test_wrong_password_shows_one_message_that_does_not_say_which_part(
    client: TestClient, passwords: str
) -> None:
    for name in ("alice", "nobody"):
        token = csrf_of(client.get("/login").text)  # each form carries a fresh token
        response = client.post(
            "/login", data={"username": name, "password": "x" * 12, "csrf_token": token}
        )
        assert response.status_code == 401
        assert "Wrong user name or password." in response.text


def test_worklist_shows_items_threat_to_life_first_and_filters(
    client: TestClient, passwords: str, engine: Engine
) -> None:
    csrf = log_in(client, "alice")
    first = _report(client, csrf, "https://first.example/a")
    second = _report(client, csrf, "https://second.example/b", "terrorism.recruitment")
    with session_scope(engine) as session:
        session.execute(update(Item).where(Item.id == first).values(priority="threat_to_life"))
    page = client.get("/items").text
    assert page.index("first.example") < page.index("second.example")
    assert 'class="urgent"' in page
    assert "Items: 2 · page 1 of 1" in page
    filtered = client.get("/items", params={"conduct": "terrorism.recruitment"}).text
    assert "second.example" in filtered and "first.example" not in filtered
    assert f'href="/items/{second}"' in filtered
    empty = client.get("/items", params={"q": "nothing-like-this"}).text
    assert "No items match these filters." in empty


def test_worklist_with_a_bad_filter_explains_instead_of_failing(
    client: TestClient, passwords: str
) -> None:
    log_in(client, "alice")
    response = client.get("/items", params={"min_age_days": "soon"})
    assert response.status_code == 400
    assert "min_age_days: &#39;soon&#39; is not a whole number" in response.text


def test_item_page_shows_fields_reports_and_history(client: TestClient, passwords: str) -> None:
    csrf = log_in(client, "alice")
    item_id = _report(client, csrf, "https://item.example/page")
    page = client.get(f"/items/{item_id}").text
    assert "https://item.example/page" in page
    assert "item.create" in page and "report.add" in page
    assert "Evidence" in page and "Nothing recorded yet." in page
    assert client.get("/items/999").status_code == 404


def test_intake_form_with_a_bad_url_keeps_the_input_and_says_why(
    client: TestClient, passwords: str
) -> None:
    csrf = log_in(client, "alice")
    response = client.post(
        "/intake",
        data={"url": "ftp://x.example/", "conduct": "terrorism.threat", "csrf_token": csrf},
    )
    assert response.status_code == 400
    assert 'value="ftp://x.example/"' in response.text
    assert '<a href="#f-url">URL: this value cannot be used.</a>' in response.text


def test_csv_upload_page_lists_the_bad_rows(client: TestClient, passwords: str) -> None:
    csrf = log_in(client, "alice")
    csv = "url,conduct\nhttps://ok.example/,terrorism.threat\n,terrorism.threat\n"
    response = client.post(
        "/intake/import",
        files={"file": ("reports.csv", csv.encode(), "text/csv")},
        data={"csrf_token": csrf},
    )
    assert response.status_code == 200
    assert "2 rows: 1 valid, 1 with errors; 1 new items" in response.text
    assert re.search(r'<td class="num">3</td><td>[^<]*url', response.text)


def test_navigation_follows_the_role(client: TestClient, passwords: str) -> None:
    log_in(client, "aud")
    page = client.get("/items").text
    assert 'href="/law"' in page and 'href="/intake"' not in page
    assert client.get("/intake").status_code == 403


def test_law_browser_pages(client: TestClient, passwords: str) -> None:
    log_in(client, "rita")
    index = client.get("/law").text
    assert 'href="/law/KZ"' in index and "Kazakhstan" in index
    kz = client.get("/law/KZ").text
    assert '<h1><span class="code-label" title="KZ">Kazakhstan</span></h1>' in kz
    table = client.get("/law/compare", params={"requesting": "KZ", "other": ["DE"]}).text
    assert '<th><span class="code-label" title="DE">Germany</span></th>' in table
    assert "terrorism.incitement" in table
    assert client.get("/law/ZZ").status_code == 404
    tr = client.get(
        "/law/compare", params={"requesting": "KZ", "other": ["TR"], "on": "2024-05-01"}
    ).text
    assert "Treaties with Kazakhstan in force on 1 May 2024" in tr
    treaty = tr.split("KZ-TR.MLA.1995</strong>", 1)[1].split("</li>", 1)[0]
    assert "[in_force]" in treaty and ">in force</span>]" in treaty  # label shown, code in title


def test_language_switch_to_russian_and_kazakh(client: TestClient, passwords: str) -> None:
    log_in(client, "alice")
    client.get("/lang", params={"to": "ru", "next": "/items"})
    assert "Рабочий список" in client.get("/items").text
    client.get("/lang", params={"to": "kk", "next": "/items"})
    assert "Жұмыс тізімі" in client.get("/items").text
    assert client.get("/lang", params={"to": "xx"}).status_code == 400


def test_every_language_has_every_interface_string() -> None:
    english = set(catalog("en"))
    for lang in LANGUAGES:
        assert set(catalog(lang)) == english, lang
        assert all(text.strip() for text in catalog(lang).values())


def test_browser_language_is_used_until_the_user_chooses() -> None:
    assert pick_language(None, "kk-KZ,ru;q=0.8") == "kk"
    assert pick_language(None, "fr-FR,ru;q=0.5") == "ru"
    assert pick_language("en", "ru") == "en"
    assert pick_language("xx", None) == "en"


def _cli() -> typer.Typer:
    app = typer.Typer()
    web_cli.register(app)
    return app


def test_token_create_prints_a_token_once_that_works_and_stores_only_its_hash(
    app: FastAPI, client: TestClient, engine: Engine, staff: dict[str, str]
) -> None:
    result = CliRunner().invoke(_cli(), ["token", "create", "--name", "ci", "--by", "leo"])
    assert result.exit_code == 0, result.output
    token = result.output.split()[0]
    assert token.startswith("comity_")
    with session_scope(engine) as session:
        stored = session.scalars(select(ApiToken)).one()
        assert token not in (stored.token_sha256, stored.name)
        assert (stored.name, stored.created_by, stored.scopes) == ("ci", "leo", "read")
        days = (stored.expires_at - stored.created_at).days
        assert days in (89, 90)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["name"] == "leo"


def test_a_token_asks_only_for_scopes_its_users_role_can_use(
    engine: Engine, staff: dict[str, str]
) -> None:
    result = CliRunner().invoke(_cli(), ["token", "create", "--scope", "review", "--by", "alice"])
    assert result.exit_code == 1
    assert "role analyst cannot use scope review; usable: read, intake" in result.output
    unknown = CliRunner().invoke(_cli(), ["token", "create", "--scope", "root", "--by", "ada"])
    assert unknown.exit_code == 2 and "valid scopes are read, intake" in unknown.output
    too_long = CliRunner().invoke(_cli(), ["token", "create", "--days", "366", "--by", "ada"])
    assert too_long.exit_code == 2 and "--days 366: between 1 and 365" in too_long.output


def test_a_leaked_token_revoked_by_an_admin_stops_working_and_the_revocation_is_audited(
    client: TestClient, engine: Engine, staff: dict[str, str]
) -> None:
    created = CliRunner().invoke(
        _cli(), ["token", "create", "--name", "leaked", "--by", "leo", "--json"]
    )
    assert created.exit_code == 0, created.output
    issued = json.loads(created.output)
    bearer = {"Authorization": f"Bearer {issued['token']}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200

    listed = CliRunner().invoke(_cli(), ["token", "list", "--by", "ada", "--json"])
    assert [(t["id"], t["user"], t["revoked_at"]) for t in json.loads(listed.output)] == [
        (issued["id"], "leo", None)
    ]
    assert issued["token"] not in listed.output

    revoked = CliRunner().invoke(
        _cli(),
        ["token", "revoke", str(issued["id"]), "--reason", "pasted in a chat", "--by", "ada"],
    )
    assert revoked.exit_code == 0, revoked.output
    refused = client.get("/api/v1/me", headers=bearer)
    assert refused.status_code == 401
    assert refused.json()["error"] == "unknown or revoked API token"
    with session_scope(engine) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "token.revoke")).one()
        assert (event.actor, event.object_id) == ("ada", str(issued["id"]))

    again = CliRunner().invoke(
        _cli(), ["token", "revoke", str(issued["id"]), "--reason", "twice", "--by", "ada"]
    )
    assert again.exit_code == 1 and "already revoked" in again.output


def test_a_user_lists_and_revokes_only_their_own_tokens_and_a_reason_is_required(
    engine: Engine, staff: dict[str, str]
) -> None:
    created = CliRunner().invoke(_cli(), ["token", "create", "--by", "leo", "--json"])
    token_id = str(json.loads(created.output)["id"])
    CliRunner().invoke(_cli(), ["token", "create", "--by", "alice"])
    mine = CliRunner().invoke(_cli(), ["token", "list", "--by", "leo", "--json"])
    assert [t["user"] for t in json.loads(mine.output)] == ["leo"]
    everyone = CliRunner().invoke(_cli(), ["token", "list", "--by", "ada", "--json"])
    assert [t["user"] for t in json.loads(everyone.output)] == ["leo", "alice"]
    theirs = CliRunner().invoke(
        _cli(), ["token", "revoke", token_id, "--reason", "not mine", "--by", "alice"]
    )
    assert theirs.exit_code == 1 and f"API token {token_id} does not exist" in theirs.output
    blank = CliRunner().invoke(
        _cli(), ["token", "revoke", token_id, "--reason", " ", "--by", "leo"]
    )
    assert blank.exit_code == 2 and "reason" in blank.output
    own = CliRunner().invoke(
        _cli(), ["token", "revoke", token_id, "--reason", "rotated", "--by", "leo"]
    )
    assert own.exit_code == 0, own.output
    missing = CliRunner().invoke(_cli(), ["token", "revoke", "999", "--reason", "x", "--by", "ada"])
    assert missing.exit_code == 1 and "API token 999 does not exist" in missing.output


def test_serve_refuses_a_bad_port() -> None:
    result = CliRunner().invoke(_cli(), ["serve", "--port", "70000"])
    assert result.exit_code == 2
    assert "--port 70000" in result.output


def test_every_item_section_a_domain_registers_has_a_title_in_every_language() -> None:
    from comity.cases.hooks import item_sections
    from comity.web.sections import EXPECTED

    for name in {*item_sections(), *EXPECTED}:
        for lang in LANGUAGES:
            assert f"section.{name}" in catalog(lang), (lang, name)
