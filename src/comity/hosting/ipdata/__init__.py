"""Offline IP intelligence for hosting attribution.

`lookup(["104.16.0.1", "2a01:4f8::1"])` gives, per address, whether it is publicly
routable (IANA special-purpose registries, RFC 6890), the country where its range is
located (ip-location-db: GeoFeed > whois > ASN; this decides) and its RIR
registration country (iptocc, `country_registered`), AS number and
organisation (ip-location-db, CC BY 4.0) and the CDN / reverse proxy in front of
it. Every path (`lookup`, `lookup_v4_array`, `attribute --ip-file`, the benchmark)
runs `lookup_arrays`, so they cannot disagree; `health()` reports
every bundled dataset without raising, so start-up can say "attribution degraded".
"""

from __future__ import annotations

from comity.hosting.ipdata.lookup import IpInfo, lookup, lookup_arrays, lookup_v4_array, parse_ip
from comity.hosting.ipdata.records import ip_record, jurisdictions
from comity.hosting.ipdata.store import DatasetError, DatasetStatus, data_dir, health
from comity.hosting.ipdata.tables import V4Arrays, get_tables

__all__ = [
    "DatasetError",
    "DatasetStatus",
    "IpInfo",
    "V4Arrays",
    "data_dir",
    "get_tables",
    "health",
    "ip_record",
    "jurisdictions",
    "lookup",
    "lookup_arrays",
    "lookup_v4_array",
    "parse_ip",
]
