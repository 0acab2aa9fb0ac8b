"""A loopback HTTP server whose answers the test sets per path."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a slow site)
    drip: float = 0.0  # seconds between the body's bytes (a site that dribbles)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self.server.hits.append((self.path, dict(self.headers.items())))
        answer = self.server.answers.get(self.path, Answer(404, b"no such page"))
        if answer.delay:
            time.sleep(answer.delay)
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            if not answer.drip:
                self.wfile.write(answer.body)  # the client may have given up (a timeout test)
                return
            for byte in answer.body:  # each read is quick; the whole never is
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(answer.drip)

    def log_message(self, *args: Any) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    answers: dict[str, Answer]
    hits: list[tuple[str, dict[str, str]]]


class Site:
    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.answers = {}
        self._server.hits = []
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def answers(self) -> dict[str, Answer]:
        return self._server.answers

    @property
    def hits(self) -> list[tuple[str, dict[str, str]]]:
        return self._server.hits

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
