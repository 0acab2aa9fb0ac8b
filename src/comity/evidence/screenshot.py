"""Optional full-page screenshot of the *captured copy* with headless Chromium.

The captured page is hostile, so Chromium never sees the live URL: it renders
the stored body from a private temporary file under a Content Security Policy
(prepended, so it precedes anything in the page) that forbids every script,
inline or not, and every subresource; meta refreshes are defused, every
host name resolving to nothing and all traffic (loopback included) sent to a
dead proxy. The page can therefore neither run code nor make Chromium fetch
anything (no way around the SSRF guard). Chromium's own switch
`--blink-settings=scriptEnabled=false` makes Chromium 156 write no screenshot
at all, hence the CSP.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

__all__ = ["CHROMIUM", "ScreenshotUnavailable", "chromium_path", "render"]

CHROMIUM = "chromium"
_CSP = (
    b'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
    b"style-src 'unsafe-inline'; img-src data:; font-src data:\">"
)
_REFRESH = re.compile(rb"http-equiv\s*=\s*[\"']?\s*refresh", re.IGNORECASE)


class ScreenshotUnavailable(Exception):
    """No screenshot could be taken; the message says why."""


def chromium_path() -> str | None:
    return shutil.which(CHROMIUM) or shutil.which("chromium-browser")


def _defused(body: bytes) -> bytes:
    return _CSP + _REFRESH.sub(b'data-defused="refresh', body)


def _run_bounded(command: list[str], timeout: float) -> None:
    """Run Chromium for at most `timeout` seconds, its helper processes included.

    Chromium forks renderer and zygote processes: killing only the browser (as
    `subprocess.run` does on timeout) leaves them running on the hostile page,
    one more set per capture. So it runs in a session of its own and the whole
    process group is killed.
    """
    child = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        child.wait(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise ScreenshotUnavailable(f"chromium took longer than {timeout:.0f}s") from exc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)  # helpers left behind, if any
        child.wait()


def render(body: bytes, *, timeout: float = 60.0) -> bytes:
    """PNG bytes of `body` rendered as HTML (never fetched from the network)."""
    binary = chromium_path()
    if binary is None:
        raise ScreenshotUnavailable("chromium is not installed (apt install chromium)")
    with tempfile.TemporaryDirectory(prefix="comity-shot-") as tmp:
        page = Path(tmp) / "page.html"
        page.write_bytes(_defused(body))
        out = Path(tmp) / "shot.png"
        command = [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--proxy-server=http://127.0.0.1:9",
            "--proxy-bypass-list=<-loopback>",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--screenshot={out}",
            "--window-size=1280,2000",
            page.as_uri(),
        ]
        _run_bounded(command, timeout)
        if not out.is_file():
            raise ScreenshotUnavailable("chromium wrote no screenshot")
        return out.read_bytes()
