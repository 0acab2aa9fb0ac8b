"""Which IP addresses intake refuses, and the allowlist that overrides it.

A URL pointing at a non-public address is either a mistake or an attempt to
make our fetcher reach an internal service (SSRF), so intake refuses it unless
the operator allowlisted it (COMITY_FETCH_ALLOW, passed in as `allow`).
Ranges follow the IANA IPv4/IPv6 Special-Purpose Address Registries
(RFC 6890 and its updates); Python's `is_global` is the catch-all behind them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache

import idna

from comity.core.errors import BadInput
from comity.urls._embedded import embedded_ipv4

__all__ = ["Allowlist", "IPAddress", "non_public_reason", "parse_allowlist"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# (network, why it is not a public address) — first match wins.
_RANGES: tuple[tuple[_Network, str], ...] = tuple(
    (ipaddress.ip_network(net), why)
    for net, why in (
        ("0.0.0.0/8", "'this network' (RFC 791)"),
        ("10.0.0.0/8", "private (RFC 1918)"),
        ("100.64.0.0/10", "carrier-grade NAT shared space (RFC 6598)"),
        ("127.0.0.0/8", "loopback (RFC 1122)"),
        ("169.254.0.0/16", "link-local (RFC 3927)"),
        ("172.16.0.0/12", "private (RFC 1918)"),
        ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
        ("192.0.2.0/24", "documentation (RFC 5737)"),
        ("192.168.0.0/16", "private (RFC 1918)"),
        ("198.18.0.0/15", "benchmarking (RFC 2544)"),
        ("198.51.100.0/24", "documentation (RFC 5737)"),
        ("203.0.113.0/24", "documentation (RFC 5737)"),
        ("224.0.0.0/4", "multicast (RFC 5771)"),
        ("240.0.0.0/4", "reserved (RFC 1112)"),
        ("::/128", "unspecified (RFC 4291)"),
        ("::1/128", "loopback (RFC 4291)"),
        ("100::/64", "discard-only (RFC 6666)"),
        ("2001:db8::/32", "documentation (RFC 3849)"),
        ("3fff::/20", "documentation (RFC 9637)"),
        ("fc00::/7", "unique local (RFC 4193)"),
        ("fe80::/10", "link-local (RFC 4291)"),
        ("fec0::/10", "site-local, deprecated (RFC 3879)"),
        ("ff00::/8", "multicast (RFC 4291)"),
    )
)


def non_public_reason(address: IPAddress) -> str | None:
    """Why `address` is not publicly routable, or None when it is."""
    for network, why in _RANGES:
        if address in network:
            return why
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv4 address wrapped in IPv6 (NAT64, SIIT, mapped, compatible, 6to4,
        # Teredo) reaches that IPv4 host: judge every one it can reach, by itself.
        inner = embedded_ipv4(address)
        for v4, how in inner:
            reason = non_public_reason(v4)
            if reason is not None:
                return f"{reason}, {v4} embedded in IPv6 by {how}"
        if inner:
            return None
    if not address.is_global:
        return "not globally routable (IANA special-purpose registry)"
    return None


class Allowlist:
    """Addresses, networks and host names permitted despite the rules above."""

    __slots__ = ("hosts", "networks")

    def __init__(self, networks: tuple[_Network, ...], hosts: frozenset[str]) -> None:
        self.networks = networks
        self.hosts = hosts

    def permits_address(self, address: IPAddress) -> bool:
        candidates: list[IPAddress] = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            candidates.append(address.ipv4_mapped)
        return any(
            a in net for a in candidates for net in self.networks if a.version == net.version
        )

    def permits_host(self, ascii_host: str) -> bool:
        return ascii_host in self.hosts


@lru_cache(maxsize=64)
def _parse(entries: tuple[str, ...]) -> Allowlist:
    networks: list[_Network] = []
    hosts: set[str] = set()
    for raw in entries:
        entry = raw.strip().lower()
        if not entry:
            continue
        bare = entry[1:-1] if entry.startswith("[") and entry.endswith("]") else entry
        try:
            networks.append(ipaddress.ip_network(bare, strict=False))
            continue
        except ValueError:
            pass
        name = entry.rstrip(".")
        if not name or "*" in name or "/" in name or ":" in name or "@" in name:
            raise BadInput(
                f"allow: {raw!r} is not an IP address, CIDR network or host name "
                "(e.g. 127.0.0.1, 10.0.0.0/8, ::1, intranet.test)",
                field="allow",
            )
        try:
            hosts.add(name if name.isascii() else idna.encode(name, uts46=True).decode("ascii"))
        except idna.IDNAError as exc:
            raise BadInput(
                f"allow: {raw!r} is not a valid host name ({exc})", field="allow"
            ) from exc
    return Allowlist(tuple(networks), frozenset(hosts))


def parse_allowlist(entries: Sequence[str]) -> Allowlist:
    """Parse (and cache) an allowlist; a malformed entry is BadInput naming it."""
    if isinstance(entries, str):
        # A comma-separated setting passed as one string: accept it rather than
        # silently iterating over its characters.
        entries = entries.split(",")
    return _parse(tuple(entries))
