"""Loopback test servers: a routed HTTP server and a raw-socket server for broken HTTP."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Callable
from typing import Any

Handler = Callable[[http.server.BaseHTTPRequestHandler], None]


class _Routed(http.server.BaseHTTPRequestHandler):
    routes: dict[str, Handler]
    hits: list[str]
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.hits.append(self.path)
        handler = self.routes.get(self.path)
        if handler is None:
            send(self, 404, b"not here")
            return
        handler(self)

    def log_message(self, *args: Any) -> None:
        pass


def send(
    h: http.server.BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    headers: dict[str, str] | None = None,
) -> None:
    h.send_response(status)
    for name, value in (headers or {}).items():
        h.send_header(name, value)
    if "Content-Length" not in (headers or {}):
        h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def redirect(location: str, status: int = 302) -> Handler:
    return lambda h: send(h, status, b"", {"Location": location})


def page(body: bytes, **headers: str) -> Handler:
    fixed = {k.replace("_", "-"): v for k, v in headers.items()}
    return lambda h: send(h, 200, body, fixed)


class WebServer:
    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: list[str] = []
        handler = type("H", (_Routed,), {"routes": self.routes, "hits": self.hits})
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class RawServer:
    """Accepts connections, reads the request, sends `reply` bytes verbatim, closes."""

    def __init__(self, reply: bytes) -> None:
        self.reply = reply
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._sock.getsockname()[1])

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    conn.recv(65536)
                    conn.sendall(self.reply)
                except OSError:
                    pass

    def close(self) -> None:
        self._stop = True
        self._sock.close()
