"""Attacker stories: a captured page that tries to run, load or navigate when a reviewer reads it.

The hostile page (served on a loopback site and captured as evidence) has a
<script>, an <img onerror>, a meta refresh and an SVG with a script; each would
call back to the hostile site if it ran, and its plain <img> would load from it.
The case file shows the passage the report quotes (escaped) and the whole text
in a `sandbox=""` frame from a plain-text view; the page's source has a view
of its own. Nothing of it may run, load or navigate: checked on the headers of
both views and in Debian's Chromium, where the hostile site must receive no
request, the browser must make no request outside the application and log
nothing, open no dialog and stay on the page.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from comity.core.db import session_scope
from comity.core.settings import Settings
from comity.evidence.service import capture_configured
from comity.intake.service import add_report
from comity.web.casefile import passage
from tests.evidence.servers import WebServer, page
from tests.web.browser import ARGS, CHROMIUM, serve
from tests.web.conftest import PASSWORD, TestClient, log_in

QUOTE = "join the caravan of the faithful before the winter"
NOTE = f"Recruitment call; the post says «{QUOTE.upper()}» in its second paragraph."


def hostile(site: str) -> bytes:
    """A page whose every trick calls `site` back: a hit there means something ran or loaded."""
    return f"""<!doctype html><html><head><title>Call to arms</title>
<meta http-equiv="refresh" content="0; url={site}/beacon-refresh">
<script>fetch("{site}/beacon-script"); alert("script ran"); document.title = "owned";</script>
</head><body>
<p>First paragraph of the post, which says nothing yet.</p>
<p>Brothers, {QUOTE} comes; the road is open.</p>
<img src="x" onerror="fetch('{site}/beacon-onerror'); alert('onerror ran')">
<img src="{site}/beacon-img" alt="">
<svg xmlns="http://www.w3.org/2000/svg"><script>fetch("{site}/beacon-svg");</script>
<image href="{site}/beacon-svg-image" width="10" height="10"/></svg>
<iframe src="{site}/beacon-frame"></iframe>
<link rel="stylesheet" href="{site}/beacon-css">
</body></html>""".encode()


@pytest.fixture
def web() -> Iterator[WebServer]:
    server = WebServer()
    yield server
    server.close()


@pytest.fixture
def captured(engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer) -> int:
    """The item's id, with its hostile page captured once (the capture's one request)."""
    web.routes["/post"] = page(hostile(web.url("")), Content_Type="text/html; charset=utf-8")
    with session_scope(engine) as session:
        item, _, _ = add_report(
            session=session,
            url=web.url("/post"),
            conduct="terrorism.recruitment",
            note=NOTE,
            actor="alice",
            allow=settings.fetch_allow,
        )
        item_id = item.id
    capture_configured(
        engine=engine, settings=settings, item_ids=[item_id], actor="alice", screenshot=False
    )
    assert web.hits == ["/post"]
    return item_id


SANDBOX = "sandbox; default-src 'none'; frame-ancestors 'self'"


def test_both_views_are_plain_text_under_a_sandbox(
    client: TestClient, passwords: str, captured: int
) -> None:
    log_in(client, "rita")
    item = client.get(f"/items/{captured}")
    assert item.status_code == 200
    html = item.text
    # The passage the report quotes, found whatever its case, is marked; markup is escaped.
    assert f"<mark>{QUOTE}</mark>" in html
    assert "&lt;script" not in html.split('id="captured-text"')[1].split("</figure>")[0]
    assert 'sandbox=""' in html and 'iframe class="captured"' in html
    frame = html.split('<iframe class="captured"')[1].split(">")[0]
    evidence_id = frame.split("/evidence/")[1].split("/")[0]
    for view, holds in (("text", QUOTE), ("source", "<script>fetch(")):
        response = client.get(f"/evidence/{evidence_id}/{view}")
        assert response.status_code == 200, view
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert response.headers["content-security-policy"] == SANDBOX
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "SAMEORIGIN"
        assert "content-disposition" not in response.headers
        assert holds in response.text
    text = client.get(f"/evidence/{evidence_id}/text").text
    assert "fetch(" not in text and "Call to arms" in text  # the visible text, title first
    # Every other page keeps the strict defaults: no one frames the application.
    assert item.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in item.headers["content-security-policy"]


def test_views_need_a_reader_and_an_existing_text(
    client: TestClient, passwords: str, captured: int
) -> None:
    assert client.get("/evidence/1/text", follow_redirects=False).status_code in (303, 401)
    log_in(client, "rita")
    assert client.get("/evidence/999/text").status_code == 404
    assert client.get("/evidence/999/source").status_code == 404


def test_the_passage_is_the_quoted_words_with_context_or_the_opening() -> None:
    text = "word " * 100 + "the Quoted Words here " + "tail " * 100
    found = passage(text, ['he wrote "the quoted   words"'])
    assert found["quoted"] and found["match"] == "the Quoted Words"
    assert found["cut_before"] and found["cut_after"]
    assert found["before"].startswith("word") and found["after"].endswith("tail")
    opening = passage(text, ["no quotation here", '"absent words"'])
    assert not opening["quoted"] and opening["match"] == ""
    assert opening["before"].startswith("word word") and opening["cut_after"]
    assert passage("short text", [])["before"] == "short text"


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's /usr/bin/chromium is not installed")
def test_nothing_captured_runs_or_loads_in_chromium(
    app: FastAPI, passwords: str, captured: int, web: WebServer
) -> None:
    from playwright.sync_api import sync_playwright

    with serve(app) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context()
            page_ = context.new_page()
            requests: list[str] = []
            events: list[str] = []
            context.on("request", lambda r: requests.append(r.url))
            page_.on("console", lambda m: events.append(f"console {m.type}: {m.text}"))
            page_.on("dialog", lambda d: (events.append(f"dialog {d.message}"), d.dismiss()))
            page_.on("pageerror", lambda e: events.append(f"pageerror {e}"))
            page_.goto(f"{server}/login")
            page_.fill("input[name=username]", "rita")
            page_.fill("input[name=password]", PASSWORD)
            page_.click("button[type=submit]")
            page_.wait_for_url(f"{server}/items")
            item_url = f"{server}/items/{captured}"
            page_.goto(item_url)
            page_.click("details.captured-text > summary")
            frame = page_.locator("iframe.captured")
            frame.scroll_into_view_if_needed()
            body = page_.frame_locator("iframe.captured").locator("body")
            assert QUOTE in body.inner_text()
            text_url = f"{server}{frame.get_attribute('src')}"
            source_url = text_url.rsplit("/", 1)[0] + "/source"
            # The views opened on their own, outside the frame, are as inert.
            for url in (text_url, source_url):
                page_.goto(url)
                assert "<script>" in page_.inner_text("body") or QUOTE in page_.inner_text("body")
            page_.goto(item_url)
            time.sleep(1.5)  # the meta refresh's 0 s, the image error, the scripts: all had time
            assert page_.url == item_url
            assert page_.title() != "owned"
        finally:
            browser.close()
    assert web.hits == ["/post"], web.hits  # the capture's fetch, and nothing since
    assert events == []
    foreign = [u for u in requests if not u.startswith(server)]
    assert foreign == []
