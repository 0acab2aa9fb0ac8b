"""Host parsing: DNS names (IDNA 2008 + UTS #46), IPv4 in WHATWG forms, IPv6.

Results are cached per distinct host string: real URL lists repeat hosts far
more than paths, and this is the expensive part of canonicalisation.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache

import idna

from comity.urls._addresses import IPAddress, non_public_reason
from comity.urls._scripts import host_script_flags

__all__ = ["HostInfo", "parse_host"]

# RFC 1123 §2.1 / RFC 952: letters, digits, hyphen; no hyphen at either end.
_LDH_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_IPV6_CHARS = re.compile(r"[0-9a-f:.]+")
# RFC 6761 (special-use names), RFC 6762 (.local), RFC 8375 (home.arpa) and
# ICANN's reservation of .internal: they never name a public web site.
_NON_PUBLIC_NAMES = ("localhost", "invalid", "local", "internal", "home.arpa")
# RFC 2606 / RFC 6761 names the demo internet uses: accepted but flagged.
_RESERVED_TLDS = frozenset({"example", "test"})


@dataclass(frozen=True, slots=True)
class HostInfo:
    """A parsed host. `refusal` says why intake refuses it unless allowlisted."""

    ascii: str  # lower-case A-labels, or the IP address without brackets
    unicode: str  # U-labels for display
    address: IPAddress | None
    flags: tuple[str, ...]
    refusal: str | None


class HostError(ValueError):
    """The host is not a valid host at all (no allowlist can help)."""


def _ends_in_number(labels: list[str]) -> bool:
    """WHATWG URL §3.5 "ends in a number": then the host must parse as IPv4."""
    last = labels[-1] if labels[-1] or len(labels) == 1 else labels[-2]
    if last.isdigit() and last.isascii():
        return True
    return last[:2] in ("0x", "0X") and all(c in "0123456789abcdefABCDEF" for c in last[2:])


def _ipv4_number(part: str) -> int:
    """WHATWG "IPv4 number parser": 0x-prefixed hex, 0-prefixed octal, decimal."""
    radix = 10
    if part[:2] in ("0x", "0X"):
        part, radix = part[2:], 16
        if not part:
            return 0
    elif len(part) > 1 and part[0] == "0":
        part, radix = part[1:], 8
    allowed = "0123456789abcdefABCDEF"[: 16 if radix == 16 else radix]
    if not part or not all(c in allowed for c in part):
        raise HostError("not a valid IPv4 address (a dotted part is not a number)")
    return int(part, radix)


def _parse_ipv4(labels: list[str]) -> ipaddress.IPv4Address:
    """WHATWG URL §3.5 IPv4 parser: `0x7f.1` and `2130706433` are 127.0.0.1."""
    parts = labels[:-1] if labels[-1] == "" and len(labels) > 1 else labels
    if len(parts) > 4 or "" in parts:
        raise HostError("not a valid IPv4 address (1 to 4 numeric parts expected)")
    numbers = [_ipv4_number(p) for p in parts]
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise HostError("not a valid IPv4 address (a part is out of range)")
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number * 256 ** (3 - index)
    return ipaddress.IPv4Address(value)


def _ip_info(address: IPAddress) -> HostInfo:
    text = address.compressed
    flags = ("ip_literal",) if address.version == 4 else ("ip_literal", "ipv6")
    return HostInfo(text, text, address, flags, non_public_reason(address))


def _check_a_label(label: str) -> str:
    """Validate an ASCII `xn--` label and return its U-label."""
    try:
        ulabel = idna.ulabel(label)
        if idna.alabel(ulabel).decode("ascii") != label:
            raise HostError(f"label {label!r} is not a canonical IDNA A-label")
    except idna.IDNAError as exc:
        raise HostError(f"label {label!r} is not valid IDNA 2008: {exc}") from exc
    return ulabel


def _dns_labels(host: str) -> tuple[list[str], list[str]]:
    """(A-labels, U-labels) of a host already mapped by UTS #46, or HostError."""
    ascii_labels: list[str] = []
    unicode_labels: list[str] = []
    for label in host.split("."):
        if not label:
            raise HostError("host has an empty label (two dots in a row or a leading dot)")
        if label.isascii():
            if not _LDH_LABEL.fullmatch(label):
                raise HostError(
                    f"label {label!r} is not a DNS name: letters, digits and inner hyphens "
                    "only, at most 63 characters (RFC 1123)"
                )
            ulabel = _check_a_label(label) if label.startswith("xn--") else label
            ascii_labels.append(label)
            unicode_labels.append(ulabel)
            continue
        try:
            alabel = idna.alabel(label).decode("ascii")
        except idna.IDNAError as exc:
            raise HostError(f"label {label!r} is not valid IDNA 2008: {exc}") from exc
        if len(alabel) > 63:
            raise HostError(f"label {label!r} is longer than 63 octets (RFC 1035)")
        ascii_labels.append(alabel)
        unicode_labels.append(label)
    return ascii_labels, unicode_labels


def _dns_info(host: str) -> HostInfo:
    if not host.isascii():
        try:
            # UTS #46 mapping (case folding, width, IDEOGRAPHIC FULL STOP, ...);
            # STD3 rules keep the result inside letters, digits and hyphens.
            host = idna.uts46_remap(host, std3_rules=True, transitional=False)
        except idna.IDNAError as exc:
            raise HostError(f"host is not a valid internationalised name: {exc}") from exc
    else:
        host = host.lower()
    if host.endswith("."):
        host = host[:-1]  # the DNS root: `example.com.` is `example.com`
    if not host:
        raise HostError("host is empty")
    labels = host.split(".")
    if _ends_in_number(labels):
        return _ip_info(_parse_ipv4(labels))
    ascii_labels, unicode_labels = _dns_labels(host)
    ascii_host = ".".join(ascii_labels)
    if len(ascii_host) > 253:
        raise HostError("host name is longer than 253 octets (RFC 1035)")
    flags: set[str] = set()
    if ".xn--" in "." + ascii_host:
        flags.update(host_script_flags(unicode_labels))
        flags.add("idn")
    refusal = None
    tld = ascii_labels[-1]
    if any(ascii_host == n or ascii_host.endswith("." + n) for n in _NON_PUBLIC_NAMES):
        refusal = "a special-use name that is never a public web site (RFC 6761)"
    elif len(ascii_labels) == 1:
        refusal = "a single-label name that only resolves inside a local network"
    if tld in _RESERVED_TLDS:
        flags.add("reserved_tld")
    return HostInfo(ascii_host, ".".join(unicode_labels), None, tuple(sorted(flags)), refusal)


@lru_cache(maxsize=65536)
def parse_host(host: str) -> HostInfo:
    """Parse a percent-decoded host (brackets kept for IPv6); HostError if invalid."""
    if host.startswith("["):
        inner = host[1:-1].lower() if host.endswith("]") else ""
        # The character check refuses zone identifiers (`%eth0`), which
        # Python's parser accepts but which mean nothing outside this machine.
        if not _IPV6_CHARS.fullmatch(inner):
            raise HostError("not a valid IPv6 address in brackets")
        try:
            return _ip_info(ipaddress.IPv6Address(inner))
        except ValueError as exc:
            raise HostError(f"not a valid IPv6 address: {exc}") from exc
    if "*" in host:
        raise HostError("wildcards are patterns, not addresses: report each URL instead")
    return _dns_info(host)
