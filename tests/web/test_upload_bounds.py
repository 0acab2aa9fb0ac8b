"""Attacker stories: filling the server's disk with an upload.

A real uvicorn server on loopback and a raw socket client that streams its
body from a generator (never allocated): the server must answer before it
reads the body, and its temporary directory, where Starlette spools uploads,
must not grow.
"""

from __future__ import annotations

import select
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from comity.core.settings import Settings
from comity.web.app import create_app
from tests.web.browser import serve

GB = 1_000_000_000
_CHUNK = bytes(65_536)
_BOUNDARY = "comitybound"
# Past this the server is plainly reading the body: the test stops feeding it.
_GIVE_UP = 64_000_000


def _zeros(total: int) -> Iterator[bytes]:
    for _ in range(total // len(_CHUNK)):
        yield _CHUNK


def _post(
    base: str, path: str, headers: dict[str, str], body: Iterator[bytes], *, chunked: bool = False
) -> tuple[int, int]:
    """Send the request, streaming `body` until the server answers; (status, bytes sent)."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    with sock:
        lines = [
            f"POST {path} HTTP/1.1",
            f"Host: {host}",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        sock.setblocking(False)
        sent, pending = 0, b""
        for chunk in body:
            pending = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk
            answered = False
            while pending:
                readable, writable, _ = select.select([sock], [sock], [], 10)
                if readable:
                    answered = True
                    break
                if not writable:
                    break  # the server stopped reading and says nothing: the status will tell
                try:
                    n = sock.send(pending)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:  # the server closed the connection after answering
                    answered = True
                    break
                sent, pending = sent + n, pending[n:]
            if answered or pending or sent > _GIVE_UP:
                break
        sock.settimeout(10)
        head = b""
        try:
            while b"\r\n" not in head:
                part = sock.recv(4096)
                if not part:
                    break
                head += part
        except TimeoutError:  # still waiting for the body: no answer at all
            return 0, sent
    return int(head.split()[1]), sent


def _spooled(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


@pytest.fixture
def spool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The server's temporary directory (where Starlette spools uploads), watched."""
    folder = tmp_path / "server-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _multipart(length: int) -> dict[str, str]:
    return {
        "Content-Type": f"multipart/form-data; boundary={_BOUNDARY}",
        "Content-Length": str(length),
    }


@pytest.mark.parametrize(
    ("path", "refusal"), [("/api/v1/intake/import", 401), ("/intake/import", 303)]
)
def test_an_anonymous_1_gb_upload_is_refused_before_its_body_is_read(
    app: FastAPI, spool: Path, path: str, refusal: int
) -> None:
    with serve(app) as base:
        status, sent = _post(base, path, _multipart(GB), _zeros(GB))
    assert status == refusal  # 401 on the API; a page sends the anonymous to /login
    assert sent < 32_000_000  # what the sockets' buffers held before the answer, not 1 GB
    assert _spooled(spool) == 0


def test_an_anonymous_chunked_upload_of_unknown_length_is_refused_unread(
    app: FastAPI, spool: Path
) -> None:
    headers = {"Content-Type": f"multipart/form-data; boundary={_BOUNDARY}"}
    with serve(app) as base:
        status, sent = _post(base, "/api/v1/intake/import", headers, _zeros(GB), chunked=True)
    assert status == 401 and sent < 32_000_000
    assert _spooled(spool) == 0


def test_a_logged_in_1_gb_upload_gets_413_from_its_content_length(
    app: FastAPI, spool: Path, tokens: dict[str, str]
) -> None:
    headers = {**_multipart(GB), "Authorization": f"Bearer {tokens['analyst']}"}
    with serve(app) as base:
        status, sent = _post(base, "/api/v1/intake/import", headers, _zeros(GB))
    assert status == 413 and sent < 32_000_000
    assert _spooled(spool) == 0


def test_a_logged_in_chunked_upload_is_cut_with_413_as_it_passes_the_limit(
    settings: Settings, spool: Path, tokens: dict[str, str]
) -> None:
    small = create_app(settings.model_copy(update={"max_upload_mb": 2}))
    headers = {
        "Content-Type": f"multipart/form-data; boundary={_BOUNDARY}",
        "Authorization": f"Bearer {tokens['analyst']}",
    }
    part = (
        f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()

    def body() -> Iterator[bytes]:
        yield part
        yield from _zeros(GB)

    with serve(small) as base:
        status, sent = _post(base, "/api/v1/intake/import", headers, body(), chunked=True)
    assert status == 413
    assert sent < 40_000_000
    assert _spooled(spool) <= 2_000_000  # what was read up to the limit, at most


def test_the_upload_limit_setting_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("COMITY_MAX_UPLOAD_MB", "0")
    with pytest.raises(ValidationError, match="max_upload_mb"):
        Settings()


def test_an_anonymous_50_mb_log_in_form_is_refused_unread(app: FastAPI) -> None:
    # The log-in form is open to anyone: only an import route takes more than 1 MB.
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Content-Length": str(50_000_000),
    }
    with serve(app) as base:
        status, sent = _post(base, "/login", headers, _zeros(50_000_000))
        chunked, sent_chunked = _post(
            base,
            "/login",
            {"Content-Type": "application/x-www-form-urlencoded"},
            _zeros(50_000_000),
            chunked=True,
        )
    assert status == 413 and sent < 32_000_000
    assert chunked == 413 and sent_chunked < 32_000_000
