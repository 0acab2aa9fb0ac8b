"""Screenshots render the captured copy, never the live page, and run none of its scripts."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine

from comity.core.settings import Settings
from comity.evidence.screenshot import chromium_path
from tests.evidence.conftest import add_item
from tests.evidence.servers import WebServer, page
from tests.evidence.test_capture import invoke


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="chromium is not installed")
def test_screenshot_of_captured_copy_fetches_nothing(
    engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer
) -> None:
    beacon = web.url("/beacon")
    hostile = (
        f'<h1>poster</h1><img src="{beacon}"><link rel=stylesheet href="{beacon}">'
        f"<script>fetch('{beacon}')</script>"
        f'<meta http-equiv="refresh" content="0; url={beacon}">'
    ).encode()
    web.routes["/page"] = page(hostile, Content_Type="text/html")
    item_id = add_item(engine, web.url("/page"))
    code, out, err = invoke("capture", str(item_id), "--screenshot", "--by", "alice", "--json")
    assert code == 0, err
    [entry] = json.loads(out)
    png = settings.home / entry["screenshot_path"]
    assert png.read_bytes().startswith(b"\x89PNG")
    assert web.hits == ["/page"]  # the capture itself; Chromium reached nothing


def test_untrusted_title_is_shown_as_text_not_markup(
    engine: Engine, staff: dict[str, str], web: WebServer
) -> None:
    web.routes["/t"] = page(b"<title>[red]x[/red] [link=http://evil.example]y[/link]</title>")
    item_id = add_item(engine, web.url("/t"))
    invoke("capture", str(item_id), "--by", "alice")
    code, out, _ = invoke("evidence", "show", str(item_id))
    assert code == 0 and "[red]" in out and "[link=" in out  # shown, not interpreted
