"""Batched IP look-up: routability, country, AS number, organisation, CDN."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from comity.core.errors import BadInput
from comity.hosting.ipdata.special import REASONS
from comity.hosting.ipdata.tables import Tables, V4Arrays, get_tables, lookup_family

__all__ = [
    "COUNTRY_LOCATED",
    "COUNTRY_REGISTERED",
    "IpInfo",
    "lookup",
    "lookup_arrays",
    "lookup_v4_array",
    "parse_ip",
]

# Which source decides `country`: where the range is located (the operator's GeoFeed,
# else whois, else the announcing ASN's country), because a request goes to the state
# that can act on the server. The RIR registration country is kept beside it.
COUNTRY_LOCATED = "ip-location-db geo-whois-asn-country (location: GeoFeed > whois > ASN)"
COUNTRY_REGISTERED = "iptocc (RIR delegation: country of registration)"


@dataclass(frozen=True)
class IpInfo:
    """What the offline data says about one address."""

    ip: str
    version: int
    routable: bool
    reason: str | None  # why not routable (IANA special-purpose registries, RFC 6890)
    country: str | None  # where the range is located; None when not routable or unknown
    country_source: str | None
    country_registered: str | None  # RIR registration country (may differ from `country`)
    asn: int | None
    org: str | None
    cdn: str | None  # CDN / reverse-proxy operator
    cdn_kind: str | None
    cdn_source: str | None


def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """One address, strictly: no prefix length, no zone index, no leading zeros."""
    value = text.strip() if isinstance(text, str) else text
    if not isinstance(value, str) or not value or "%" in value or "/" in value:
        raise BadInput(
            f"invalid IP address {text!r}: expected an IPv4 (192.0.2.1) or IPv6 "
            "(2001:db8::1) address without prefix length or zone",
            field="ip",
        )
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        raise BadInput(
            f"invalid IP address {text!r}: expected an IPv4 (192.0.2.1) or IPv6 "
            "(2001:db8::1) address",
            field="ip",
        ) from None


def _v4_strings(queries: npt.NDArray[np.uint32]) -> list[str]:
    octets = queries.astype(">u4").view(np.uint8).reshape(-1, 4)
    return [f"{a}.{b}.{c}.{d}" for a, b, c, d in octets.tolist()]


def _registered(res: V4Arrays, strings: list[str]) -> V4Arrays:
    """Add the RIR registration country (iptocc, one call for the batch) and fall back
    to it for `country` where the location table has no answer. Non-routable
    addresses get neither."""
    routable = np.flatnonzero(res.reason == 0)
    reg = np.zeros(len(strings), dtype=res.country.dtype)
    if len(routable):
        import iptocc

        codes = iptocc.country_code([strings[k] for k in routable])
        reg[routable] = [c or "" for c in codes]
    fallback = (res.country == "") & (reg != "")
    country = np.where(fallback, reg, res.country)
    return res._replace(country=country, country_registered=reg, country_fallback=fallback)


def lookup_arrays(
    queries: npt.NDArray[Any], strings: list[str] | None = None, *, folder: Path | None = None
) -> V4Arrays:
    """THE look-up: every path (lookup(), `attribute --ip-file`, the benchmark) ends here.

    `queries` are uint32 (IPv4) or 16-byte big-endian S16 (IPv6); `strings` are the
    same addresses as text when the caller has them (IPv4 text is derived otherwise).
    """
    tables = get_tables(folder)
    if queries.dtype == np.uint32:
        res = lookup_family(tables, tables.v4, queries)
        return _registered(res, strings if strings is not None else _v4_strings(queries))
    if strings is None:
        strings = [str(ipaddress.IPv6Address(bytes(q).ljust(16, b"\0"))) for q in queries]
    return _registered(lookup_family(tables, tables.v6, queries), strings)


def lookup_v4_array(addresses: npt.NDArray[np.uint32], *, folder: Path | None = None) -> V4Arrays:
    """Vectorised IPv4 look-up for bulk work: `lookup_arrays` on uint32 addresses."""
    return lookup_arrays(np.asarray(addresses, dtype=np.uint32), folder=folder)


def _cdn_source(tables: Tables, code: int, by_asn: bool, asn: int) -> str | None:
    if code == 0:
        return None
    if by_asn:
        pos = int(np.searchsorted(tables.cdn_asn, asn))
        return f"AS{asn} listed for {tables.cdn_names[code]}: {tables.cdn_asn_sources[pos]}"
    return f"prefix list: {tables.cdn_range_sources[code]}"


def _infos(tables: Tables, texts: list[str], version: int, res: V4Arrays) -> list[IpInfo]:
    """IpInfo objects from the arrays, converted to Python lists once (not per element)."""
    out = []
    cdn_names, cdn_kinds = tables.cdn_names, tables.cdn_kinds
    org_names = tables.org_names()  # index -1 is the trailing None
    rows = zip(
        texts,
        res.reason.tolist(),
        res.country.tolist(),
        res.country_registered.tolist(),
        res.asn.tolist(),
        res.org.tolist(),
        res.cdn.tolist(),
        res.cdn_by_asn.tolist(),
        res.country_fallback.tolist(),
        strict=True,
    )
    for text, reason, country, registered, asn, org, code, by_asn, fallback in rows:
        out.append(
            IpInfo(
                ip=text,
                version=version,
                routable=reason == 0,
                reason=REASONS[reason],
                country=country or None,
                country_source=(COUNTRY_REGISTERED if fallback else COUNTRY_LOCATED)
                if country
                else None,
                country_registered=registered or None,
                asn=asn or None,
                org=org_names[org],
                cdn=cdn_names[code],
                cdn_kind=cdn_kinds[code],
                cdn_source=_cdn_source(tables, code, by_asn, asn),
            )
        )
    return out


def _split(
    ips: Sequence[str],
) -> tuple[list[int], list[bytes], list[int], list[bytes], list[str]]:
    """Positions and packed bytes per family, and the canonical text of each address.

    IPv4 goes through inet_pton, which takes exactly four decimal octets without
    leading zeros (what parse_ip accepts) and returns the packed form in one C call,
    so the text is already canonical; anything else goes through parse_ip, which
    also gives the error message for bad input.
    """
    v4_idx: list[int] = []
    v4: list[bytes] = []
    v6_idx: list[int] = []
    v6: list[bytes] = []
    texts: list[str] = []
    pton, af_inet = socket.inet_pton, socket.AF_INET
    for i, text in enumerate(ips):
        try:
            v4.append(pton(af_inet, text))
            v4_idx.append(i)
            texts.append(text)
            continue
        except (OSError, TypeError):
            pass
        address = parse_ip(text)
        texts.append(str(address))
        if address.version == 4:
            v4.append(address.packed)
            v4_idx.append(i)
        else:
            v6.append(address.packed)
            v6_idx.append(i)
    return v4_idx, v4, v6_idx, v6, texts


def lookup(ips: Sequence[str], *, folder: Path | None = None) -> list[IpInfo]:
    """Look up addresses in one batch, results in input order (`lookup_arrays` underneath).

    `country` is where the range is located (ip-location-db geo-whois-asn-country),
    falling back to the registration country when that table has no answer;
    `country_registered` is the RIR registration country (iptocc). Non-routable
    addresses never get a country, ASN or CDN.
    """
    if isinstance(ips, str):
        raise BadInput("lookup() takes a sequence of addresses, not one string", field="ips")
    tables = get_tables(folder)
    v4_idx, v4_packed, v6_idx, v6_packed, texts = _split(ips)
    results: list[IpInfo | None] = [None] * len(texts)
    for version, idx, packed, dtype in (
        (4, v4_idx, v4_packed, ">u4"),
        (6, v6_idx, v6_packed, "S16"),
    ):
        if not idx:
            continue
        queries = np.frombuffer(b"".join(packed), dtype=dtype)
        if version == 4:
            queries = queries.astype(np.uint32)
        family_texts = [texts[i] for i in idx]
        res = lookup_arrays(queries, family_texts, folder=folder)
        for i, info in zip(idx, _infos(tables, family_texts, version, res), strict=True):
            results[i] = info
    return [r for r in results if r is not None]
