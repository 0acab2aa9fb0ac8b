"""Workflow pages: item actions, the review queue, dossiers, tracking, and attacker stories."""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, update

from comity.cases.models import Proposal
from comity.cases.service import propose
from comity.core.db import read_session, session_scope
from comity.intake.models import Item
from comity.intake.service import add_report
from comity.web.i18n import LANGUAGES, catalog
from tests.web.conftest import LOCAL, TestClient, log_in

XSS_TITLE = "<script>alert(1)</script>"
TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "comity" / "web" / "templates"
MINE = (
    "_item_actions.html",
    "item_actions.html",
    "review.html",
    "proposals.html",
    "dossiers.html",
    "dossier.html",
    "tracking.html",
)


@contextmanager
def user(app: FastAPI, name: str) -> Iterator[tuple[TestClient, str]]:
    """A browser of its own for `name`, logged in; yields (client, CSRF token)."""
    with TestClient(app, base_url=LOCAL) as client:
        yield client, log_in(client, name)


def _item(engine: Engine, url: str, conduct: str = "terrorism.glorification") -> int:
    with session_scope(engine) as session:
        item, _, _ = add_report(
            session=session, url=url, conduct=conduct, actor="alice", allow=("127.0.0.1",)
        )
        return item.id


def _proposal(engine: Engine, item_id: int, by: str = "alice") -> int:
    with session_scope(engine) as session:
        return propose(
            session=session,
            item_id=item_id,
            host="DE",
            channel="provider_referral",
            note="This URL only; no less intrusive measure reaches it.",
            actor=by,
            facts={"public": True, "intent": True, "danger": True},
        ).id


def _state(engine: Engine, proposal_id: int) -> str:
    with read_session(engine) as session:
        return session.get_one(Proposal, proposal_id).state


@pytest.fixture
def hostile_site() -> Iterator[str]:
    """A loopback site whose page title is a script: captured content must stay text."""
    body = f"<html><head><title>{XSS_TITLE}</title></head><body>x</body></html>".encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/post"
    server.shutdown()
    server.server_close()


