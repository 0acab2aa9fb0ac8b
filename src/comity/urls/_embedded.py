"""IPv4 addresses carried inside IPv6 ones: the host a translated address reaches.

An IPv6 address from a translation or tunnelling range is delivered to the
IPv4 address it embeds, so a guard that judged only the IPv6 address would let
`[64:ff9b::7f00:1]` reach 127.0.0.1 through a NAT64 gateway. Each range below
yields the IPv4 address(es) it can reach; the caller judges every one of them.
"""

from __future__ import annotations

import ipaddress

__all__ = ["embedded_ipv4"]

_V4 = ipaddress.IPv4Address
_Net = ipaddress.IPv6Network

# RFC 6052 §2.1: "The Well-Known Prefix ... 64:ff9b::/96". §2.2: with a /96
# prefix "the 32 bits of the IPv4 address are in bits 96 to 127".
_NAT64_WKP = _Net("64:ff9b::/96")
# RFC 8215 §3: "64:ff9b:1::/48 ... is reserved for local use within domains
# that enable IPv4/IPv6 translation mechanisms"; the operator picks the prefix
# length (RFC 6052 §2.2 allows /48, /56, /64 and /96 inside it), so every
# position the IPv4 address could take is judged.
_NAT64_LOCAL = _Net("64:ff9b:1::/48")
# RFC 4291 §2.5.5.2: IPv4-mapped addresses "::ffff:0:0/96"; the low 32 bits.
_MAPPED = _Net("::ffff:0:0/96")
# RFC 6145 §2.1 (SIIT): "IPv4-translated address ... ::ffff:0:0:0/96"; the
# low 32 bits are the IPv4 address.
_TRANSLATED = _Net("::ffff:0:0:0/96")
# RFC 4291 §2.5.5.1: "IPv4-Compatible IPv6 address ... is now deprecated";
# the low 32 bits are the IPv4 address (::/128 and ::1 fall in it too and
# embed 0.0.0.0 and 0.0.0.1, 'this network', so they stay refused).
_COMPATIBLE = _Net("::/96")
# RFC 3056 §2: "2002:V4ADDR::/48" — the IPv4 address is bits 16 to 47.
_SIX_TO_FOUR = _Net("2002::/16")
# RFC 4380 §4: "Bits 32 to 63 embed the IPv4 address of the Teredo server"
# and "Bits 96 to 127 contain the obfuscated 'mapped address' ... the
# mapped address is ... inverted" (the client's public IPv4 address).
_TEREDO = _Net("2001::/32")

# RFC 6052 §2.2, for each prefix length: the bit offsets (from the left) of
# the two pieces of the IPv4 address around the reserved bits 64 to 71.
_RFC6052_SPLITS = {
    48: ((48, 16), (72, 16)),
    56: ((56, 8), (72, 24)),
    64: ((72, 32),),
    96: ((96, 32),),
}


def _bits(value: int, start: int, length: int) -> int:
    return (value >> (128 - start - length)) & ((1 << length) - 1)


def _rfc6052(value: int, prefix_length: int) -> _V4:
    out = 0
    for start, length in _RFC6052_SPLITS[prefix_length]:
        out = (out << length) | _bits(value, start, length)
    return _V4(out)


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[tuple[_V4, str]]:
    """The IPv4 addresses `address` reaches, each with the mechanism that embeds it."""
    value = int(address)
    low = _V4(value & 0xFFFFFFFF)
    if address in _NAT64_WKP:
        return [(low, "NAT64 64:ff9b::/96 (RFC 6052)")]
    if address in _NAT64_LOCAL:
        why = "local-use NAT64 64:ff9b:1::/48 (RFC 8215)"
        return [(_rfc6052(value, n), why) for n in sorted(_RFC6052_SPLITS)]
    if address in _MAPPED:
        return [(low, "IPv4-mapped ::ffff:0:0/96 (RFC 4291)")]
    if address in _TRANSLATED:
        return [(low, "IPv4-translated ::ffff:0:0:0/96 (SIIT, RFC 6145)")]
    if address in _COMPATIBLE:
        return [(low, "IPv4-compatible ::/96 (deprecated, RFC 4291)")]
    if address in _SIX_TO_FOUR:
        return [(_V4(_bits(value, 16, 32)), "6to4 2002::/16 (RFC 3056)")]
    if address in _TEREDO:
        why = "Teredo 2001::/32 (RFC 4380)"
        server, client = _V4(_bits(value, 32, 32)), _V4(~value & 0xFFFFFFFF)
        return [(server, f"{why} server"), (client, f"{why} client")]
    return []
