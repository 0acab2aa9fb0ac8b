"""Asynchronous A / AAAA / CNAME / NS resolution through configured resolvers.

The transport is a shared pool of UDP sockets (`_transport`) and a small wire
codec (`_wire`): dnspython's per-query sockets and Message objects were the
bottleneck (bench/bench_dns.py).  dnspython does the TCP fallback.

Every outcome a real network produces (NXDOMAIN, SERVFAIL, timeout, empty
answer) is a `DnsResult.status`, never an exception: an item whose name no
longer resolves is evidence too ("the site is gone"), stored with the item.
Only caller mistakes (a malformed host name, a bad resolver address or port)
raise `BadInput`.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import dns.rcode

from comity.core.errors import BadInput
from comity.hosting.dns._transport import Question, UdpPool, exchange
from comity.hosting.dns._wire import TYPES, Reply, encode_name

__all__ = [
    "DnsRecord",
    "DnsResult",
    "DnsStatus",
    "ResolverConfig",
    "resolve",
    "resolve_many",
    "resolve_many_sync",
    "validate_hostname",
]

DnsStatus = Literal["ok", "nxdomain", "servfail", "timeout", "no_answer", "ip_literal", "error"]
_Outcome = Literal["ok", "nxdomain", "servfail", "timeout", "no_answer", "error"]


@dataclass(frozen=True)
class ResolverConfig:
    """Which resolvers to ask and how patiently.

    `port` applies to every nameserver.  `timeout` bounds each query overall;
    it is split over `attempts` sends (retransmissions, rotating through the
    nameservers), as dnspython's resolver lifetime is.
    """

    nameservers: tuple[str, ...] = ("127.0.0.1",)
    port: int = 53
    timeout: float = 2.0
    concurrency: int = 64
    with_ns: bool = True
    attempts: int = 3

    def __post_init__(self) -> None:
        if not self.nameservers:
            raise BadInput("resolver: give at least one nameserver IP address", field="nameservers")
        for server in self.nameservers:
            try:
                ipaddress.ip_address(server)
            except ValueError:
                raise BadInput(
                    f"resolver: nameserver {server!r} is not an IP address "
                    "(valid: e.g. 127.0.0.1 or ::1)",
                    field="nameservers",
                ) from None
        if not 1 <= self.port <= 65535:
            raise BadInput(f"resolver: port {self.port} is out of range 1-65535", field="port")
        if not self.timeout > 0:
            raise BadInput(
                "resolver: timeout must be a positive number of seconds", field="timeout"
            )
        if self.concurrency < 1:
            raise BadInput("resolver: concurrency must be at least 1", field="concurrency")
        if not 1 <= self.attempts <= 10:
            raise BadInput("resolver: attempts must be between 1 and 10", field="attempts")


@dataclass(frozen=True)
class DnsRecord:
    name: str
    rtype: str
    value: str
    ttl: int | None  # None when no DNS was involved (IP-literal host)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.rtype, "value": self.value, "ttl": self.ttl}


@dataclass(frozen=True)
class DnsResult:
    """What DNS said about one name.  `errors` keeps per-type failures of a partial answer."""

    name: str
    status: DnsStatus
    records: tuple[DnsRecord, ...] = ()
    cname_chain: tuple[str, ...] = ()
    nameserver: str | None = None
    errors: tuple[str, ...] = field(default=())

    @property
    def ips(self) -> tuple[str, ...]:
        return tuple(r.value for r in self.records if r.rtype in ("A", "AAAA"))

    @property
    def canonical_name(self) -> str:
        return self.cname_chain[-1] if self.cname_chain else self.name

    def of_type(self, rtype: str) -> tuple[DnsRecord, ...]:
        return tuple(r for r in self.records if r.rtype == rtype)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "records": [r.to_json() for r in self.records],
            "cname_chain": list(self.cname_chain),
            "nameserver": self.nameserver,
            "errors": list(self.errors),
        }


def validate_hostname(name: str) -> str:
    """Return the lower-case name without a trailing dot, or raise BadInput.

    RFC 1035 §2.3.4: at most 253 octets in text form, labels of 1-63 octets.
    Wildcards (RFC 4592) name a pattern, not a host, so they are refused.
    """
    host = name.strip().rstrip(".").lower()
    if not host:
        raise BadInput("host: empty host name", field="host")
    if "*" in host:
        raise BadInput(f"host {name!r}: wildcard names are not hosts", field="host")
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host.strip("[]")
    except ValueError:
        pass
    try:
        ascii_host = host.encode("ascii")
    except UnicodeEncodeError:
        raise BadInput(
            f"host {name!r}: not ASCII; give the IDNA (xn--) form", field="host"
        ) from None
    if len(ascii_host) > 253:
        raise BadInput(f"host {name[:40]!r}...: longer than 253 octets", field="host")
    for label in host.split("."):
        if not 1 <= len(label) <= 63:
            raise BadInput(
                f"host {name!r}: label {label[:20]!r} must be 1-63 octets long", field="host"
            )
    return host


def _ip_literal(host: str) -> DnsResult | None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    rtype = "A" if address.version == 4 else "AAAA"
    return DnsResult(
        name=host,
        status="ip_literal",
        records=(DnsRecord(host, rtype, address.compressed, None),),
    )


@dataclass(frozen=True)
class _Context:
    pool: UdpPool
    config: ResolverConfig


async def _query(ctx: _Context, name: str, rtype: str) -> tuple[_Outcome, Reply | None]:
    result = await exchange(
        ctx.pool,
        Question(encode_name(name), TYPES[rtype]),
        nameservers=ctx.config.nameservers,
        timeout=ctx.config.timeout,
        attempts=ctx.config.attempts,
    )
    reply = result.reply
    if reply is None:
        return result.failure, None  # type: ignore[return-value]
    if reply.rcode == dns.rcode.NXDOMAIN:
        return "nxdomain", None
    if reply.rcode != dns.rcode.NOERROR:
        return "error", None
    return ("ok" if reply.answer is not None else "no_answer"), reply


def _records_of(reply: Reply) -> list[DnsRecord]:
    """The CNAME chain from the question name, then the answer rrset, with rrset TTLs."""
    rrsets = [*reply.cnames]
    if reply.answer is not None:
        rrsets.append(reply.answer)
    return [
        DnsRecord(owner, rtype, value, ttl)
        for owner, rtype, values, ttl in rrsets
        for value in values
    ]


async def _ns(ctx: _Context, host: str) -> list[DnsRecord]:
    """NS records of the closest enclosing zone cut below the TLD (walks up at most 3 labels)."""
    labels = host.split(".")
    for start in range(min(3, max(len(labels) - 1, 0))):
        outcome, reply = await _query(ctx, ".".join(labels[start:]), "NS")
        if reply is not None and reply.answer is not None:
            return [r for r in _records_of(reply) if r.rtype == "NS"]
        if outcome in ("timeout", "servfail", "error"):
            break
    return []


def _overall(outcomes: list[_Outcome], have_ips: bool) -> DnsStatus:
    if have_ips:
        return "ok"
    for status in ("nxdomain", "servfail", "timeout", "error"):
        if status in outcomes:
            return status
    return "no_answer"


async def _resolve_one(ctx: _Context, host: str) -> DnsResult:
    literal = _ip_literal(host)
    if literal is not None:
        return literal
    # A in a task, AAAA in this coroutine: both in flight, one task per name not two.
    a_task = asyncio.ensure_future(_query(ctx, host, "A"))
    try:
        aaaa_out, aaaa_ans = await _query(ctx, host, "AAAA")
    except BaseException:
        a_task.cancel()  # cancelled from outside: do not leave the A query running
        raise
    a_out, a_ans = await a_task
    records: list[DnsRecord] = []
    seen: set[tuple[str, str, str]] = set()
    for answer in (a_ans, aaaa_ans):
        if answer is None:
            continue
        for record in _records_of(answer):
            key = (record.name, record.rtype, record.value)
            if key not in seen:  # the CNAME chain comes back with both A and AAAA
                seen.add(key)
                records.append(record)
    chain = tuple(r.value for r in records if r.rtype == "CNAME")
    have_ips = any(r.rtype in ("A", "AAAA") for r in records)
    status = _overall([a_out, aaaa_out], have_ips)
    if ctx.config.with_ns and status in ("ok", "no_answer"):
        records.extend(await _ns(ctx, host))
    errors = tuple(
        f"{rtype}: {outcome}"
        for rtype, outcome in (("A", a_out), ("AAAA", aaaa_out))
        if outcome not in ("ok", "no_answer")
    )
    return DnsResult(
        name=host,
        status=status,
        records=tuple(records),
        cname_chain=chain,
        nameserver=f"{ctx.config.nameservers[0]}:{ctx.config.port}",
        errors=errors if status == "ok" else (),
    )


async def resolve(name: str, *, config: ResolverConfig) -> DnsResult:
    """Resolve one host name (or pass an IP literal through without DNS)."""
    return (await resolve_many([name], config=config))[0]


async def resolve_many(names: Sequence[str], *, config: ResolverConfig) -> list[DnsResult]:
    """Resolve many names concurrently (at most `config.concurrency` at once), in input order."""
    hosts = [validate_hostname(name) for name in names]
    results: list[DnsResult | None] = [None] * len(hosts)
    todo = iter(range(len(hosts)))
    # A fresh socket pool per call: source ports change between runs (see _transport).
    ctx = _Context(UdpPool(port=config.port), config)

    async def worker() -> None:
        # `concurrency` workers pulling from one iterator: bounded in-flight names
        # without one task and one semaphore wait per name.
        for index in todo:
            results[index] = await _resolve_one(ctx, hosts[index])

    try:
        if hosts:
            await ctx.pool.open(config.nameservers)
        await asyncio.gather(*(worker() for _ in range(min(config.concurrency, len(hosts)))))
    finally:
        ctx.pool.close()
    return [result for result in results if result is not None]


def resolve_many_sync(names: Sequence[str], *, config: ResolverConfig) -> list[DnsResult]:
    """Blocking wrapper for command-line use (not from inside a running event loop)."""
    return asyncio.run(resolve_many(names, config=config))
