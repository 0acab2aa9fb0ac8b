"""The shared-socket DNS transport against scripted loopback servers (forgery, loss, TC, rcodes)."""

from __future__ import annotations

import asyncio
import socket
import socketserver
import struct
import threading
from collections.abc import Callable, Iterator

import dns.flags
import dns.message
import dns.rcode
import dns.rrset
import pytest

from comity.hosting.dns import ResolverConfig, resolve, resolve_many

# handler(query, how many queries this server has seen) -> datagrams to send back
Handler = Callable[[dns.message.Message, int], list[bytes]]


def answer(query: dns.message.Message, *ips: str, ttl: int = 60) -> dns.message.Message:
    reply = dns.message.make_response(query)
    qname = query.question[0].name
    if query.question[0].rdtype == 1 and ips:
        reply.answer.append(dns.rrset.from_text(qname, ttl, "IN", "A", *ips))
    return reply


class ScriptedUdp:
    """UDP server on 127.0.0.x whose replies a test scripts; optional TCP on the same port."""

    def __init__(
        self,
        handler: Handler,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tcp: Handler | None = None,
    ) -> None:
        self.handler, self.seen = handler, 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, port))
        self.sock.settimeout(0.1)
        self.port: int = self.sock.getsockname()[1]
        self.tcp: socketserver.TCPServer | None = None
        if tcp is not None:
            self.tcp = _tcp_server(host, self.port, tcp)
            threading.Thread(target=self.tcp.serve_forever, daemon=True).start()
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop:
            try:
                data, addr = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            self.seen += 1
            for wire in self.handler(dns.message.from_wire(data), self.seen):
                self.sock.sendto(wire, addr)

    def close(self) -> None:
        self._stop = True
        self.thread.join(timeout=2)
        self.sock.close()
        if self.tcp is not None:
            self.tcp.shutdown()
            self.tcp.server_close()


