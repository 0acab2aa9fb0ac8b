"""Batched IP look-up: routability, country, AS number, organisation, CDN."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from comity.core.errors import BadInput
from comity.hosting.ipdata.special import REASONS
from comity.hosting.ipdata.tables import Tables, V4Arrays, get_tables, lookup_family

__all__ = ["IpInfo", "lookup", "lookup_v4_array", "parse_ip"]

_COUNTRY_TABLE = "ip-location-db geo-whois-asn-country"
_COUNTRY_IPTOCC = "iptocc"


@dataclass(frozen=True)
class IpInfo:
    """What the offline data says about one address."""

    ip: str
    version: int
    routable: bool
    reason: str | None  # why not routable (IANA special-purpose registries, RFC 6890)
    country: str | None  # country of registration; None when not routable or unknown
    country_source: str | None
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


def lookup_v4_array(addresses: npt.NDArray[np.uint32], *, folder: Path | None = None) -> V4Arrays:
    """Vectorised IPv4 look-up for bulk work (country from the bundled table)."""
    queries = np.asarray(addresses, dtype=np.uint32)
    tables = get_tables(folder)
    return lookup_family(tables, tables.v4, queries)


def _cdn_source(tables: Tables, code: int, by_asn: bool, asn: int) -> str | None:
    if code == 0:
        return None
    if by_asn:
        pos = int(np.searchsorted(tables.cdn_asn, asn))
        return f"AS{asn} listed for {tables.cdn_names[code]}: {tables.cdn_asn_sources[pos]}"
    return f"prefix list: {tables.cdn_range_sources[code]}"


def _info(tables: Tables, address: Any, res: V4Arrays, i: int, iptocc_cc: str | None) -> IpInfo:
    reason_code = int(res.reason[i])
    routable = reason_code == 0
    table_cc = str(res.country[i]) or None
    country: str | None = iptocc_cc or table_cc
    source: str | None = _COUNTRY_IPTOCC if iptocc_cc else _COUNTRY_TABLE
    if not routable or country is None:
        country, source = None, None
    asn = int(res.asn[i]) or None
    code = int(res.cdn[i])
    return IpInfo(
        ip=str(address),
        version=address.version,
        routable=routable,
        reason=REASONS[reason_code],
        country=country,
        country_source=source,
        asn=asn,
        org=tables.org_name(int(res.org[i])),
        cdn=tables.cdn_names[code],
        cdn_kind=tables.cdn_kinds[code],
        cdn_source=_cdn_source(tables, code, bool(res.cdn_by_asn[i]), asn or 0),
    )


def _iptocc(addresses: list[str]) -> list[str | None]:
    if not addresses:
        return []
    import iptocc

    return list(iptocc.country_code(addresses))


def lookup(ips: Sequence[str], *, folder: Path | None = None) -> list[IpInfo]:
    """Look up addresses in one batch, results in input order.

    Country comes from iptocc (the RIR delegation data, the newer source) and
    falls back to the bundled geo-whois-asn-country table when iptocc has no
    answer. Non-routable addresses never get a country, ASN or CDN.
    """
    if isinstance(ips, str):
        raise BadInput("lookup() takes a sequence of addresses, not one string", field="ips")
    parsed = [parse_ip(text) for text in ips]
    tables = get_tables(folder)
    results: list[IpInfo | None] = [None] * len(parsed)
    for version in (4, 6):
        idx = [i for i, a in enumerate(parsed) if a.version == version]
        if not idx:
            continue
        if version == 4:
            queries = np.array([int(parsed[i]) for i in idx], dtype=np.uint32)
            res = lookup_family(tables, tables.v4, queries)
        else:
            queries = np.array([parsed[i].packed for i in idx], dtype="S16")
            res = lookup_family(tables, tables.v6, queries)
        routable = [k for k in range(len(idx)) if res.reason[k] == 0]
        codes = dict(zip(routable, _iptocc([str(parsed[idx[k]]) for k in routable]), strict=True))
        for k, i in enumerate(idx):
            results[i] = _info(tables, parsed[i], res, k, codes.get(k))
    return [r for r in results if r is not None]
