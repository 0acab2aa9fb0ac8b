"""REST API v1: status and body of every route."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, update

from comity.cases.models import Proposal
from comity.core.db import session_scope, utcnow
from comity.hosting.models import AttributionRecord
from comity.intake.models import Item
from tests.web.conftest import TestClient


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _add(client: TestClient, token: str, url: str, **extra: str) -> dict[str, object]:
    response = client.post(
        "/api/v1/items",
        json={"url": url, "conduct": extra.pop("conduct", "terrorism.incitement"), **extra},
        headers=_auth(token),
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_me_names_the_caller_and_their_permissions(
    client: TestClient, tokens: dict[str, str]
) -> None:
    body = client.get("/api/v1/me", headers=_auth(tokens["auditor"])).json()
    assert body["name"] == "aud"
    assert body["role"] == "auditor"
    assert body["via"] == "token"
    assert "read" in body["permissions"] and "intake" not in body["permissions"]


def test_post_item_reports_a_url_and_a_repeat_adds_nothing(
    client: TestClient, tokens: dict[str, str]
) -> None:
    first = _add(client, tokens["analyst"], "HTTPS://Bad.Example/a?utm_source=x", note="seen")
    assert first["url"] == "https://bad.example/a"
    assert first["conducts"] == ["terrorism.incitement"]
    assert first["state"] == "reported"
    assert first["new_report"] is True
    again = _add(client, tokens["analyst"], "https://bad.example/a", note="seen")
    assert again["id"] == first["id"]
    assert again["new_report"] is False


def test_post_item_with_unknown_conduct_is_400_naming_the_field(
    client: TestClient, tokens: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/items",
        json={"url": "https://a.example/", "conduct": "murder"},
        headers=_auth(tokens["analyst"]),
    )
    assert response.status_code == 400
    assert "unknown conduct code 'murder'" in response.json()["error"]


def test_post_item_without_url_is_422_naming_the_field(
    client: TestClient, tokens: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/items", json={"conduct": "terrorism.threat"}, headers=_auth(tokens["analyst"])
    )
    assert response.status_code == 422
    assert response.json()["field"] == "url"


def test_worklist_filters_and_puts_threat_to_life_first(
    client: TestClient, tokens: dict[str, str], engine: Engine
) -> None:
    token = tokens["analyst"]
    a = _add(client, token, "https://one.example/x", note="a recruitment video")
    b = _add(client, token, "https://two.example/y", conduct="terrorism.recruitment")
    c = _add(client, token, "https://three.example/z")
    with session_scope(engine) as session:
        session.execute(update(Item).where(Item.id == a["id"]).values(priority="threat_to_life"))
    body = client.get("/api/v1/items", headers=_auth(token)).json()
    assert [i["id"] for i in body["items"]] == [a["id"], c["id"], b["id"]]
    assert body["total"] == 3 and body["pages"] == 1
    by_conduct = client.get(
        "/api/v1/items", params={"conduct": "terrorism.recruitment"}, headers=_auth(token)
    ).json()
    assert [i["id"] for i in by_conduct["items"]] == [b["id"]]
    by_note = client.get("/api/v1/items", params={"q": "RECRUITMENT"}, headers=_auth(token))
    assert [i["id"] for i in by_note.json()["items"]] == [a["id"]]
    by_domain = client.get(
        "/api/v1/items", params={"domain": "three.example"}, headers=_auth(token)
    )
    assert [i["id"] for i in by_domain.json()["items"]] == [c["id"]]
    old = client.get("/api/v1/items", params={"min_age_days": 1}, headers=_auth(token))
    assert old.json()["total"] == 0
    paged = client.get("/api/v1/items", params={"per_page": 2, "page": 2}, headers=_auth(token))
    assert [i["id"] for i in paged.json()["items"]] == [b["id"]]
    assert paged.json()["pages"] == 2


def test_worklist_orders_threat_to_life_then_crisis_then_standard_across_pages(
    client: TestClient, tokens: dict[str, str], engine: Engine
) -> None:
    token = tokens["analyst"]
    ids = [_add(client, token, f"https://levels.example/{n}")["id"] for n in range(7)]
    levels = ["crisis", "threat_to_life", "standard", "crisis", "threat_to_life", "standard"]
    with session_scope(engine) as session:
        for item_id, level in zip(ids, levels, strict=False):  # the 7th stays standard
            session.execute(update(Item).where(Item.id == item_id).values(priority=level))
    expected = [ids[4], ids[1], ids[3], ids[0], ids[6], ids[5], ids[2]]
    pages = [
        client.get("/api/v1/items", params={"per_page": 3, "page": n}, headers=_auth(token))
        for n in (1, 2, 3, 4)
    ]
    assert [[i["id"] for i in p.json()["items"]] for p in pages] == [
        expected[0:3],
        expected[3:6],
        expected[6:],
        [],
    ]
    crisis = client.get("/api/v1/items", params={"priority": "crisis"}, headers=_auth(token))
    assert [i["id"] for i in crisis.json()["items"]] == [ids[3], ids[0]]
    bad = client.get("/api/v1/items", params={"priority": "urgent"}, headers=_auth(token))
    assert (bad.status_code, bad.json()["field"]) == (400, "priority")


def test_worklist_filters_by_the_channel_a_request_was_proposed_through(
    client: TestClient, tokens: dict[str, str], engine: Engine
) -> None:
    token = tokens["analyst"]
    referred = _add(client, token, "https://referred.example/")["id"]
    _add(client, token, "https://unproposed.example/")
    with session_scope(engine) as session:
        session.add(
            Proposal(
                item_id=referred,
                host="DE",
                role="hosting",
                channel="provider_referral",
                conduct="terrorism.incitement",
                facts={},
                target="url",
                note="",
                dual_criminality="yes",
                assessment={},
                kb_version="test",
                findings=[],
                proposed_by="alice",
            )
        )

    def ids(channel: str) -> list[int]:
        body = client.get("/api/v1/items", params={"channel": channel}, headers=_auth(token))
        assert body.status_code == 200, body.text
        return [i["id"] for i in body.json()["items"]]

    assert ids("provider_referral") == [referred]
    assert ids("diplomatic_request") == []


def test_worklist_search_treats_like_wildcards_as_text(
    client: TestClient, tokens: dict[str, str]
) -> None:
    _add(client, tokens["analyst"], "https://plain.example/abc")
    body = client.get("/api/v1/items", params={"q": "%"}, headers=_auth(tokens["analyst"]))
    assert body.json()["total"] == 0


def test_worklist_search_with_more_matches_than_a_bound_list_holds_gives_the_same_page(
    client: TestClient, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = tokens["analyst"]
    ids = [_add(client, token, f"https://many.example/{n}")["id"] for n in range(3)]
    _add(client, token, "https://other.example/")
    listed = client.get("/api/v1/items", params={"q": "many.example"}, headers=_auth(token))
    monkeypatch.setattr("comity.web.worklist._MAX_IDS", {"sqlite": 1, "postgresql": 1})
    subquery = client.get("/api/v1/items", params={"q": "many.example"}, headers=_auth(token))
    assert [i["id"] for i in listed.json()["items"]] == ids[::-1]
    assert subquery.json() == listed.json()


def test_worklist_bad_filters_are_400_naming_the_field(
    client: TestClient, tokens: dict[str, str]
) -> None:
    bad_state = client.get(
        "/api/v1/items", params={"state": "done"}, headers=_auth(tokens["analyst"])
    )
    assert bad_state.status_code == 400
    assert bad_state.json()["field"] == "state"
    channel = client.get(
        "/api/v1/items", params={"channel": "EU.TCO"}, headers=_auth(tokens["analyst"])
    )
    assert channel.status_code == 400
    assert channel.json()["field"] == "channel"
    country = client.get(
        "/api/v1/items", params={"host_country": "Germany"}, headers=_auth(tokens["analyst"])
    )
    assert country.status_code == 400
    assert country.json()["field"] == "host_country"


def test_get_item_has_reports_and_history(client: TestClient, tokens: dict[str, str]) -> None:
    item = _add(client, tokens["analyst"], "https://c.example/p", note="first", source="tip")
    body = client.get(f"/api/v1/items/{item['id']}", headers=_auth(tokens["auditor"])).json()
    assert body["url"] == "https://c.example/p"
    assert [(r["note"], r["source"], r["reported_by"]) for r in body["reports"]] == [
        ("first", "tip", "alice")
    ]
    assert [e["action"] for e in body["history"]] == ["item.create", "report.add"]
    assert "evidence" in body["sections"]


def test_get_missing_item_is_404_with_a_message(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.get("/api/v1/items/999", headers=_auth(tokens["analyst"]))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "item 999 does not exist",
        "instance": "/api/v1/items/999",
        "error": "item 999 does not exist",
    }


def test_csv_import_reports_errors_per_row(client: TestClient, tokens: dict[str, str]) -> None:
    csv = (
        "url,conduct,note,source\n"
        "https://x.example/1,terrorism.incitement,,\n"
        "not a url at all,terrorism.incitement,,\n"
        "https://x.example/2,nonsense,,\n"
        "https://x.example/3,,,\n"
    )
    response = client.post(
        "/api/v1/intake/import",
        files={"file": ("../../etc/list.csv", csv.encode(), "text/csv")},
        data={"conduct": "terrorism.threat"},
        headers=_auth(tokens["analyst"]),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["rows"], body["valid"], body["invalid"], body["items_created"]) == (4, 2, 2, 2)
    assert body["file"] == "list.csv"
    assert [e["line"] for e in body["errors"]] == [3, 4]
    assert "unknown conduct code 'nonsense'" in body["errors"][1]["reason"]
    assert all(e["file"] == "list.csv" for e in body["errors"])
    listed = client.get("/api/v1/items", headers=_auth(tokens["analyst"])).json()
    assert sorted(i["url"] for i in listed["items"]) == [
        "https://x.example/1",
        "https://x.example/3",
    ]


def test_strict_csv_import_writes_nothing_when_a_row_is_bad(
    client: TestClient, tokens: dict[str, str]
) -> None:
    csv = "url,conduct\nhttps://y.example/1,terrorism.threat\nhttps://y.example/2,bad\n"
    body = client.post(
        "/api/v1/intake/import",
        files={"file": ("l.csv", csv.encode(), "text/csv")},
        data={"strict": "true"},
        headers=_auth(tokens["analyst"]),
    ).json()
    assert body["written"] is False and body["invalid"] == 1
    assert client.get("/api/v1/items", headers=_auth(tokens["analyst"])).json()["total"] == 0


def test_law_endpoints_return_the_knowledge_base(
    client: TestClient, tokens: dict[str, str]
) -> None:
    token = tokens["liaison"]
    listed = client.get("/api/v1/law/jurisdictions", headers=_auth(token)).json()
    codes = [j["code"] for j in listed["jurisdictions"]]
    assert "KZ" in codes and "DE" in codes
    kz = client.get("/api/v1/law/jurisdictions/kz", headers=_auth(token)).json()
    assert kz["code"] == "KZ" and kz["provisions"]
    table = client.get(
        "/api/v1/law/compare",
        params={"requesting": "KZ", "other": ["DE"], "date": "2025-01-01"},
        headers=_auth(token),
    ).json()
    assert table["columns"] == ["KZ", "DE"]
    assert table["date"] == "2025-01-01"
    assert {r["conduct"] for r in table["rows"]} >= {"terrorism.incitement"}
    missing = client.get("/api/v1/law/jurisdictions/ZZ", headers=_auth(token))
    assert missing.status_code == 404
    bad_date = client.get("/api/v1/law/compare", params={"date": "soon"}, headers=_auth(token))
    assert bad_date.status_code == 400 and bad_date.json()["field"] == "date"


def test_openapi_document_lists_the_v1_routes(client: TestClient) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    assert {
        "/api/v1/items",
        "/api/v1/items/{item_id}",
        "/api/v1/intake/import",
        "/api/v1/me",
    } <= set(doc["paths"])
    assert not any(not path.startswith("/api/v1/") for path in doc["paths"])


def test_worklist_count_stops_at_the_cap_and_says_so(
    client: TestClient, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("comity.web.worklist.COUNT_CAP", 2)
    ids = [_add(client, tokens["analyst"], f"https://cap.example/{i}")["id"] for i in range(4)]
    first = client.get(
        "/api/v1/items", params={"per_page": 3}, headers=_auth(tokens["analyst"])
    ).json()
    assert (first["total"], first["total_is_lower_bound"]) == (2, True)
    assert [i["id"] for i in first["items"]] == ids[::-1][:3]
    second = client.get(
        "/api/v1/items", params={"per_page": 3, "page": 2}, headers=_auth(tokens["analyst"])
    ).json()
    assert [i["id"] for i in second["items"]] == [ids[0]]


def test_worklist_filters_by_the_latest_attribution_country_and_provider(
    client: TestClient, tokens: dict[str, str], engine: Engine
) -> None:
    moved = _add(client, tokens["analyst"], "https://moved.example/")["id"]
    stayed = _add(client, tokens["analyst"], "https://stayed.example/")["id"]
    now = utcnow()
    with session_scope(engine) as session:
        for item_id, when, countries, cdn in [
            (moved, now - timedelta(days=3), "DE", None),
            (moved, now, "NL,US", "Cloudflare"),
            (stayed, now, "DE", None),
        ]:
            session.add(
                AttributionRecord(
                    item_id=item_id, observed_at=when, countries=countries, cdn=cdn, data={}
                )
            )

    def ids(**params: str) -> list[int]:
        body = client.get("/api/v1/items", params=params, headers=_auth(tokens["analyst"]))
        assert body.status_code == 200, body.text
        return [i["id"] for i in body.json()["items"]]

    assert ids(host_country="de") == [stayed]
    assert ids(host_country="US") == [moved]
    assert ids(provider="cloudflare") == [moved]
    assert ids(host_country="NL", provider="Cloudflare") == [moved]
