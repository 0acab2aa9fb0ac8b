"""The SSRF guard: which addresses the fetcher may connect to, and name resolution.

Captured URLs and their redirects come from hostile parties, so every host is
resolved here and every resulting address judged *before* a connection is
made; the fetcher then connects to exactly the judged address (no second DNS
lookup), so a name that changes its answer (DNS rebinding) cannot slip past.
Non-public ranges follow the IANA special-purpose registries (shared with
intake via `comity.urls._addresses`); cloud metadata endpoints are refused even
when their range is allowlisted, unless the exact address is.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import dns.exception
import dns.nameserver
import dns.resolver

from comity.core.errors import BadInput
from comity.core.settings import Settings
from comity.urls._addresses import Allowlist, IPAddress, non_public_reason, parse_allowlist
from comity.urls._embedded import embedded_ipv4

__all__ = [
    "DEFAULT_PORTS",
    "METADATA_ADDRESSES",
    "METADATA_HOSTS",
    "DnsFailure",
    "Guard",
    "GuardRefusal",
    "Resolver",
    "make_resolver",
    "parse_ports",
]

# Instance-metadata services hand out cloud credentials: the classic SSRF prize.
METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.azure.internal",
    }
)
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, Oracle, DigitalOcean
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.169.253",  # AWS VPC DNS
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure WireServer (a public address!)
        "fd00:ec2::254",  # AWS IPv6 metadata
    )
)

# host, timeout in seconds -> addresses; raises DnsFailure.
Resolver = Callable[[str, float], list[IPAddress]]


class GuardRefusal(Exception):
    """The guard refused a host or address; the message says which and why."""


class DnsFailure(Exception):
    """The host name could not be resolved."""


def _reached(address: IPAddress) -> list[IPAddress]:
    """`address` and every IPv4 address it embeds (NAT64, SIIT, 6to4, Teredo...)."""
    if isinstance(address, ipaddress.IPv6Address):
        return [address, *(v4 for v4, _ in embedded_ipv4(address))]
    return [address]


def parse_ports(entries: Sequence[str]) -> frozenset[range]:
    """COMITY_FETCH_ALLOWED_PORTS entries `443` or `8000-8099` -> port ranges."""
    ranges: set[range] = set()
    for entry in entries:
        low, sep, high = entry.strip().partition("-")
        if not low.isdigit() or (sep and not high.isdigit()):
            raise BadInput(
                f"fetch_allowed_ports: {entry!r} is not a port or a range like 8000-8099"
            )
        first, last = int(low), int(high) if sep else int(low)
        if not 1 <= first <= last <= 65535:
            raise BadInput(f"fetch_allowed_ports: {entry!r} is outside 1-65535")
        ranges.add(range(first, last + 1))
    return frozenset(ranges)


# Web content lives on the two standard ports; any other port on a public host
# is more likely an SSRF probe of a service (SMTP, Redis, an admin console).
DEFAULT_PORTS = ("80", "443")


@dataclass(frozen=True)
class Guard:
    allow: Allowlist
    ports: frozenset[range] = parse_ports(DEFAULT_PORTS)

    @classmethod
    def from_entries(cls, entries: Sequence[str], ports: Sequence[str] = DEFAULT_PORTS) -> Guard:
        return cls(parse_allowlist(entries), parse_ports(ports))

    @classmethod
    def from_settings(cls, settings: Settings) -> Guard:
        return cls.from_entries(settings.fetch_allow, settings.fetch_allowed_ports)

    def check_port(self, host: str, port: int) -> None:
        """Refuse a port outside the allowed ones (80 and 443 unless settings say more)."""
        if not any(port in allowed for allowed in self.ports):
            raise GuardRefusal(
                f"{host}:{port}: port {port} is not fetched "
                "(only 80 and 443; COMITY_FETCH_ALLOWED_PORTS can permit more)"
            )

    def _exactly_allowed(self, address: IPAddress) -> bool:
        return any(
            net.num_addresses == 1 and address in net
            for net in self.allow.networks
            if net.version == address.version
        )

    def check_host(self, host: str) -> None:
        """Refuse metadata host names before they are even resolved."""
        name = host.lower().rstrip(".")
        if name in METADATA_HOSTS and not self.allow.permits_host(name):
            raise GuardRefusal(f"host {name!r} is a cloud metadata service")

    def check_address(self, host: str, address: IPAddress) -> None:
        """Refuse `address` (reached as `host`) unless it is public or allowlisted."""
        for plain in _reached(address):
            if plain in METADATA_ADDRESSES and not self._exactly_allowed(plain):
                raise GuardRefusal(f"{host} -> {address} is a cloud metadata address")
        why = non_public_reason(address)
        if why is None:
            return
        if self.allow.permits_address(address) or self.allow.permits_host(host.lower()):
            return
        raise GuardRefusal(
            f"{host} -> {address} is {why}; not fetched (COMITY_FETCH_ALLOW can permit it)"
        )


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _system_resolver(host: str, timeout: float) -> list[IPAddress]:
    # getaddrinfo has no timeout of its own; the system resolver's applies.
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise DnsFailure(f"{host}: {exc}") from exc
    seen: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in seen:
            seen.append(address)
    return seen


def _server(entry: str) -> tuple[str, int]:
    """`ip`, `ip:port`, `[v6]:port` -> (ip, port)."""
    if entry.startswith("["):
        host, _, port = entry[1:].partition("]")
        return host, int(port.lstrip(":") or 53)
    if entry.count(":") == 1:
        host, port = entry.split(":")
        return host, int(port)
    return entry, 53


def _dns_resolver(servers: Sequence[str]) -> Resolver:
    parsed = [_server(s) for s in servers]

    def resolve(host: str, timeout: float) -> list[IPAddress]:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [dns.nameserver.Do53Nameserver(ip, port) for ip, port in parsed]
        found: list[IPAddress] = []
        errors: list[str] = []
        for rdtype in ("A", "AAAA"):
            try:
                answer = resolver.resolve(host, rdtype, lifetime=max(timeout, 0.1))
            except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN) as exc:
                errors.append(str(exc))
                continue
            except dns.exception.DNSException as exc:
                raise DnsFailure(f"{host}: {exc}") from exc
            found.extend(ipaddress.ip_address(r.address) for r in answer)
        if not found:
            raise DnsFailure(f"{host}: {errors[0] if errors else 'no address'}")
        return found

    return resolve


def make_resolver(servers: Sequence[str] = ()) -> Resolver:
    """A resolver using `servers` (the dns_servers setting) or the system's; IP literals pass."""
    inner = _dns_resolver(servers) if servers else _system_resolver

    def resolve(host: str, timeout: float) -> list[IPAddress]:
        literal = _literal(host)
        return [literal] if literal is not None else inner(host, timeout)

    return resolve
