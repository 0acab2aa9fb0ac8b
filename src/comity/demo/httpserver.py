"""Loopback HTTP server answering for demo Host headers with synthetic, harmless pages."""

from __future__ import annotations

import html
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from comity.demo.media import media
from comity.demo.sites import DemoSite

__all__ = ["DemoHttpServer", "render"]

_LOREM = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
    "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat."
)
_BANNER = "COMITY DEMO CONTENT - synthetic placeholder text, not real material"


def _page(title: str, body: str) -> bytes:
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body>"
        f"<p><strong>{_BANNER}</strong></p><h1>{html.escape(title)}</h1>{body}</body></html>"
    ).encode()


def render(
    site: DemoSite | None, path: str, *, taken_down: bool = False
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body the demo serves for `site` at `path` (pure; tested directly).

    `taken_down`: the host has removed the content since (after a request).
    """
    headers = {"Content-Type": "text/html; charset=utf-8", "X-Comity-Demo": "1"}
    if site is None:
        # RFC 9110 §15.5.20: this server is not authoritative for that host.
        return 421, headers, _page("Misdirected request", "<p>Not a demo host.</p>")
    if taken_down:
        return 404, headers, _page("Not found", "<p>This content has been removed.</p>")
    if site.http == "gone":
        return 410, headers, _page("Gone", "<p>This demo paste was removed.</p>")
    if site.http == "not_found":
        return 404, headers, _page("Not found", "<p>No such demo page.</p>")
    if site.http == "legal_block":
        # RFC 7725: 451 with a Link to the blocking authority.
        headers["Link"] = '<https://authority.demo-legal.example/>; rel="blocked-by"'
        return 451, headers, _page("Unavailable for legal reasons", "<p>Withheld (demo).</p>")
    if site.http == "challenge":
        headers["Server"] = "ddos-guard"
        return (
            403,
            headers,
            _page(
                "Checking your browser",
                "<p>DDoS protection challenge (demo). Enable JavaScript.</p>",
            ),
        )
    served = media(path)
    if served is not None:
        content, media_type = served
        return 200, {**headers, "Content-Type": media_type}, content
    body = (
        f"<p>Demo site: {html.escape(site.what)}.</p>"
        f"<p>Path: {html.escape(path)}</p><article><p>{_LOREM}</p><p>{_LOREM}</p></article>"
    )
    return 200, headers, _page(f"{site.name} (demo)", body)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _answer(self, with_body: bool) -> None:
        host = (self.headers.get("Host") or "").lower()
        # strip the port; an IPv6 literal keeps its brackets
        host = host.split("]")[0] + "]" if host.startswith("[") else host.split(":")[0]
        name = host.rstrip(".")
        site = self.server.sites.get(name)
        down = name in self.server.taken_down or (name, self.path) in self.server.removed
        status, headers, body = render(site, self.path, taken_down=down)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer(True)

    def do_HEAD(self) -> None:
        self._answer(False)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the demo must not print a line per request."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    sites: dict[str, DemoSite]
    taken_down: frozenset[str] = frozenset()
    removed: frozenset[tuple[str, str]] = frozenset()  # (host, path): one page removed


class DemoHttpServer:
    def __init__(self, sites: tuple[DemoSite, ...], *, host: str = "127.0.0.1", port: int = 0):
        self._server = _Server((host, port), _Handler)
        self._server.sites = {site.name: site for site in sites}
        self.host = host
        self.port: int = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    def take_down(self, name: str) -> None:
        """From now on `name` answers 404 "removed" on every path."""
        if name not in self._server.sites:
            raise KeyError(f"{name} is not a demo site")
        # A new frozenset, swapped in whole: request threads never see it half-changed.
        self._server.taken_down = self._server.taken_down | {name}

    def is_down(self, name: str) -> bool:
        return name in self._server.taken_down

    def remove(self, name: str, path: str) -> None:
        """From now on `name` answers 404 "removed" at `path` only."""
        if name not in self._server.sites:
            raise KeyError(f"{name} is not a demo site")
        self._server.removed = self._server.removed | {(name, path)}

    def put_back(self, name: str) -> None:
        """The host puts the content back (a reinstatement): `name` answers as before."""
        self._server.taken_down = self._server.taken_down - {name}

    def start(self) -> DemoHttpServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="comity-demo-http", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()
