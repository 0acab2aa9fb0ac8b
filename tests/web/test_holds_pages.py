"""The deconfliction hold register in the browser (issue 17 item 5): entered by one
person, in force only once a second approves, released with a reason; the form keeps
what was typed and names the field; who asked is shown only to those who may see it."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi import FastAPI
from httpx import Response
from sqlalchemy import Engine, select

from comity.core.audit import AuditEvent
from comity.core.db import read_session
from comity.holds.models import DeconflictionHold
from tests.cases.conftest import make_item
from tests.web.conftest import LOCAL, TestClient, csrf_of, log_in
from tests.web.test_words_not_codes import visible_text

AGENCY = "Financial Monitoring Agency"
UNTIL = (date.today() + timedelta(days=30)).isoformat()


def _form(**changes: str) -> dict[str, str]:
    return {
        "scope_kind": "domain",
        "scope_value": "www.held.example",
        "agency": AGENCY,
        "contact": "desk 4",
        "legal_basis": "Law on operational search, art. 10",
        "reason": "an open investigation watches this site",
        "until": UNTIL,
    } | changes


def _holds(engine: Engine) -> list[dict[str, object]]:
    with read_session(engine) as session:
        return [
            {
                c: getattr(h, c)
                for c in ("id", "state", "scope_value", "entered_by", "approved_by", "ended_by")
            }
            for h in session.scalars(select(DeconflictionHold))
        ]


def _post(client: TestClient, path: str, data: dict[str, str]) -> Response:
    token = csrf_of(client.get("/holds").text)
    return client.post(path, data=data | {"csrf_token": token}, follow_redirects=False)


def test_enter_approve_by_another_and_release_in_the_browser(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    item = make_item(engine, url="https://www.held.example/post/7")
    with TestClient(app, base_url=LOCAL) as leo, TestClient(app, base_url=LOCAL) as sam:
        log_in(leo, "leo")
        log_in(sam, "sam")
        entered = _post(leo, "/holds", _form())
        assert entered.status_code == 303
        where = entered.headers["location"]
        (hold,) = _holds(engine)
        assert where == f"/holds/{hold['id']}" and hold["state"] == "pending"
        assert hold["scope_value"] == "held.example"  # the registrable domain
        page = leo.get(where).text
        assert f"Deconfliction hold {hold['id']} entered" in page  # the confirmation, once
        assert f"Deconfliction hold {hold['id']} entered" not in leo.get(where).text
        # Four eyes: the one who entered it sees Approve disabled, with why.
        assert re.search(
            r'<button type="submit" class="primary" disabled aria-describedby="approve-why">', page
        )
        assert "Four eyes: leo entered this hold" in page
        assert _post(leo, f"/holds/{hold['id']}/approve", {}).status_code == 409
        assert _holds(engine)[0]["state"] == "pending"
        # The second person approves; the case file now shows the hold.
        assert _post(sam, f"/holds/{hold['id']}/approve", {}).status_code == 303
        assert "approved: it is in force" in sam.get(f"/holds/{hold['id']}").text
        assert _holds(engine)[0]["state"] == "active"
        assert f"Deconfliction hold {hold['id']}" in sam.get(f"/items/{item}").text
        # Release needs a reason: an empty one is refused naming the field, nothing changes.
        empty = _post(sam, f"/holds/{hold['id']}/release", {"reason": "  "})
        assert empty.status_code == 400
        assert 'href="#f-reason"' in empty.text
        assert _holds(engine)[0]["state"] == "active"
        assert (
            _post(sam, f"/holds/{hold['id']}/release", {"reason": "case closed"}).status_code == 303
        )
    (hold,) = _holds(engine)
    assert (hold["state"], hold["entered_by"], hold["approved_by"], hold["ended_by"]) == (
        "released",
        "leo",
        "sam",
        "sam",
    )
    with read_session(engine) as session:
        actions = list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.object_type == "deconfliction_hold")
                .order_by(AuditEvent.seq)
            )
        )
    assert actions == [
        "deconfliction_hold.add",
        "deconfliction_hold.approve",
        "deconfliction_hold.release",
    ]


def test_a_refused_form_keeps_what_was_typed_and_names_the_field(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    with TestClient(app, base_url=LOCAL) as leo:
        log_in(leo, "leo")
        leo.cookies.set("comity_lang", "ru")
        blank = _post(leo, "/holds", _form(agency=" "))
        bad = _post(leo, "/holds", _form(scope_value="not a domain at all"))
        past = _post(leo, "/holds", _form(until="2020-01-01"))
    for answer, field in ((blank, "agency"), (bad, "scope_value"), (past, "until")):
        html = answer.text
        assert answer.status_code == 400, html
        assert f'href="#f-{field}"' in html  # the summary links to the field
        assert re.search(rf'id="f-{field}"[^>]*aria-invalid="true"', html)
        assert "Law on operational search, art. 10" in html  # what was typed stays
    assert "заполните поле" in blank.text  # in the page's language
    assert _holds(engine) == []  # nothing half-written


def test_who_asked_is_shown_only_to_those_who_may_see_it_and_analysts_cannot_enter(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    with TestClient(app, base_url=LOCAL) as leo:
        log_in(leo, "leo")
        _post(leo, "/holds", _form())
    with TestClient(app, base_url=LOCAL) as alice, TestClient(app, base_url=LOCAL) as aud:
        log_in(alice, "alice")
        log_in(aud, "aud")
        seen_by_analyst = alice.get("/holds").text
        assert AGENCY not in seen_by_analyst and "restricted (need to know)" in seen_by_analyst
        assert 'action="/holds"' not in seen_by_analyst  # no form for who may not enter
        assert _post(alice, "/holds", _form()).status_code == 403
        assert AGENCY in aud.get("/holds").text
        aud.cookies.set("comity_lang", "kk")
        text = visible_text(aud.get("/holds?state=pending").text, "kk")
    # Kazakh page: states and scope kinds in words, not codes.
    assert "бекітуді күтуде" in text and "домен" in text
    assert "pending" not in text and "domain:" not in text
    assert len(_holds(engine)) == 1