def test_review_queue_puts_threat_to_life_first_and_second_persons_decide(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    first = _proposal(engine, _item(engine, "https://old.example/a"))
    urgent_item = _item(engine, "https://urgent.example/b")
    urgent = _proposal(engine, urgent_item)
    with session_scope(engine) as session:
        session.execute(
            update(Item).where(Item.id == urgent_item).values(priority="threat_to_life")
        )
    with user(app, "rita") as (rita, csrf):
        page = rita.get("/review").text
        assert page.index(f'id="proposal-{urgent}"') < page.index(f'id="proposal-{first}"')
        assert "Requesting state&#39;s provisions" in page and "Host state&#39;s provisions" in page
        assert "evidence_missing" in page  # the safeguard finding is shown before deciding
        blocked = rita.post(
            f"/review/{urgent}",
            data={"decision": "approve", "reason": "Established.", "csrf_token": csrf},
        )
        assert blocked.status_code == 409 and "cannot be approved" in blocked.text
        done = rita.post(
            f"/review/{first}",
            data={"decision": "reject", "reason": "Not established.", "csrf_token": csrf},
        )
        assert done.status_code == 200, done.text
        assert f'id="proposal-{first}"' not in done.text
    with user(app, "sam") as (sam, csrf):
        assert "Approve with override" in sam.get("/review").text
        done = sam.post(
            f"/review/{urgent}/override",
            data={
                "reason": "Urgent; public peace and the specific offence shown on the capture.",
                "override_reason": "Captured offline; hash attached.",
                "established": ["public_peace", "specific_offence"],
                "csrf_token": csrf,
            },
        )
        assert done.status_code == 200, done.text
    assert _state(engine, urgent) == "approved"
    assert _state(engine, first) == "rejected"


def test_an_analyst_posting_an_approval_gets_403(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    pid = _proposal(engine, _item(engine, "https://a.example/x"), by="sam")
    with user(app, "alan") as (alan, csrf):
        response = alan.post(
            f"/review/{pid}", data={"decision": "approve", "reason": "ok", "csrf_token": csrf}
        )
        assert response.status_code == 403
        assert "may not review" in response.text
        assert alan.get("/review").status_code == 403
    assert _state(engine, pid) == "proposed"


def test_the_proposer_approving_their_own_proposal_is_refused_with_the_services_message(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    pid = _proposal(engine, _item(engine, "https://own.example/x"), by="sam")
    with user(app, "sam") as (sam, csrf):
        response = sam.post(
            f"/review/{pid}", data={"decision": "approve", "reason": "mine", "csrf_token": csrf}
        )
    assert response.status_code == 409
    assert f"four eyes: sam proposed {pid} and may not decide it" in response.text
    assert _state(engine, pid) == "proposed"


@pytest.mark.parametrize("token", [None, "forged"])
def test_an_approval_without_the_sessions_csrf_token_is_refused(
    app: FastAPI, engine: Engine, passwords: str, token: str | None
) -> None:
    pid = _proposal(engine, _item(engine, "https://csrf.example/x"))
    data = {"decision": "approve", "reason": "ok"} | ({"csrf_token": token} if token else {})
    with user(app, "rita") as (rita, _):
        response = rita.post(f"/review/{pid}", data=data)
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert _state(engine, pid) == "proposed"


def test_override_needs_the_supervisor_and_a_written_reason(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    pid = _proposal(engine, _item(engine, "https://o.example/x"))
    with user(app, "rita") as (rita, csrf):
        refused = rita.post(
            f"/review/{pid}/override",
            data={"reason": "r", "override_reason": "o", "csrf_token": csrf},
        )
        assert refused.status_code == 403 and "may not override" in refused.text


def test_a_captured_script_title_is_text_on_the_item_and_review_pages_and_downloads_are_inert(
    app: FastAPI, engine: Engine, passwords: str, hostile_site: str
) -> None:
    item_id = _item(engine, hostile_site)
    with user(app, "alice") as (alice, csrf):
        done = alice.post(
            f"/items/{item_id}/capture", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert done.status_code == 303 and done.headers["location"].startswith(f"/items/{item_id}")
        item_page = alice.get(f"/items/{item_id}").text
    _proposal(engine, item_id)
    with user(app, "rita") as (rita, _):
        review_page = rita.get("/review").text
        for html in (item_page, review_page):
            assert XSS_TITLE not in html
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        evidence = re.search(r"/evidence/(\d+)/content", rita.get(f"/items/{item_id}/actions").text)
        assert evidence, "the actions panel links the capture's files"
        body = rita.get(f"/evidence/{evidence.group(1)}/content")
    assert body.status_code == 200
    assert XSS_TITLE.encode() in body.content  # the bytes as captured, but never as a page:
    assert body.headers["content-type"] == "application/octet-stream"
    assert body.headers["content-security-policy"] == "sandbox"
    assert body.headers["x-content-type-options"] == "nosniff"
    disposition = body.headers["content-disposition"]
    assert re.fullmatch(
        r'attachment; filename="item-\d+-evidence-\d+-[0-9a-f]{12}\.bin"', disposition
    )


@pytest.mark.parametrize(
    "path",
    [
        "/evidence/1/..%2F..%2F..%2Fetc%2Fpasswd",
        "/evidence/1/%2e%2e",
        "/evidence/1/content%2F..%2F..%2Fcomity.db",
        "/dossiers/1/files/..%2F..%2Fcomity.db/en",
        "/dossiers/1/files/pdf/..%2F..%2Fen",
    ],
)
def test_download_paths_with_dot_dot_are_refused(
    app: FastAPI, engine: Engine, passwords: str, path: str
) -> None:
    _item(engine, "https://dl.example/x")
    with user(app, "rita") as (rita, _):
        response = rita.get(path)
    assert response.status_code in (400, 404), (path, response.status_code)
    assert "root:" not in response.text and "SQLite" not in response.text


def test_every_string_my_pages_use_exists_in_every_language() -> None:
    used: set[str] = set()
    for name in MINE:
        used |= set(re.findall(r"""\bt\(["']([a-z_.]+)["']""", (TEMPLATES / name).read_text()))
    english = catalog("en")
    assert sorted(k for k in used if k not in english and not k.endswith(".")) == []
    for lang in LANGUAGES:
        assert {"nav.review", "nav.dossiers", "nav.tracking", "review.approve"} <= set(
            catalog(lang)
        ), lang


def test_pages_render_in_russian_and_kazakh(app: FastAPI, engine: Engine, passwords: str) -> None:
    _proposal(engine, _item(engine, "https://lang.example/x"))
    with user(app, "sam") as (sam, _):
        for lang, word in (("ru", "Одобрить"), ("kk", "Мақұлдау")):
            sam.cookies.set("comity_lang", lang)
            assert word in sam.get("/review").text
            for path in ("/dossiers", "/tracking", "/proposals", "/items/1/actions"):
                page = sam.get(path)
                assert page.status_code == 200, (lang, path)
                assert "nav.review" not in page.text and "tracking.none" not in page.text
