"""Attacker story: one hostile host trying to hold a capture batch.

Every read from a server that sends one byte every half second arrives in
time; the overall capture deadline (headers, body and redirects together) is
what cuts it, and the rest of the batch is captured.
"""

from __future__ import annotations

import http.server
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from comity.core.settings import Settings, override_settings
from tests.evidence.conftest import add_item
from tests.evidence.servers import WebServer, page, redirect
from tests.evidence.test_capture import capture

HTML = b"<html><head><title>a post</title></head><body>the post</body></html>"


def _dribble(h: http.server.BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Length", "40")
    h.end_headers()
    for _ in range(40):  # 20 s in all, every read quick
        try:
            h.wfile.write(b"x")
            h.wfile.flush()
        except OSError:
            return
        time.sleep(0.5)


def _slow_redirect(h: http.server.BaseHTTPRequestHandler) -> None:
    time.sleep(0.7)  # each hop well within the read timeout; five of them are not
    n = int(h.path.rsplit("/", 1)[1])
    redirect(f"/slowhop/{n + 1}")(h)


@pytest.fixture
def bounded(settings: Settings) -> Iterator[Settings]:
    tight = settings.model_copy(
        update={"capture_deadline_seconds": 2.0, "fetch_timeout_seconds": 5.0}
    )
    with override_settings(tight):
        yield tight


def test_a_server_dribbling_one_byte_every_half_second_is_cut_at_the_capture_deadline(
    engine: Engine, staff: dict[str, str], bounded: Settings, web: WebServer
) -> None:
    web.routes["/drip"] = _dribble
    web.routes["/post"] = page(HTML, Content_Type="text/html")
    for n in range(6):
        web.routes[f"/slowhop/{n}"] = _slow_redirect
    ids = [add_item(engine, web.url(p)) for p in ("/drip", "/slowhop/0", "/post")]
    entries = {e["item_id"]: e for e in capture(*ids)}
    for item_id in ids[:2]:  # the dribble, and a chain of slow redirects
        assert entries[item_id]["outcome"] == "deadline"
        assert "overall deadline of 2 s reached" in str(entries[item_id]["error"])
        assert entries[item_id]["warc_path"] is None
    assert entries[ids[2]]["outcome"] == "ok"  # the rest of the batch completed
