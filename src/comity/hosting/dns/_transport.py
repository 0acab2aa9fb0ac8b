"""One DNS exchange over a shared pool of asyncio UDP sockets, TCP when truncated.

Why not dnspython's `asyncquery.udp` / asyncresolver: it opens a new socket for
every query, and on this platform a fresh socket's first send costs
milliseconds, which capped throughput at ~300 queries/s.  Here a few UDP
sockets are opened once per `resolve_many` call and shared by every query;
messages are encoded and decoded by `_wire` (dnspython's Message was the next
bottleneck), TCP fallback uses dnspython.

Spoofing / cache-poisoning (RFC 5452): an off-path attacker has to guess the
query id and the source port.  Ids come from the OS CSPRNG (`secrets`); each
socket is bound to an OS-chosen ephemeral port and `connect`ed to its
nameserver, so the kernel drops datagrams from any other address.  Because a
pool is reused for a whole run, the ports stay fixed for that run (16 bits of
id plus a few ports, instead of a fresh port per query as RFC 5452 prefers);
this is acceptable because Comity keeps no cache -- a forged answer could
taint one observation, never later ones -- and the resolver is configured by
the operator (normally a trusted recursive resolver).  A reply is accepted
only if it parses as a reply to this query (same id, QR set, opcode QUERY,
same question name/type/class: `_wire.parse_reply`); anything else is dropped
and the query keeps waiting, so a forged or garbled datagram can neither
answer nor abort a query.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from typing import cast

import dns.asyncquery
import dns.exception
import dns.message
import dns.rcode

from comity.hosting.dns._wire import Reply, WireError, encode_query, parse_reply

__all__ = ["Exchange", "Question", "UdpPool", "exchange"]

# Four sockets per nameserver: enough to spread kernel buffers, few enough that
# setting them up stays cheap for a one-name call.
_SOCKETS_PER_SERVER = 4
_RETRY_RCODES = frozenset(
    {dns.rcode.SERVFAIL, dns.rcode.REFUSED, dns.rcode.NOTIMP, dns.rcode.FORMERR}
)


@dataclass(frozen=True)
class Question:
    """A query's name in wire form and its type code."""

    qname: bytes
    qtype: int


class _Socket(asyncio.DatagramProtocol):
    """One connected UDP socket; replies are matched to waiting queries by id and question."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.pending: dict[int, tuple[Question, asyncio.Future[Reply]]] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # The selector loop's datagram transport does not subclass DatagramTransport.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        if len(data) < 12:
            return
        qid = int.from_bytes(data[:2], "big")
        entry = self.pending.get(qid)
        if entry is None:
            return  # late answer to a retried or expired query, or noise
        question, future = entry
        try:
            reply = parse_reply(data, qid, question.qname, question.qtype)
        except WireError:
            return  # forged or garbled: keep waiting for the real answer
        if not future.done():
            future.set_result(reply)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable etc.: the query simply times out (or is retried).
        return

    def new_id(self) -> int:
        while True:
            qid = secrets.randbits(16)
            if qid not in self.pending:
                return qid


@dataclass
class UdpPool:
    """Sockets per nameserver, opened by `open()` and closed by `close()`."""

    port: int
    _sockets: dict[str, list[_Socket]] = field(default_factory=dict)
    _next: int = 0

    async def open(self, servers: tuple[str, ...]) -> None:
        """Open the sockets before any query, so concurrent queries never race to create them."""
        loop = asyncio.get_running_loop()
        for server in servers:
            if server in self._sockets:
                continue
            sockets: list[_Socket] = []
            self._sockets[server] = sockets
            for _ in range(_SOCKETS_PER_SERVER):
                _, proto = await loop.create_datagram_endpoint(
                    _Socket, remote_addr=(server, self.port)
                )
                sockets.append(proto)

    def _socket_for(self, server: str) -> _Socket:
        sockets = self._sockets[server]
        self._next += 1
        return sockets[self._next % len(sockets)]

    async def udp(self, question: Question, server: str, timeout: float) -> Reply | None:
        """Send once and wait for the matching reply; None on timeout."""
        sock = self._socket_for(server)
        assert sock.transport is not None
        qid = sock.new_id()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Reply] = loop.create_future()
        sock.pending[qid] = (question, future)
        # call_later instead of asyncio.wait_for: no extra task per query.
        expiry = loop.call_later(timeout, _expire, future)
        try:
            sock.transport.sendto(encode_query(qid, question.qname, question.qtype))
            return await future
        except TimeoutError:
            return None
        finally:
            expiry.cancel()
            del sock.pending[qid]

    def close(self) -> None:
        for sockets in self._sockets.values():
            for sock in sockets:
                if sock.transport is not None:
                    sock.transport.close()
        self._sockets.clear()


def _expire(future: asyncio.Future[Reply]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())


@dataclass(frozen=True)
class Exchange:
    """The final reply for one question, or why there is none."""

    reply: Reply | None
    failure: str | None  # "timeout", "servfail" or "error" when reply is None


async def exchange(
    pool: UdpPool,
    question: Question,
    *,
    nameservers: tuple[str, ...],
    timeout: float,
    attempts: int,
) -> Exchange:
    """Ask the nameservers in turn within `timeout` seconds overall.

    Like dnspython's resolver: a timeout or a SERVFAIL/REFUSED moves to the next
    server; a server that refused is not asked again; NXDOMAIN and NOERROR are
    final.  A truncated UDP reply (TC bit) is re-asked over TCP (RFC 7766).
    """
    per_try = timeout / attempts
    usable = list(nameservers)
    failure = "timeout"
    for attempt in range(attempts):
        if not usable:
            break
        server = usable[attempt % len(usable)]
        reply = await pool.udp(question, server, per_try)
        if reply is None:
            failure = "timeout"
            continue
        if reply.truncated:
            reply = await _tcp(question, server, pool.port, per_try)
            if reply is None:
                failure = "error"
                continue
        if reply.rcode in _RETRY_RCODES:
            failure = "servfail"
            usable.remove(server)
            continue
        return Exchange(reply, None)
    return Exchange(None, failure)


async def _tcp(question: Question, server: str, port: int, timeout: float) -> Reply | None:
    qid = secrets.randbits(16)
    query = dns.message.from_wire(encode_query(qid, question.qname, question.qtype))
    try:
        # dnspython checks the reply matches (id, question) and raises otherwise
        reply = await dns.asyncquery.tcp(query, server, timeout=timeout, port=port)
        return parse_reply(reply.to_wire(), qid, question.qname, question.qtype)
    except (dns.exception.DNSException, OSError, WireError):
        return None
