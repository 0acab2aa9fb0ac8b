"""Pinned connections: connect only to addresses the guard has judged, keep the name.

`judge` is the one place that turns a resolved host name into the addresses
a connection may go to (every address judged, or the operator's route); the
evidence fetcher (synchronous, below) and the monitor's prober
(`comity.tracking.probe`, asynchronous) both connect only to what it returns.

httpcore asks its network backend to connect to the URL's host name; our
backend ignores the name and connects to the pinned, already-checked address
(TLS still uses the name for SNI and certificate checks). Every read, write
and connect is clamped to the capture's overall deadline, so a server that
dribbles one byte at a time cannot hold a capture past its time bound.
"""

from __future__ import annotations

import ssl
import time
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence

import httpcore
import httpx

from comity.evidence.guard import Guard
from comity.urls._addresses import IPAddress

__all__ = ["Connect", "PinnedTransport", "default_connect", "judge"]

# (ip, port, timeout) -> an open stream. Tests replace it to see every connection attempt.
Connect = Callable[[str, int, float], httpcore.NetworkStream]

_backend = httpcore.SyncBackend()


def default_connect(ip: str, port: int, timeout: float) -> httpcore.NetworkStream:
    return _backend.connect_tcp(ip, port, timeout=timeout)


def judge(
    guard: Guard,
    host: str,
    addresses: Sequence[IPAddress],
    port: int,
    routes: Mapping[str, tuple[str, int]],
) -> list[tuple[str, int]]:
    """The (ip, port) pairs to try for `host`, which resolved to `addresses`.

    Every address is judged, not only the one connected to: a name that
    answers with one public and one private address must not get a chance to
    reach the private one. The URL's port is judged too (not a route's: routes
    are the operator's). Raises `GuardRefusal`. A routed host (an operator's
    connect override) goes to its route, still only after its addresses passed.
    """
    guard.check_port(host, port)
    for address in addresses:
        guard.check_address(host, address)
    if host in routes:
        return [routes[host]]
    return [(str(address), port) for address in addresses]


def _remaining(deadline: float, timeout: float | None, *, exc: type[Exception]) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise exc("capture time limit reached")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadline: float) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        left = _remaining(self._deadline, timeout, exc=httpcore.ReadTimeout)
        return self._inner.read(max_bytes, timeout=left)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        left = _remaining(self._deadline, timeout, exc=httpcore.WriteTimeout)
        self._inner.write(buffer, timeout=left)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = _remaining(self._deadline, timeout, exc=httpcore.ConnectTimeout)
        inner = self._inner.start_tls(ssl_context, server_hostname, timeout=left)
        return _DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    def __init__(
        self, targets: Sequence[tuple[str, int]], connect: Connect, deadline: float
    ) -> None:
        self._targets = targets
        self._connect = connect
        self._deadline = deadline
        self.connected: tuple[str, int] | None = None

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        last: Exception = httpcore.ConnectError(f"no address to connect to for {host}")
        for ip, target_port in self._targets:
            left = _remaining(self._deadline, timeout, exc=httpcore.ConnectTimeout)
            try:
                stream = self._connect(ip, target_port, left)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
                continue
            self.connected = (ip, target_port)
            return _DeadlineStream(stream, self._deadline)
        raise last

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are never used for capture")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _Body(httpx.SyncByteStream):
    def __init__(self, stream: typing.Iterable[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class PinnedTransport(httpx.BaseTransport):
    """One hop's transport: connects only to `targets` ((ip, port) already checked).

    httpcore exceptions are left unmapped on purpose: the fetcher classifies
    them itself into capture outcomes.
    """

    def __init__(
        self,
        targets: Sequence[tuple[str, int]],
        *,
        connect: Connect,
        deadline: float,
        ssl_context: ssl.SSLContext,
    ) -> None:
        self.backend = _PinnedBackend(targets, connect, deadline)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=1,
            retries=0,
            network_backend=self.backend,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        response = self._pool.handle_request(core_request)
        assert isinstance(response.stream, typing.Iterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()
