"""Asynchronous A / AAAA / CNAME / NS resolution through configured resolvers.

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

import dns.asyncresolver
import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver

from comity.core.errors import BadInput

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
    """Which resolvers to ask and how patiently.  `port` applies to every nameserver."""

    nameservers: tuple[str, ...] = ("127.0.0.1",)
    port: int = 53
    timeout: float = 2.0
    concurrency: int = 64
    with_ns: bool = True

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


def _make_resolver(config: ResolverConfig) -> dns.asyncresolver.Resolver:
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = list(config.nameservers)
    resolver.port = config.port
    resolver.timeout = config.timeout
    resolver.lifetime = config.timeout
    resolver.cache = None  # observations must be fresh, not replayed from cache
    return resolver


async def _query(
    resolver: dns.asyncresolver.Resolver, name: str, rtype: str
) -> tuple[_Outcome, dns.resolver.Answer | None]:
    try:
        answer = await resolver.resolve(name, rtype, raise_on_no_answer=False, search=False)
    except dns.resolver.NXDOMAIN:
        return "nxdomain", None
    except dns.resolver.NoNameservers:
        # dnspython raises this when every server answered SERVFAIL/REFUSED.
        return "servfail", None
    except dns.exception.Timeout:
        return "timeout", None
    except dns.exception.DNSException:
        return "error", None
    return ("ok" if answer.rrset is not None else "no_answer"), answer


def _records_of(answer: dns.resolver.Answer) -> list[DnsRecord]:
    out: list[DnsRecord] = []
    rrsets = [*answer.chaining_result.cnames]
    if answer.rrset is not None:
        rrsets.append(answer.rrset)
    for rrset in rrsets:
        rtype = dns.rdatatype.to_text(rrset.rdtype)
        owner = rrset.name.to_text(omit_final_dot=True).lower()
        for rdata in rrset:
            value = rdata.to_text()
            if rtype in ("CNAME", "NS"):
                value = value.rstrip(".").lower()
            out.append(DnsRecord(owner, rtype, value, rrset.ttl))
    return out


async def _ns(resolver: dns.asyncresolver.Resolver, host: str) -> list[DnsRecord]:
    """NS records of the closest enclosing zone cut below the TLD (walks up at most 3 labels)."""
    labels = host.split(".")
    for start in range(min(3, max(len(labels) - 1, 0))):
        outcome, answer = await _query(resolver, ".".join(labels[start:]), "NS")
        if answer is not None and answer.rrset is not None:
            return [r for r in _records_of(answer) if r.rtype == "NS"]
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


async def _resolve_one(
    resolver: dns.asyncresolver.Resolver, host: str, config: ResolverConfig
) -> DnsResult:
    literal = _ip_literal(host)
    if literal is not None:
        return literal
    (a_out, a_ans), (aaaa_out, aaaa_ans) = await asyncio.gather(
        _query(resolver, host, "A"), _query(resolver, host, "AAAA")
    )
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
    if config.with_ns and status in ("ok", "no_answer"):
        records.extend(await _ns(resolver, host))
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
        nameserver=f"{config.nameservers[0]}:{config.port}",
        errors=errors if status == "ok" else (),
    )


async def resolve(name: str, *, config: ResolverConfig) -> DnsResult:
    """Resolve one host name (or pass an IP literal through without DNS)."""
    return (await resolve_many([name], config=config))[0]


async def resolve_many(names: Sequence[str], *, config: ResolverConfig) -> list[DnsResult]:
    """Resolve many names concurrently (at most `config.concurrency` at once), in input order."""
    hosts = [validate_hostname(name) for name in names]
    resolver = _make_resolver(config)
    limit = asyncio.Semaphore(config.concurrency)

    async def bounded(host: str) -> DnsResult:
        async with limit:
            return await _resolve_one(resolver, host, config)

    return list(await asyncio.gather(*(bounded(host) for host in hosts)))


def resolve_many_sync(names: Sequence[str], *, config: ResolverConfig) -> list[DnsResult]:
    """Blocking wrapper for command-line use (not from inside a running event loop)."""
    return asyncio.run(resolve_many(names, config=config))
