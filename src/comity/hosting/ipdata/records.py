"""IpInfo as the JSON record of an observation, with its jurisdictions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from comity.hosting.ipdata.lookup import COUNTRY_REGISTERED, IpInfo

__all__ = ["ip_record", "jurisdictions"]


def jurisdictions(info: IpInfo) -> list[dict[str, Any]]:
    """Who can act on this address, as far as the IP data alone tells.

    A routable address outside any CDN is where the content is hosted (role
    `hosting`). Behind a CDN or reverse proxy the origin is hidden: the operator
    (role `cdn`) is the jurisdiction, and its abuse channel forwards to the host.
    The country is where the block is located (GeoFeed, else whois), since a
    request goes to the state that can act on the server; where the RIR
    registration country differs it is named in the source. Confidence "medium":
    neither is a measurement of where the server stands.
    """
    if not info.routable or info.country is None:
        return []
    where = f"{info.country_source}: {info.ip} located in {info.country}"
    if info.country_registered and info.country_registered != info.country:
        where += f", registered in {info.country_registered} ({COUNTRY_REGISTERED})"
    if info.cdn is not None:
        return [
            {
                "country": info.country,
                "role": "cdn",
                "operator": info.cdn,
                "source": f"{where}; CDN {info.cdn} ({info.cdn_source})",
                "confidence": "medium",
            }
        ]
    org = f" ({info.org}, AS{info.asn})" if info.asn else ""
    return [
        {
            "country": info.country,
            "role": "hosting",
            "operator": info.org,
            "source": where + org,
            "confidence": "medium",
        }
    ]


def ip_record(info: IpInfo, *, observed_at: datetime) -> dict[str, Any]:
    """The JSON object printed by `comity attribute --ip` (one per address)."""
    return {
        "ip": info.ip,
        "version": info.version,
        "routable": info.routable,
        "reason": info.reason,
        "country": info.country,
        "country_source": info.country_source,
        "country_registered": info.country_registered,
        "asn": info.asn,
        "org": info.org,
        "cdn": info.cdn,
        "cdn_kind": info.cdn_kind,
        "cdn_source": info.cdn_source,
        "jurisdictions": jurisdictions(info),
        "observed_at": observed_at.isoformat(),
    }
