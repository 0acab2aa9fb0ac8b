"""A plain-asyncio network stream for httpcore (the monitor's connections).

httpcore's `AnyIOBackend` costs a cancel scope per read and write and builds
anyio's whole attribute table on every `get_extra_info("is_readable")` (asked
each time a pooled connection is reused); profiled, that was about a quarter
of the monitor's CPU per check. This stream is an `asyncio.Protocol` with its
own buffer: a read returns what has arrived or waits for it under
`asyncio.timeout`, and "is readable" is a look at that buffer and the EOF flag.

The guard stays where it was: `connect` is only ever called with an address
the guard has judged (see `comity.evidence._transport.judge`).
"""

from __future__ import annotations

import asyncio
import ssl
import typing

import httpcore

__all__ = ["connect"]

_HIGH_WATER = 262_144  # buffered bytes before the socket stops being read


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.buffer = bytearray()
        self.eof = False
        self.error: Exception | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.drained: asyncio.Future[None] | None = None
        self.paused_writing = False
        self.paused_reading = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = typing.cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > _HIGH_WATER and self.transport is not None:
            self.transport.pause_reading()
            self.paused_reading = True
        self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.error = exc
        self._wake()
        if self.drained is not None and not self.drained.done():
            self.drained.set_result(None)

    def pause_writing(self) -> None:
        self.paused_writing = True

    def resume_writing(self) -> None:
        self.paused_writing = False
        if self.drained is not None and not self.drained.done():
            self.drained.set_result(None)

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


async def _wait(
    future: asyncio.Future[None],
    timeout: float | None,
    error: type[httpcore.TimeoutException],
    what: str,
) -> None:
    try:
        async with asyncio.timeout(timeout):
            await future
    except TimeoutError:
        raise error(f"{what} within {timeout} s") from None


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, transport: asyncio.Transport, protocol: _Protocol) -> None:
        self._transport = transport
        self._protocol = protocol

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        proto = self._protocol
        if not proto.buffer and not proto.eof:
            proto.waiter = asyncio.get_running_loop().create_future()
            try:
                await _wait(proto.waiter, timeout, httpcore.ReadTimeout, "no data")
            finally:
                proto.waiter = None
        if not proto.buffer:
            if proto.error is not None:
                raise httpcore.ReadError(str(proto.error))
            return b""
        data = bytes(proto.buffer[:max_bytes])
        del proto.buffer[:max_bytes]
        if proto.paused_reading and len(proto.buffer) < _HIGH_WATER // 2:
            proto.paused_reading = False
            self._transport.resume_reading()
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        if self._transport.is_closing():
            raise httpcore.WriteError("connection closed")
        self._transport.write(buffer)
        proto = self._protocol
        if proto.paused_writing:
            proto.drained = asyncio.get_running_loop().create_future()
            try:
                await _wait(proto.drained, timeout, httpcore.WriteTimeout, "could not send")
            finally:
                proto.drained = None
            if proto.error is not None:
                raise httpcore.WriteError(str(proto.error))

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(
                    self._transport, self._protocol, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError:
            self._transport.close()
            raise httpcore.ConnectTimeout(f"TLS handshake took over {timeout} s") from None
        except (OSError, ssl.SSLError, ConnectionError) as exc:
            self._transport.close()
            raise httpcore.ConnectError(f"TLS: {exc}") from None
        if transport is None:
            raise httpcore.ConnectError("TLS: connection closed during the handshake")
        return _Stream(transport, self._protocol)

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":
            # An idle connection with bytes waiting or an EOF is no longer reusable.
            return bool(self._protocol.buffer) or self._protocol.eof
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info in ("ssl_object", "socket"):
            return self._transport.get_extra_info(info)
        return None


async def connect(ip: str, port: int, timeout: float | None) -> httpcore.AsyncNetworkStream:
    """Open a TCP connection to `ip` (an address the guard has judged, never a name)."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            transport, protocol = await loop.create_connection(_Protocol, ip, port)
    except TimeoutError:
        raise httpcore.ConnectTimeout(f"connect to {ip}:{port} took over {timeout} s") from None
    except OSError as exc:
        raise httpcore.ConnectError(f"connect to {ip}:{port}: {exc}") from None
    return _Stream(transport, protocol)
