"""Attribution: where an item is served from, and which states and companies can act on it.

`attribute_url` combines DNS, the IP data (country, network, CDN), the platform
directory and the provider directory into one time-stamped `Attribution`.  The
combination itself (`combine`) and the history helpers (`moved`, `collateral`)
are pure functions, tested with recorded inputs.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from comity.hosting.directory import Platform, Provider, ProviderDirectory
from comity.hosting.directory.providers import CdnOperator, Registry
from comity.hosting.dns import DnsResult, ResolverConfig

__all__ = [
    "Attribution",
    "CdnInfo",
    "Collateral",
    "Footprint",
    "IpAttribution",
    "IpInfoLike",
    "Jurisdiction",
    "attribute_url",
    "attribute_url_async",
    "collateral",
    "combine",
    "footprint",
    "moved",
    "moved_between",
]

ROLES = ("hosting", "cdn", "platform", "provider", "eu_representative")
IPDATA_SOURCE = (
    "comity.hosting.ipdata (country: ip-location-db 2026-06-17 location, CC BY 4.0; "
    "country_registered: iptocc RIR registration)"
)


class IpInfoLike(Protocol):
    """What `comity.hosting.ipdata.lookup` returns per address (read-only)."""

    @property
    def ip(self) -> str: ...

    @property
    def version(self) -> int: ...

    @property
    def routable(self) -> bool: ...

    @property
    def reason(self) -> str | None: ...

    @property
    def country(self) -> str | None: ...

    @property
    def asn(self) -> int | None: ...

    @property
    def org(self) -> str | None: ...

    @property
    def cdn(self) -> str | None: ...

    @property
    def cdn_source(self) -> str | None: ...


@dataclass(frozen=True)
class IpAttribution:
    ip: str
    version: int
    routable: bool
    reason: str | None
    country: str | None
    asn: int | None
    org: str | None
    cdn: str | None
    cdn_source: str | None
    provider: Provider | None = None
    # RIR registration country; `country` is where the range is located (the state that
    # can act on the server). None when unknown or from recorded older observations.
    country_registered: str | None = None

    @classmethod
    def of(cls, info: IpInfoLike, provider: Provider | None) -> IpAttribution:
        registered = getattr(info, "country_registered", None)
        return cls(
            info.ip,
            info.version,
            info.routable,
            info.reason,
            info.country,
            info.asn,
            info.org,
            info.cdn,
            info.cdn_source,
            provider,
            registered if isinstance(registered, str) else None,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "ip": self.ip,
            "version": self.version,
            "routable": self.routable,
            "reason": self.reason,
            "country": self.country,
            "country_registered": self.country_registered,
            "asn": self.asn,
            "org": self.org,
            "cdn": self.cdn,
            "cdn_source": self.cdn_source,
            "provider": self.provider.to_json() if self.provider else None,
        }


@dataclass(frozen=True)
class CdnInfo:
    """The item sits behind a CDN / reverse proxy: the origin server is hidden."""

    name: str
    operator: str | None
    country: str | None
    abuse_url: str | None
    abuse_email: str | None
    source: str
    origin_hidden: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "operator": self.operator,
            "country": self.country,
            "abuse_url": self.abuse_url,
            "abuse_email": self.abuse_email,
            "source": self.source,
            "origin_hidden": self.origin_hidden,
            "note": "origin hidden: the CDN's abuse channel forwards to (or reveals) the host",
        }


@dataclass(frozen=True)
class Jurisdiction:
    country: str
    role: str  # one of ROLES
    source: str
    evidence: str
    confidence: str

    def to_json(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "role": self.role,
            "source": self.source,
            "evidence": self.evidence,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class Attribution:
    url: str
    host: str
    dns: DnsResult | None
    ips: tuple[IpAttribution, ...]
    platform: Platform | None
    cdn: CdnInfo | None
    jurisdictions: tuple[Jurisdiction, ...]
    observed_at: datetime
    degraded: tuple[str, ...] = ()
    registry: Registry | None = field(default=None)

    def to_json(self) -> dict[str, Any]:
        registry = None
        if self.registry is not None:
            r = self.registry
            registry = {
                "tld": r.tld,
                "name": r.name,
                "email": r.email,
                "form": r.form,
                "source": r.source,
                "as_of": r.as_of,
            }
        return {
            "url": self.url,
            "host": self.host,
            "dns": self.dns.to_json() if self.dns else None,
            "ips": [ip.to_json() for ip in self.ips],
            "platform": self.platform.to_json() if self.platform else None,
            "cdn": self.cdn.to_json() if self.cdn else None,
            "jurisdictions": [j.to_json() for j in self.jurisdictions],
            "registry": registry,
            "observed_at": self.observed_at.isoformat(),
            "degraded": list(self.degraded),
        }


def _registered_note(ip: IpAttribution) -> str:
    if ip.country_registered and ip.country_registered != ip.country:
        return f", registered in {ip.country_registered} (RIR)"
    return ""


def _cdn_info(ip: IpAttribution, operator: CdnOperator | None) -> CdnInfo:
    assert ip.cdn is not None
    if operator is None:
        return CdnInfo(ip.cdn, None, None, None, None, ip.cdn_source or IPDATA_SOURCE)
    return CdnInfo(
        ip.cdn,
        operator.operator,
        operator.country,
        operator.abuse_url,
        operator.abuse_email,
        f"cdn_operators.yaml ({operator.source})",
    )


def combine(
    *,
    url: str,
    host: str,
    dns: DnsResult | None,
    infos: Sequence[IpInfoLike],
    platform: Platform | None,
    providers: ProviderDirectory | None,
    observed_at: datetime,
    degraded: Sequence[str] = (),
    resolved_providers: dict[int, Provider] | None = None,
) -> Attribution:
    """Pure: turn looked-up facts into an Attribution with its jurisdictions.

    Rules: a routable address behind a CDN gives the CDN operator's country the
    role `cdn` (the server's own country is unknown, so no `hosting` claim);
    any other routable address gives `hosting` for its country; each known
    network operator gives `provider` (its country of establishment); a platform
    gives `platform` and, where it has one, `eu_representative`.
    """
    found = dict(resolved_providers or {})
    ips: list[IpAttribution] = []
    for info in infos:
        provider = found.get(info.asn) if info.asn is not None else None
        if provider is None and providers is not None and info.routable:
            provider = providers.for_asn(info.asn)
        ips.append(IpAttribution.of(info, provider))
    jurisdictions: dict[tuple[str, str], Jurisdiction] = {}

    def add(j: Jurisdiction) -> None:
        jurisdictions.setdefault((j.country, j.role), j)

    cdn: CdnInfo | None = None
    for ip in ips:
        if not ip.routable:
            continue  # never give a country to private / reserved addresses
        network = f"AS{ip.asn} {ip.org}" if ip.asn else "unknown network"
        if ip.cdn:
            operator = providers.cdn_operator(ip.cdn) if providers else None
            cdn = cdn or _cdn_info(ip, operator)
            if operator is not None:
                add(
                    Jurisdiction(
                        operator.country,
                        "cdn",
                        f"cdn_operators.yaml ({operator.source})",
                        f"{ip.ip} is in {ip.cdn} ranges ({ip.cdn_source}); origin hidden",
                        operator.confidence,
                    )
                )
        elif ip.country:
            add(
                Jurisdiction(
                    ip.country,
                    "hosting",
                    IPDATA_SOURCE,
                    f"{host} resolves to {ip.ip} ({network}) located in {ip.country}"
                    + _registered_note(ip),
                    "medium",
                )
            )
        if ip.provider is not None and ip.provider.country:
            add(
                Jurisdiction(
                    ip.provider.country,
                    "provider",
                    ip.provider.sources.get("country") or "providers.json",
                    f"{ip.ip} is announced by AS{ip.asn}, operated by {ip.provider.legal_entity}",
                    ip.provider.confidence,
                )
            )
    if platform is not None:
        if platform.country:
            add(
                Jurisdiction(
                    platform.country,
                    "platform",
                    platform.source,
                    f"{host} is served by {platform.name} ({platform.operator})",
                    platform.confidence,
                )
            )
        rep = platform.eu_representative
        if rep is not None:
            add(
                Jurisdiction(
                    rep.country,
                    "eu_representative",
                    platform.source,
                    f"{platform.name}: {rep.entity} ({rep.kind.replace('_', ' ')})",
                    platform.confidence,
                )
            )
    order = {role: i for i, role in enumerate(ROLES)}
    return Attribution(
        url=url,
        host=host,
        dns=dns,
        ips=tuple(ips),
        platform=platform,
        cdn=cdn,
        jurisdictions=tuple(sorted(jurisdictions.values(), key=lambda j: order[j.role])),
        observed_at=observed_at,
        degraded=tuple(degraded),
        registry=providers.registry_for(host) if providers and host else None,
    )


@dataclass(frozen=True)
class Footprint:
    countries: frozenset[str]
    asns: frozenset[int]
    live: bool  # at least one publicly routable address


def footprint(data: dict[str, Any]) -> Footprint:
    """Where an attribution (its JSON) says the item is served: hosting/CDN countries, networks."""
    live = [ip for ip in data.get("ips", []) if ip.get("routable")]
    countries = {
        j["country"] for j in data.get("jurisdictions", []) if j.get("role") in ("hosting", "cdn")
    }
    asns = {int(ip["asn"]) for ip in live if ip.get("asn") is not None}
    return Footprint(frozenset(countries), frozenset(asns), bool(live))


def moved_between(previous: Footprint, current: Footprint) -> str | None:
    """A change of hosting country or network. Vanishing is not a move (the monitor's case)."""
    if not (previous.live and current.live):
        return None
    reasons = []
    if previous.countries != current.countries:
        reasons.append(
            f"hosting country {','.join(sorted(previous.countries)) or '?'} -> "
            f"{','.join(sorted(current.countries)) or '?'}"
        )
    if previous.asns != current.asns:
        before = ",".join(f"AS{a}" for a in sorted(previous.asns)) or "?"
        after = ",".join(f"AS{a}" for a in sorted(current.asns)) or "?"
        reasons.append(f"network {before} -> {after}")
    return "; ".join(reasons) or None


def moved(previous: Attribution, current: Attribution) -> str | None:
    """Why the item counts as moved (hosting country or network changed), or None.

    Only routable addresses count. An item that no longer resolves has not
    "moved": that is a removal question for monitoring, so None is returned.
    Stored observations are compared the same way (`footprint` of their JSON).
    """
    return moved_between(footprint(previous.to_json()), footprint(current.to_json()))


@dataclass(frozen=True)
class Collateral:
    ip: str
    other_domains: int  # registrable domains known to Comity on this IP, besides the item's
    examples: tuple[str, ...]
    shared: bool  # more than one registrable domain: an IP-level block hits others
    cdn: bool  # a CDN address: an IP-level block hits every customer of the CDN

    def to_json(self) -> dict[str, Any]:
        return {
            "ip": self.ip,
            "other_domains": self.other_domains,
            "examples": list(self.examples),
            "shared": self.shared,
            "cdn": self.cdn,
        }


def collateral(
    ip: str,
    known_pairs: Iterable[tuple[str, str]],
    *,
    domain: str | None = None,
    cdn: bool = False,
    examples: int = 5,
) -> Collateral:
    """What blocking `ip` would also hit, from the (registrable domain, ip) pairs Comity knows."""
    target = ipaddress.ip_address(ip)
    others = sorted(
        {d.lower() for d, other in known_pairs if ipaddress.ip_address(other) == target}
        - ({domain.lower()} if domain else set())
    )
    return Collateral(
        ip=target.compressed,
        other_domains=len(others),
        examples=tuple(others[:examples]),
        shared=len(others) >= 1,
        cdn=cdn,
    )


async def attribute_url_async(
    url: str, *, resolver_config: ResolverConfig, online: bool | None = False, **kwargs: Any
) -> Attribution:
    """Resolve, look up and combine (see comity.hosting.service for the I/O details)."""
    from comity.hosting.service import attribute_many_async

    return (
        await attribute_many_async([url], resolver_config=resolver_config, online=online, **kwargs)
    )[0]


def attribute_url(
    url: str, *, resolver_config: ResolverConfig, online: bool | None = False, **kwargs: Any
) -> Attribution:
    """Blocking wrapper of `attribute_url_async` (not from inside a running event loop)."""
    return asyncio.run(
        attribute_url_async(url, resolver_config=resolver_config, online=online, **kwargs)
    )


def now() -> datetime:
    return datetime.now(UTC)
