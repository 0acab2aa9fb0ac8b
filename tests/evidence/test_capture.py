"""Capturing items: WARC evidence readable back, hashes that match, bounds that hold."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator

import pytest
import typer
from sqlalchemy import Engine, select
from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from comity.core import audit
from comity.core.db import read_session
from comity.core.settings import Settings, override_settings
from comity.evidence.cli import register
from comity.evidence.models import Evidence
from comity.intake.models import Item
from tests.evidence.conftest import add_item
from tests.evidence.servers import RawServer, WebServer, page, redirect

app = typer.Typer()
register(app)
runner = CliRunner()
HTML = b"<html><head><title>Join &amp; fight</title></head><body>call to violence</body></html>"


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def capture(*ids: int, by: str = "alice") -> list[dict[str, object]]:
    code, out, err = invoke("capture", *map(str, ids), "--by", by, "--json")
    assert code == 0, err + out
    return list(json.loads(out))


@pytest.fixture
def limits(settings: Settings) -> Iterator[Settings]:
    tight = settings.model_copy(
        update={
            "fetch_max_bytes": 100_000,
            "capture_deadline_seconds": 3.0,
            "fetch_max_redirects": 3,
        }
    )
    with override_settings(tight):
        yield tight


def test_capture_writes_a_readable_warc_whose_hashes_match(
    engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer
) -> None:
    web.routes["/post/1"] = page(
        gzip.compress(HTML), Content_Type="text/html", Content_Encoding="gzip"
    )
    item_id = add_item(engine, web.url("/post/1"))
    [entry] = capture(item_id)
    assert entry["outcome"] == "ok" and entry["status"] == 200
    assert entry["title"] == "Join & fight"
    assert entry["content_sha256"] == hashlib.sha256(HTML).hexdigest()
    warc = settings.home / str(entry["warc_path"])
    assert hashlib.sha256(warc.read_bytes()).hexdigest() == entry["warc_sha256"]
    assert (
        entry["warc_path"]
        == f"evidence/{str(entry['warc_sha256'])[:2]}/{entry['warc_sha256']}.warc.gz"
    )
    with warc.open("rb") as handle:
        records = [
            (r.rec_type, r.rec_headers, r.content_stream().read()) for r in ArchiveIterator(handle)
        ]
    types = [t for t, _, _ in records]
    assert types == ["warcinfo", "response", "request"]  # warcio writes a pair response-first
    _, headers, body = records[1]
    assert headers.protocol == "WARC/1.1" and body == HTML
    assert headers.get_header("WARC-Target-URI") == web.url("/post/1")
    assert headers.get_header("WARC-IP-Address") == "127.0.0.1"
    stored = settings.home / str(entry["content_path"])
    assert stored.read_bytes() == HTML
    with read_session(engine) as session:
        item = session.get(Item, item_id)
        assert item is not None and item.state == "captured"
        actions = [e.action for e in audit.iter_events(session)]
        assert actions[-2:] == ["evidence.capture", "item.state"]
        assert audit.verify_chain(session).ok


def test_redirect_chain_is_followed_and_every_hop_recorded(
    engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer
) -> None:
    web.routes["/a"] = redirect("/b", 301)
    web.routes["/b"] = redirect(web.url("/c"), 307)
    web.routes["/c"] = page(HTML)
    [entry] = capture(add_item(engine, web.url("/a")))
    assert entry["outcome"] == "ok" and entry["final_url"] == web.url("/c")
    with (settings.home / str(entry["warc_path"])).open("rb") as handle:
        responses = [
            (r.rec_headers.get_header("WARC-Target-URI"), r.http_headers.get_statuscode())
            for r in ArchiveIterator(handle)
            if r.rec_type == "response"
        ]
    assert responses == [(web.url("/a"), "301"), (web.url("/b"), "307"), (web.url("/c"), "200")]


def test_redirect_loop_stops_at_the_bound(
    engine: Engine, staff: dict[str, str], limits: Settings, web: WebServer
) -> None:
    web.routes["/loop"] = redirect("/loop")
    [entry] = capture(add_item(engine, web.url("/loop")))
    assert entry["outcome"] == "too_many_redirects"
    assert web.hits.count("/loop") == limits.fetch_max_redirects + 1
    assert entry["warc_path"] is None


def test_gzip_bomb_is_stopped_at_the_decoded_bound(
    engine: Engine, staff: dict[str, str], limits: Settings, web: WebServer
) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000)  # ~50 KB on the wire, 50 MB decoded
    assert len(bomb) < limits.fetch_max_bytes
    web.routes["/bomb"] = page(bomb, Content_Encoding="gzip")
    item_id = add_item(engine, web.url("/bomb"))
    [entry] = capture(item_id)
    assert entry["outcome"] == "decompression_bomb"
    assert entry["content_sha256"] is None and entry["warc_path"] is None
    with read_session(engine) as session:
        item = session.get(Item, item_id)
        assert item is not None and item.state == "reported"  # no good evidence yet


@pytest.mark.parametrize("declared", [True, False])
def test_oversize_body_is_refused(
    engine: Engine, staff: dict[str, str], limits: Settings, web: WebServer, declared: bool
) -> None:
    big = b"x" * (limits.fetch_max_bytes + 1)

    def chunked(h):  # type: ignore[no-untyped-def]
        h.send_response(200)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        for i in range(0, len(big), 8192):
            part = big[i : i + 8192]
            h.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
        h.wfile.write(b"0\r\n\r\n")

    web.routes["/big"] = page(big) if declared else chunked
    [entry] = capture(add_item(engine, web.url("/big")))
    assert entry["outcome"] == "too_large" and entry["warc_path"] is None


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 twohundred OK\r\n\r\n",
        b"this is not http at all\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9\r\n\r\nnot gzip!",
        b"",
    ],
)
def test_malformed_response_is_recorded_as_malformed(
    engine: Engine, staff: dict[str, str], limits: Settings, reply: bytes
) -> None:
    server = RawServer(reply)
    try:
        [entry] = capture(add_item(engine, f"http://127.0.0.1:{server.port}/x"))
    finally:
        server.close()
    assert entry["outcome"] == "malformed", entry["error"]


def test_http_error_is_kept_as_evidence_but_does_not_capture_the_item(
    engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer
) -> None:
    item_id = add_item(engine, web.url("/gone"))
    [entry] = capture(item_id)
    assert entry["outcome"] == "http_error" and entry["status"] == 404
    assert (settings.home / str(entry["warc_path"])).is_file()
    with read_session(engine) as session:
        item = session.get(Item, item_id)
        assert item is not None and item.state == "reported"


def test_identical_content_on_another_url_links_the_items(
    engine: Engine, staff: dict[str, str], web: WebServer
) -> None:
    web.routes["/original"] = page(HTML)
    web.routes["/reupload"] = page(HTML)
    web.routes["/other"] = page(b"something else")
    first = add_item(engine, web.url("/original"))
    other = add_item(engine, web.url("/other"))
    capture(first, other)
    [entry] = capture(add_item(engine, web.url("/reupload")))
    assert [m["item_id"] for m in entry["mirrors"]] == [first]  # type: ignore[attr-defined]
    code, out, _ = invoke("evidence", "show", str(first), "--json")
    shown = json.loads(out)
    assert code == 0 and [m["url"] for m in shown["mirrors"]] == [web.url("/reupload")]
    assert shown["captures"][0]["outcome"] == "ok"


def test_ssrf_refusal_is_recorded_and_audited(
    engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer
) -> None:
    web.routes["/"] = page(b"secret")
    item_id = add_item(engine, web.url("/"))
    with override_settings(settings.model_copy(update={"fetch_allow": ()})):
        [entry] = capture(item_id)
    assert entry["outcome"] == "refused_ssrf" and web.hits == []
    with read_session(engine) as session:
        [row] = session.scalars(select(Evidence)).all()
        assert row.outcome == "refused_ssrf" and row.warc_path is None
        last = list(audit.iter_events(session))[-1]
        assert last.action == "evidence.capture" and last.data["outcome"] == "refused_ssrf"


def test_capture_needs_a_role_that_may_capture_and_real_items(
    engine: Engine, staff: dict[str, str], web: WebServer
) -> None:
    item_id = add_item(engine, web.url("/"))
    code, _, err = invoke("capture", str(item_id), "--by", "leo")
    assert code == 1 and "may not capture" in err
    code, _, err = invoke("capture", "999", "--by", "alice")
    assert code == 1 and "999" in err
    code, _, err = invoke("capture", "--by", "alice")
    assert code == 2 and "--all" in err
    assert web.hits == []


def test_capture_all_captures_every_item(
    engine: Engine, staff: dict[str, str], web: WebServer
) -> None:
    for n in range(3):
        web.routes[f"/{n}"] = page(f"page {n}".encode())
        add_item(engine, web.url(f"/{n}"))
    code, out, err = invoke("capture", "--all", "--by", "alice", "--json")
    assert code == 0, err
    assert [e["outcome"] for e in json.loads(out)] == ["ok", "ok", "ok"]
