"""Addresses that are not publicly routable, from the IANA special-purpose registries.

Sources (RFC 6890, "Special-Purpose IP Address Registries", and the IANA
registries it created, with later additions):
- IPv4: https://www.iana.org/assignments/iana-ipv4-special-registry/
- IPv6: https://www.iana.org/assignments/iana-ipv6-special-registry/
- Multicast (RFC 5771 for IPv4, RFC 4291 section 2.7 for IPv6) and the reserved
  class E block 240.0.0.0/4 (RFC 1112 section 4) are not in the special-purpose
  registries but are never a hosting location either.
- IPv6 outside 2000::/3 is not allocated for global unicast (RFC 4291 section
  2.4 and the IANA IPv6 address space registry), so it is `reserved`.

An entry whose "Globally Reachable" column says True (for example AS112 or the
PCP/TURN anycast addresses) is routable: we list the few that sit inside a
non-routable block with reason None so that the most specific entry wins.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from comity.hosting.ipdata.intervals import paint

__all__ = ["REASONS", "SPECIAL_V4", "SPECIAL_V6", "SpecialRange", "SpecialTable", "special_tables"]


@dataclass(frozen=True)
class SpecialRange:
    prefix: str
    reason: str | None  # None: globally reachable exception inside a special block
    reference: str


# Order does not matter: more specific prefixes win when painted.
SPECIAL_V4: tuple[SpecialRange, ...] = (
    SpecialRange("0.0.0.0/8", "reserved", "RFC 791 s3.2 'this network' (RFC 6890)"),
    SpecialRange("0.0.0.0/32", "unspecified", "RFC 1122 s3.2.1.3 (RFC 6890)"),
    SpecialRange("10.0.0.0/8", "private", "RFC 1918"),
    SpecialRange("100.64.0.0/10", "cgnat", "RFC 6598 shared address space"),
    SpecialRange("127.0.0.0/8", "loopback", "RFC 1122 s3.2.1.3"),
    SpecialRange("169.254.0.0/16", "link_local", "RFC 3927"),
    SpecialRange("172.16.0.0/12", "private", "RFC 1918"),
    SpecialRange("192.0.0.0/24", "reserved", "RFC 6890 IETF protocol assignments"),
    SpecialRange("192.0.0.9/32", None, "RFC 7723 PCP anycast (globally reachable)"),
    SpecialRange("192.0.0.10/32", None, "RFC 8155 TURN anycast (globally reachable)"),
    SpecialRange("192.0.2.0/24", "documentation", "RFC 5737 TEST-NET-1"),
    SpecialRange("192.88.99.0/24", "reserved", "RFC 7526 deprecated 6to4 relay anycast"),
    SpecialRange("192.168.0.0/16", "private", "RFC 1918"),
    SpecialRange("198.18.0.0/15", "reserved", "RFC 2544 benchmarking"),
    SpecialRange("198.51.100.0/24", "documentation", "RFC 5737 TEST-NET-2"),
    SpecialRange("203.0.113.0/24", "documentation", "RFC 5737 TEST-NET-3"),
    SpecialRange("224.0.0.0/4", "multicast", "RFC 5771"),
    SpecialRange("240.0.0.0/4", "reserved", "RFC 1112 s4 (class E)"),
    SpecialRange("255.255.255.255/32", "broadcast", "RFC 919 limited broadcast (RFC 6890)"),
)

SPECIAL_V6: tuple[SpecialRange, ...] = (
    # Everything outside 2000::/3 first, then the special blocks painted on top.
    SpecialRange("::/1", "reserved", "RFC 4291 s2.4: not global unicast"),
    SpecialRange("8000::/1", "reserved", "RFC 4291 s2.4: not global unicast"),
    SpecialRange("2000::/3", None, "RFC 4291 s2.4 global unicast"),
    SpecialRange("::/128", "unspecified", "RFC 4291 s2.5.2"),
    SpecialRange("::1/128", "loopback", "RFC 4291 s2.5.3"),
    SpecialRange("::ffff:0:0/96", "ipv4_mapped", "RFC 4291 s2.5.5.2 (RFC 6890)"),
    SpecialRange("64:ff9b::/96", None, "RFC 6052 NAT64 well-known prefix (globally reachable)"),
    SpecialRange("64:ff9b:1::/48", "private", "RFC 8215 local-use translation"),
    SpecialRange("100::/64", "reserved", "RFC 6666 discard-only"),
    SpecialRange("2001::/23", "reserved", "RFC 2928 IETF protocol assignments (RFC 6890)"),
    SpecialRange("2001::/32", None, "RFC 4380 Teredo (tunnelled, left routable)"),
    SpecialRange("2001:1::1/128", None, "RFC 7723 PCP anycast"),
    SpecialRange("2001:1::2/128", None, "RFC 8155 TURN anycast"),
    SpecialRange("2001:2::/48", "reserved", "RFC 5180 benchmarking"),
    SpecialRange("2001:3::/32", None, "RFC 7450 AMT"),
    SpecialRange("2001:4:112::/48", None, "RFC 7535 AS112-v6"),
    SpecialRange("2001:20::/28", None, "RFC 7343 ORCHIDv2"),
    SpecialRange("2001:30::/28", None, "RFC 9374 DRIP"),
    SpecialRange("2001:db8::/32", "documentation", "RFC 3849"),
    SpecialRange("3fff::/20", "documentation", "RFC 9637"),
    SpecialRange("5f00::/16", "reserved", "RFC 9602 SRv6 SIDs"),
    SpecialRange("fc00::/7", "private", "RFC 4193 unique local"),
    SpecialRange("fe80::/10", "link_local", "RFC 4291 s2.5.6"),
    SpecialRange("ff00::/8", "multicast", "RFC 4291 s2.7"),
)

# Code 0 means routable; the other codes index this tuple.
REASONS: tuple[str | None, ...] = (
    None,
    "unspecified",
    "private",
    "loopback",
    "link_local",
    "multicast",
    "reserved",
    "cgnat",
    "documentation",
    "broadcast",
    "ipv4_mapped",
)


@dataclass(frozen=True)
class SpecialTable:
    """Elementary intervals: `starts[i]` begins a run with reason code `codes[i]`."""

    starts: npt.NDArray[np.generic]
    codes: npt.NDArray[np.uint8]


def _table(entries: tuple[SpecialRange, ...], version: int) -> SpecialTable:
    spans: list[tuple[int, int, int]] = []
    nets = sorted((ipaddress.ip_network(e.prefix) for e in entries), key=lambda n: n.prefixlen)
    by_net = {ipaddress.ip_network(e.prefix): e for e in entries}
    for net in nets:  # wider first so that narrower prefixes are painted on top
        code = REASONS.index(by_net[net].reason)
        spans.append((int(net.network_address), int(net.broadcast_address), code))
    top = 2**32 - 1 if version == 4 else 2**128 - 1
    starts, values = paint(spans, top=top, default=0)
    if version == 4:
        return SpecialTable(np.array(starts, dtype=np.uint32), np.array(values, dtype=np.uint8))
    packed = np.array([s.to_bytes(16, "big") for s in starts], dtype="S16")
    return SpecialTable(packed, np.array(values, dtype=np.uint8))


_CACHE: dict[int, SpecialTable] = {}


def special_tables() -> tuple[SpecialTable, SpecialTable]:
    """The IPv4 and IPv6 special-purpose tables (built once, they are tiny)."""
    if not _CACHE:
        _CACHE[4] = _table(SPECIAL_V4, 4)
        _CACHE[6] = _table(SPECIAL_V6, 6)
    return _CACHE[4], _CACHE[6]
