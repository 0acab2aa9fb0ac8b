"""A small authoritative DNS server on loopback (dnslib), for the demo and the tests.

dnslib's own `ZoneResolver` answers NXDOMAIN for a name that exists without a
record of the asked type and does not follow CNAME chains, so real resolvers
(dnspython) would see wrong answers.  This resolver follows RFC 1034 §4.3.2:
it chases CNAMEs inside the zone, answers NOERROR with an empty answer (NODATA)
when the name exists but has no record of that type, NXDOMAIN only when the
name does not exist, and puts the SOA in the authority section of negative
answers so resolvers can cache them (RFC 2308).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dnslib import QTYPE, RCODE, RR, DNSRecord
from dnslib.server import BaseResolver, DNSLogger, DNSServer

__all__ = ["LoopbackDnsServer", "SilentUdpServer", "ZoneRecord", "ZoneResolver"]

_MAX_CHAIN = 8  # a CNAME chain longer than this is a loop or a misconfiguration


@dataclass(frozen=True)
class ZoneRecord:
    """One resource record: owner name, type (A, AAAA, CNAME, NS, TXT), value, TTL."""

    name: str
    rtype: str
    value: str
    ttl: int = 300

    def key(self) -> str:
        return _norm(self.name)


def _norm(name: str) -> str:
    return name.rstrip(".").lower()


@dataclass
class ZoneResolver(BaseResolver):  # type: ignore[misc]
    """Answers from a list of records; names in `servfail` always get SERVFAIL."""

    records: Iterable[ZoneRecord]
    servfail: frozenset[str] = frozenset()
    soa_name: str = "example"
    _by_name: dict[str, list[ZoneRecord]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.set_records(self.records)
        self._servfail = {_norm(name) for name in self.servfail}

    def set_records(self, records: Iterable[ZoneRecord]) -> None:
        """Replace the zone (one assignment, so a query in flight sees old or new, never half)."""
        by_name: dict[str, list[ZoneRecord]] = {}
        for record in records:
            by_name.setdefault(record.key(), []).append(record)
        self._by_name = by_name

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        reply = request.reply()
        qname = _norm(str(request.q.qname))
        qtype = QTYPE[request.q.qtype]
        if qname in self._servfail:
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        name = qname
        for _ in range(_MAX_CHAIN):
            records = self._by_name.get(name)
            if records is None:
                if name == qname:
                    reply.header.rcode = RCODE.NXDOMAIN
                break
            matching = [r for r in records if r.rtype == qtype]
            if matching:
                reply.rr.extend(_rr(r) for r in matching)
                break
            cnames = [r for r in records if r.rtype == "CNAME"]
            if not cnames or qtype == "CNAME":
                break
            reply.add_answer(_rr(cnames[0]))
            name = _norm(cnames[0].value)
        if not reply.rr:
            reply.add_auth(
                *RR.fromZone(
                    f"{self.soa_name}. 300 IN SOA ns1.{self.soa_name}. "
                    f"hostmaster.{self.soa_name}. 1 3600 600 86400 300"
                )
            )
        reply.header.aa = 1
        return reply


def _rr(record: ZoneRecord) -> RR:
    value = record.value
    if record.rtype in {"CNAME", "NS"} and not value.endswith("."):
        value += "."
    if record.rtype == "TXT":
        value = '"' + value.replace('"', '\\"') + '"'
    return RR.fromZone(f"{_norm(record.name)}. {record.ttl} IN {record.rtype} {value}")[0]


class _QuietLogger(DNSLogger):  # type: ignore[misc]
    """dnslib prints every query on stdout by default; the demo must stay quiet."""

    def __init__(self) -> None:
        super().__init__(log="-request,-reply,-truncated,-error", logf=lambda *_: None)


class LoopbackDnsServer:
    """dnslib UDP server in a daemon thread; `port` is known after start (port 0 = free)."""

    def __init__(self, resolver: ZoneResolver, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = DNSServer(resolver, address=host, port=port, logger=_QuietLogger())
        self.host = host
        self.port: int = self._server.server.server_address[1]
        self._thread: threading.Thread | None = None

    def start(self) -> LoopbackDnsServer:
        self._thread = threading.Thread(
            target=self._server.server.serve_forever, name="comity-demo-dns", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        # Close the socket too: a left-open socket is a ResourceWarning (an error in tests).
        self._server.server.server_close()

    def __enter__(self) -> LoopbackDnsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SilentUdpServer:
    """A bound UDP port that never answers: what a dead or filtered resolver looks like."""

    def __init__(self, *, host: str = "127.0.0.1") -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((host, 0))
        self.host = host
        self.port: int = self._sock.getsockname()[1]

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> SilentUdpServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
