"""Attacker stories: no user-supplied parameter gives a 500 (issue 13).

Before, `to=9999-12-31`, ids of 2**31 and beyond (PostgreSQL "integer out of
range", SQLite OverflowError), huge ages and a NUL in a filter (PostgreSQL
refuses NUL in text) all reached the database or the date arithmetic and
answered 500. Now each is a 422 on the API and a 400 page in the reader's
language, naming the field. Both databases: CI runs this file on each.
"""

from __future__ import annotations

import pytest

from comity.web.render import LANG_COOKIE
from tests.web.conftest import TestClient, log_in

HUGE = [str(2**31), str(2**63), str(2**64), "9" * 40, "-1", "0", "-" + str(2**63 + 1)]
ID_PAGES = [
    "/items/{}",
    "/items/{}/actions",
    "/dossiers/{}",
    "/dossiers/{}/files/pdf/en",
    "/evidence/{}/warc",
]


@pytest.fixture
def alice(client: TestClient, passwords: str) -> TestClient:
    log_in(client, "alice")
    return client


@pytest.mark.parametrize("number", HUGE)
def test_an_id_beyond_the_integer_column_is_refused_naming_the_field_not_a_500(
    alice: TestClient, number: str
) -> None:
    api = alice.get(f"/api/v1/items/{number}")
    assert api.status_code == 422
    assert api.json()["field"] == "item_id"
    for path in ID_PAGES:
        page = alice.get(path.format(number))
        assert page.status_code == 400, path
        assert "_id:" in page.text  # item_id, dossier_id, evidence_id


def test_the_largest_valid_id_is_simply_not_found(alice: TestClient) -> None:
    assert alice.get(f"/api/v1/items/{2**31 - 1}").status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("to=9999-12-31", "to"),
        ("from=0000-01-01", "from"),
        ("to=10000-01-01", "to"),
        ("from=2026-05-01&to=2026-01-01", "to"),
        ("to=2026-02-30", "to"),
    ],
)
def test_a_period_out_of_range_is_refused_naming_the_field_not_a_500(
    alice: TestClient, query: str, field: str
) -> None:
    for path in ("/transparency", "/transparency/report?format=json&"):
        response = alice.get(f"{path}{'&' if '?' in path else '?'}{query}".replace("&&", "&"))
        assert response.status_code == 400, (path, query)
        assert f"{field}:" in response.text


def test_a_far_future_date_on_the_law_compare_is_refused(alice: TestClient) -> None:
    response = alice.get("/api/v1/law/compare?date=9999-12-31")
    assert response.status_code == 400
    assert response.json()["field"] == "date"


@pytest.mark.parametrize("name", ["min_age_days", "max_age_days", "page"])
@pytest.mark.parametrize("value", [str(2**31), str(2**63), "9" * 5000, "-1"])
def test_a_huge_age_or_page_is_refused_naming_the_field_not_a_500(
    alice: TestClient, name: str, value: str
) -> None:
    api = alice.get("/api/v1/items", params={name: value})
    assert api.status_code == 422
    assert api.json()["field"] == name
    page = alice.get("/items", params={name: value})
    assert page.status_code == 400
    assert f"{name}:" in page.text


@pytest.mark.parametrize("name", ["q", "domain", "state", "conduct", "provider", "channel"])
def test_a_nul_in_a_filter_is_refused_before_it_reaches_the_database(
    alice: TestClient, name: str
) -> None:
    api = alice.get("/api/v1/items", params={name: "evil\x00"})
    assert api.status_code == 400
    assert api.json()["field"] == name
    assert alice.get("/items", params={name: "\x1b[31m"}).status_code == 400


def test_a_tab_in_a_text_search_is_still_a_search(alice: TestClient) -> None:
    assert alice.get("/items", params={"q": "tab\tis fine"}).status_code == 200


@pytest.mark.parametrize("name", ["state", "conduct", "priority", "channel", "host_country"])
def test_an_unknown_value_of_an_enum_like_filter_is_refused_naming_it(
    alice: TestClient, name: str
) -> None:
    api = alice.get("/api/v1/items", params={name: "nonsense-value"})
    assert api.status_code == 400
    assert api.json()["field"] == name


def test_the_error_page_speaks_the_readers_language(alice: TestClient) -> None:
    alice.cookies.set(LANG_COOKIE, "ru")
    page = alice.get("/transparency?to=9999-12-31")
    assert page.status_code == 400
    assert "Неверный запрос" in page.text
    assert "to:" in page.text


@pytest.mark.parametrize(
    ("path", "form", "field"),
    [
        ("/tracking/acknowledge", {"ref": "a\x00b"}, "ref"),
        (
            "/tracking/answer",
            {"ref": "x", "item_id": "1", "decision": "removed", "note": "\x00"},
            "note",
        ),
        (
            "/intake",
            {"url": "https://f.example/", "conduct": "terrorism.threat", "source": "\x1b"},
            "source",
        ),
    ],
)
def test_a_nul_in_a_form_field_is_refused_naming_it_not_a_500(
    client: TestClient, passwords: str, path: str, form: dict[str, str], field: str
) -> None:
    # Before: PostgreSQL refused the NUL inside the service and the page answered 500.
    csrf = log_in(client, "sam")
    response = client.post(path, data=form | {"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 400
    assert f"{field}: control characters are not allowed" in response.text


def test_a_note_typed_on_several_lines_is_accepted(client: TestClient, passwords: str) -> None:
    csrf = log_in(client, "alice")
    form = {"url": "https://f.example/", "conduct": "terrorism.threat", "note": "one\r\ntwo\tthree"}
    response = client.post("/intake", data=form | {"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
