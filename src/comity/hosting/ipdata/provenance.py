"""Provenance of the bundled datasets (copied from the SOURCES.md of each shared-data folder)."""

from __future__ import annotations

from comity.hosting.ipdata.build import DatasetMeta

__all__ = ["METAS", "UPSTREAM_FILES"]

_ATTR_ASN = (
    "IP to ASN data by RouteViews (routeviews.org) and DB-IP (db-ip.com, "
    "'IP Geolocation by DB-IP'), compiled by sapics/ip-location-db; CC BY 4.0"
)
_ATTR_NRO = "Statistics data by the NRO (nro.net), compiled by sapics/ip-location-db; CC BY 4.0"

METAS = [
    DatasetMeta(
        name="ip-asn",
        file="ip-asn.npz",
        description="IPv4/IPv6 range -> AS number",
        upstream="npm @ip-location-db/asn 2.3.2026061719 (asn-ipv4.csv, asn-ipv6.csv)",
        url="https://github.com/sapics/ip-location-db/tree/main/asn",
        date="2026-06-17",
        licence="CC-BY-4.0",
        attribution=_ATTR_ASN,
    ),
    DatasetMeta(
        name="asn-org",
        file="asn-org.npz",
        description="AS number -> organisation name (most frequent name among its ranges)",
        upstream="derived from npm @ip-location-db/asn 2.3.2026061719 "
        "(asn_org_derived_from_ip-location-db_2026-06-17.csv)",
        url="https://github.com/sapics/ip-location-db/tree/main/asn",
        date="2026-06-17",
        licence="CC-BY-4.0",
        attribution=_ATTR_ASN,
    ),
    DatasetMeta(
        name="ip-country",
        file="ip-country.npz",
        description="IPv4/IPv6 range -> country where the range is located (GeoFeed > whois > "
        "ASN); DECIDES `country` on every path (lookup, attribute --ip-file, bench); the RIR "
        "registration country (iptocc) is shown beside it as `country_registered`",
        upstream="npm @ip-location-db/geo-whois-asn-country 2.3.2026061719",
        url="https://github.com/sapics/ip-location-db/tree/main/geo-whois-asn-country",
        date="2026-06-17",
        licence="CC-BY-4.0 (source data, NRO); compilation CC0-1.0",
        attribution=_ATTR_NRO,
    ),
    DatasetMeta(
        name="cdn-ranges",
        file="cdn-ranges.npz",
        description="CDN / reverse-proxy prefixes -> operator (Cloudflare, Fastly, Akamai, "
        "CloudFront, Google, Gcore, Imperva, ...)",
        upstream="mansourjabin/cdn-ip-database @3f4e248 (MIT); lord-alfred/ipranges @14dd971 "
        "google (CC0)",
        url="https://github.com/mansourjabin/cdn-ip-database",
        date="2026-08-22",
        licence="MIT; CC0-1.0",
        attribution="CDN prefixes from mansourjabin/cdn-ip-database (MIT, (c) its authors) "
        "and lord-alfred/ipranges (CC0)",
    ),
    DatasetMeta(
        name="cdn-operators",
        file="cdn-operators.yaml",
        description="CDN / reverse-proxy operators with their ASNs, one source per ASN",
        upstream="mansourjabin/cdn-ip-database sources.json @3f4e248 (MIT); ip-location-db "
        "ASN organisation names (CC BY 4.0); comity cdn_curated.yaml",
        url="https://github.com/mansourjabin/cdn-ip-database",
        date="2026-08-22",
        licence="MIT; CC-BY-4.0",
        attribution="mansourjabin/cdn-ip-database (MIT); RouteViews and DB-IP (CC BY 4.0)",
    ),
]

# Upstream locations used by `comity data update` (relative path in the SourceLayout -> URL).
# The npm packages are what the shared snapshot was taken from; upstream warns that npm
# updates are deprecated, so a failed download keeps the bundled snapshot.
UPSTREAM_FILES: dict[str, str] = {
    "ip-location-db/asn/asn-ipv4.csv": "https://cdn.jsdelivr.net/npm/@ip-location-db/asn/asn-ipv4.csv",
    "ip-location-db/asn/asn-ipv6.csv": "https://cdn.jsdelivr.net/npm/@ip-location-db/asn/asn-ipv6.csv",
    "ip-location-db/geo-whois-asn-country/geo-whois-asn-country-ipv4.csv": "https://cdn.jsdelivr.net/npm/@ip-location-db/geo-whois-asn-country/"
    "geo-whois-asn-country-ipv4.csv",
    "ip-location-db/geo-whois-asn-country/geo-whois-asn-country-ipv6.csv": "https://cdn.jsdelivr.net/npm/@ip-location-db/geo-whois-asn-country/"
    "geo-whois-asn-country-ipv6.csv",
    "cdn-ranges/mansourjabin-cdn-ip-database/resolved_ips.json": "https://raw.githubusercontent.com/mansourjabin/cdn-ip-database/main/data/resolved_ips.json",
    "cdn-ranges/lord-alfred-ipranges/google/ipv4_merged.txt": "https://raw.githubusercontent.com/lord-alfred/ipranges/main/google/ipv4_merged.txt",
    "cdn-ranges/lord-alfred-ipranges/google/ipv6_merged.txt": "https://raw.githubusercontent.com/lord-alfred/ipranges/main/google/ipv6_merged.txt",
}
