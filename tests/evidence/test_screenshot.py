"""Screenshots render the captured copy, never the live page, and run none of its scripts."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from comity.core.settings import Settings
from comity.evidence.screenshot import ScreenshotUnavailable, chromium_path, render
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


def test_a_chromium_that_hangs_with_helper_processes_is_killed_whole_at_its_time_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stand-in for a Chromium stuck on a hostile page: it forks a helper that
    # keeps its output open (as Chromium's renderer does) and never finishes.
    pidfile = tmp_path / "helper.pid"
    fake = tmp_path / "bin" / "chromium"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\nsleep 30 &\necho $! > {pidfile}\nsleep 30\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(ScreenshotUnavailable, match="longer than 2s"):
        render(b"<h1>poster</h1>", timeout=2.0)
    stat = Path(f"/proc/{int(pidfile.read_text())}/stat")

    def running() -> bool:  # gone, or a zombie waiting to be reaped, is not running
        try:
            return stat.read_text().split(")")[-1].split()[0] != "Z"
        except FileNotFoundError:
            return False

    # SIGKILL is delivered at once but the exit takes a moment: wait for it, boundedly.
    for _ in range(100):
        if not running():
            break
        time.sleep(0.05)
    assert not running()  # the helper was killed with it, not left holding the pipes