def _tcp_server(host: str, port: int, handler: Handler) -> socketserver.TCPServer:
    class Handle(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            (length,) = struct.unpack("!H", self.request.recv(2))
            query = dns.message.from_wire(self.request.recv(length))
            for wire in handler(query, 0):
                self.request.sendall(struct.pack("!H", len(wire)) + wire)

    return socketserver.TCPServer((host, port), Handle)


@pytest.fixture
def scripted() -> Iterator[Callable[..., ScriptedUdp]]:
    servers: list[ScriptedUdp] = []

    def make(handler: Handler, **kwargs: object) -> ScriptedUdp:
        servers.append(ScriptedUdp(handler, **kwargs))  # type: ignore[arg-type]
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def cfg(port: int, **kwargs: object) -> ResolverConfig:
    return ResolverConfig(nameservers=("127.0.0.1",), port=port, with_ns=False, **kwargs)  # type: ignore[arg-type]


def test_forged_replies_before_the_real_one_are_ignored(scripted) -> None:  # type: ignore[no-untyped-def]
    def handler(query: dns.message.Message, _: int) -> list[bytes]:
        wrong_id = answer(query, "6.6.6.6")
        wrong_id.id = (query.id + 1) % 65536
        other_name = answer(
            dns.message.make_query("evil.test", query.question[0].rdtype), "6.6.6.7"
        )
        other_name.id = query.id  # right id, but the question does not match
        not_a_response = dns.message.make_query(query.question[0].name, "A")
        not_a_response.id = query.id  # QR bit clear: a query, not an answer
        return [
            wrong_id.to_wire(),
            other_name.to_wire(),
            not_a_response.to_wire(),
            b"\x00" * 3,  # garbage
            query.id.to_bytes(2, "big") + b"\x81\x80garbled",
            answer(query, "192.0.2.10").to_wire(),
        ]

    server = scripted(handler)
    result = asyncio.run(resolve("site.test", config=cfg(server.port)))
    assert result.status == "ok"
    assert result.ips == ("192.0.2.10",)


def test_lost_datagram_is_retransmitted(scripted) -> None:  # type: ignore[no-untyped-def]
    def handler(query: dns.message.Message, seen: int) -> list[bytes]:
        return [] if seen <= 2 else [answer(query, "192.0.2.11").to_wire()]  # drop A and AAAA once

    server = scripted(handler)
    result = asyncio.run(resolve("lossy.test", config=cfg(server.port, timeout=1.5)))
    assert result.status == "ok"
    assert result.ips == ("192.0.2.11",)
    assert server.seen >= 3


def test_single_attempt_without_answer_is_timeout(scripted) -> None:  # type: ignore[no-untyped-def]
    server = scripted(lambda query, seen: [])
    result = asyncio.run(resolve("lossy.test", config=cfg(server.port, timeout=0.3, attempts=1)))
    assert result.status == "timeout"
    assert server.seen == 2  # one A, one AAAA: no retransmission


def test_truncated_reply_falls_back_to_tcp(scripted) -> None:  # type: ignore[no-untyped-def]
    def udp(query: dns.message.Message, _: int) -> list[bytes]:
        reply = dns.message.make_response(query)
        reply.flags |= dns.flags.TC
        return [reply.to_wire()]

    def tcp(query: dns.message.Message, _: int) -> list[bytes]:
        return [answer(query, *(f"192.0.2.{i}" for i in range(1, 41))).to_wire()]

    server = scripted(udp, tcp=tcp)
    result = asyncio.run(resolve("big.test", config=cfg(server.port)))
    assert result.status == "ok"
    assert len(result.ips) == 40


@pytest.mark.parametrize(("rcode", "status"), [("REFUSED", "servfail"), ("YXDOMAIN", "error")])
def test_other_rcodes_map_to_statuses(scripted, rcode: str, status: str) -> None:  # type: ignore[no-untyped-def]
    def handler(query: dns.message.Message, _: int) -> list[bytes]:
        reply = dns.message.make_response(query)
        reply.set_rcode(dns.rcode.from_text(rcode))
        return [reply.to_wire()]

    server = scripted(handler)
    assert asyncio.run(resolve("x.test", config=cfg(server.port))).status == status
    assert server.seen == 2  # a refusing server is not asked again


def test_servfail_from_first_nameserver_moves_to_the_next(scripted) -> None:  # type: ignore[no-untyped-def]
    def failing(query: dns.message.Message, _: int) -> list[bytes]:
        reply = dns.message.make_response(query)
        reply.set_rcode(dns.rcode.SERVFAIL)
        return [reply.to_wire()]

    first = scripted(failing, host="127.0.0.1")
    try:
        second = scripted(
            lambda q, _: [answer(q, "192.0.2.12").to_wire()], host="127.0.0.2", port=first.port
        )
    except OSError:
        pytest.skip("127.0.0.2 is not usable on this host")
    config = ResolverConfig(nameservers=("127.0.0.1", "127.0.0.2"), port=first.port, with_ns=False)
    result = asyncio.run(resolve("x.test", config=config))
    assert (result.status, result.ips) == ("ok", ("192.0.2.12",))
    assert first.seen == 2 and second.seen == 2


def test_query_ids_are_random_and_many_names_keep_order(scripted) -> None:  # type: ignore[no-untyped-def]
    ids: list[int] = []

    def handler(query: dns.message.Message, _: int) -> list[bytes]:
        ids.append(query.id)
        last = str(query.question[0].name).split(".")[0].removeprefix("h")
        return [answer(query, f"192.0.2.{int(last) % 250}").to_wire()]

    server = scripted(handler)
    names = [f"h{i}.test" for i in range(300)]
    results = asyncio.run(resolve_many(names, config=cfg(server.port, concurrency=50)))
    assert [r.name for r in results] == names
    assert [r.ips for r in results] == [(f"192.0.2.{i % 250}",) for i in range(300)]
    assert len(set(ids)) > 500  # 600 queries; sequential or constant ids would collide
