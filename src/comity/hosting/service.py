"""Attribution service: the I/O around `comity.hosting.attribution.combine`.

URL -> canonical host -> DNS (configured resolvers) -> IP data in one batch ->
platform / provider directories (-> RDAP, only when online) -> Attribution.
A missing or broken dataset degrades the answer (listed in `degraded`), it
never stops the rest of Comity.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from comity.core.errors import BadInput, ComityError
from comity.hosting.attribution import Attribution, IpInfoLike, combine, now
from comity.hosting.directory import (
    DirectoryDataError,
    Platform,
    Provider,
    ProviderDirectory,
    platform_for_host,
    provider_directory,
)
from comity.hosting.directory.rdap import fetch_autnum, online_enabled, provider_from_rdap
from comity.hosting.dns import DnsResult, ResolverConfig, resolve_many

__all__ = [
    "attribute_command",
    "attribute_many_async",
    "attribute_urls",
    "render_attribution",
    "resolver_config_from_env",
]

IpLookup = Callable[[Sequence[str]], Sequence[IpInfoLike]]


def resolver_config_from_env() -> ResolverConfig:
    """Resolvers from the settings: COMITY_DNS_SERVERS="ip[:port],..." (IPv6 as [addr]:port).

    Without it the system resolvers (/etc/resolv.conf) are used. One port applies
    to every server (the demo internet and tests run one server on a high port).
    """
    from comity.core.settings import get_settings

    settings = get_settings()
    servers: list[str] = []
    ports: set[int] = set()
    for entry in settings.dns_servers:
        host, port = _split_server(entry)
        servers.append(host)
        ports.add(port)
    if len(ports) > 1:
        raise BadInput("COMITY_DNS_SERVERS: all servers must use the same port")
    if not servers:
        import dns.resolver

        try:
            servers = [str(ns) for ns in dns.resolver.Resolver().nameservers]
        except dns.resolver.NoResolverConfiguration:
            raise BadInput(
                "no DNS resolver configured: set COMITY_DNS_SERVERS (e.g. 127.0.0.1:53)",
                field="COMITY_DNS_SERVERS",
            ) from None
    return ResolverConfig(
        nameservers=tuple(servers),
        port=ports.pop() if ports else 53,
        timeout=settings.dns_timeout_seconds,
    )


def _split_server(entry: str) -> tuple[str, int]:
    """'1.2.3.4', '1.2.3.4:5353', '[::1]:5353' or '::1' -> (address, port)."""
    text = entry.strip()
    host, port = text, "53"
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":") or "53"
    elif text.count(":") == 1:
        host, port = text.split(":")
    try:
        number = int(port)
    except ValueError:
        raise BadInput(f"COMITY_DNS_SERVERS: bad port in {entry!r}") from None
    return host, number


@dataclass(frozen=True)
class _FallbackInfo:
    """IP facts from the standard library and iptocc when the ipdata tables are unusable."""

    ip: str
    version: int
    routable: bool
    reason: str | None
    country: str | None
    asn: int | None = None
    org: str | None = None
    cdn: str | None = None
    cdn_source: str | None = None


def _fallback_lookup(ips: Sequence[str]) -> list[IpInfoLike]:
    import iptocc

    out: list[IpInfoLike] = []
    for text in ips:
        address = ipaddress.ip_address(text)
        routable = address.is_global
        country = iptocc.country_code(address.compressed) if routable else None
        reason = None if routable else "not globally routable"
        out.append(
            _FallbackInfo(address.compressed, address.version, routable, reason, country or None)
        )
    return out


def _lookup_ips(ips: Sequence[str], lookup: IpLookup | None) -> tuple[list[IpInfoLike], list[str]]:
    if lookup is not None:
        return list(lookup(ips)), []
    try:
        from comity.hosting import ipdata

        return list(ipdata.lookup(ips)), []
    except (ImportError, ComityError) as exc:
        reason = getattr(exc, "message", None) or str(exc)
        return _fallback_lookup(ips), [f"IP data unavailable ({reason}): country only, no ASN/CDN"]


def _platform(host: str) -> tuple[Platform | None, list[str]]:
    from comity.demo.sites import demo_platforms, is_demo_host

    try:
        if is_demo_host(host):  # reserved names: only the demo's fictional platforms
            return demo_platforms().for_host(host), []
        return platform_for_host(host), []
    except DirectoryDataError as exc:
        return None, [f"platform directory unavailable ({exc.message})"]


def _providers() -> tuple[ProviderDirectory | None, list[str]]:
    try:
        return provider_directory(), []
    except DirectoryDataError as exc:
        return None, [f"provider directory unavailable ({exc.message})"]


async def _rdap_fill(
    asns: set[int], providers: ProviderDirectory | None, client: httpx.Client
) -> tuple[dict[int, Provider], list[str]]:
    """Ask RDAP about networks the directory lacks or has no abuse contact for."""
    filled: dict[int, Provider] = {}
    problems: list[str] = []
    for asn in sorted(asns):
        known = providers.for_asn(asn) if providers else None
        if known is not None and known.abuse_email and known.country:
            continue
        try:
            contact = await asyncio.to_thread(fetch_autnum, asn, client=client)
        except ComityError as exc:
            problems.append(exc.message)
            continue
        filled[asn] = provider_from_rdap(asn, known, contact)
    return filled, problems


async def attribute_many_async(
    urls: Sequence[str],
    *,
    resolver_config: ResolverConfig,
    online: bool | None = False,
    http_client: httpx.Client | None = None,
    ip_lookup: IpLookup | None = None,
) -> list[Attribution]:
    """Attribute each URL (results in input order); DNS runs concurrently, IP data in one batch."""
    from comity.urls import canonicalize

    canon = [canonicalize(url) for url in urls]
    names = [c.host for c in canon if not c.is_ip]
    resolved = iter(await resolve_many(names, config=resolver_config)) if names else iter(())
    dns_by_url: list[DnsResult | None] = []
    ips_by_url: list[tuple[str, ...]] = []
    for c in canon:
        if c.is_ip:
            dns_by_url.append(None)
            ips_by_url.append((ipaddress.ip_address(c.host).compressed,))
        else:
            result = next(resolved)
            dns_by_url.append(result)
            ips_by_url.append(result.ips)
    unique = sorted({ip for ips in ips_by_url for ip in ips})
    infos, degraded = _lookup_ips(unique, ip_lookup) if unique else ([], [])
    info_by_ip = {ipaddress.ip_address(info.ip).compressed: info for info in infos}
    providers, problems = _providers()
    degraded += problems
    rdap: dict[int, Provider] = {}
    if online_enabled(online):
        asns = {i.asn for i in infos if i.asn is not None and i.routable}
        client = http_client or httpx.Client(timeout=10.0)
        try:
            rdap, rdap_problems = await _rdap_fill(asns, providers, client)
        finally:
            if http_client is None:
                client.close()
        degraded += rdap_problems
    observed = now()
    out = []
    for c, dns_result, ips in zip(canon, dns_by_url, ips_by_url, strict=True):
        platform, platform_problems = _platform(c.host) if not c.is_ip else (None, [])
        out.append(
            combine(
                url=c.url,
                host=c.host,
                dns=dns_result,
                infos=[info_by_ip[ip] for ip in ips],
                platform=platform,
                providers=providers,
                observed_at=observed,
                degraded=[*degraded, *platform_problems],
                resolved_providers=rdap,
            )
        )
    return out


def attribute_urls(urls: Sequence[str], **kwargs: Any) -> list[Attribution]:
    """Blocking wrapper of `attribute_many_async`."""
    return asyncio.run(attribute_many_async(urls, **kwargs))


def render_attribution(attribution: Attribution) -> None:
    """Human view: where it is served, who can act, and why."""
    from rich.table import Table

    from comity.cli.output import console

    a = attribution
    dns = a.dns.status if a.dns else "ip literal (no DNS)"
    console.print(
        f"[bold]{a.url}[/bold]  host {a.host}  DNS: {dns}  observed {a.observed_at:%Y-%m-%d %H:%M}Z"
    )
    if a.dns and a.dns.cname_chain:
        console.print("CNAME chain: " + " -> ".join((a.host, *a.dns.cname_chain)))
    ips = Table("IP", "routable", "country", "network", "CDN", "provider / abuse")
    for ip in a.ips:
        provider = ip.provider
        who = (
            f"{provider.legal_entity} / {provider.abuse_email or provider.abuse_url or '-'}"
            if provider
            else "-"
        )
        ips.add_row(
            ip.ip,
            "yes" if ip.routable else f"no ({ip.reason})",
            ip.country or "-",
            f"AS{ip.asn} {ip.org}" if ip.asn else "-",
            ip.cdn or "-",
            who,
        )
    console.print(ips)
    if a.cdn:
        operator = a.cdn.operator or "operator unknown"
        channel = a.cdn.abuse_url or a.cdn.abuse_email or "unknown"
        console.print(
            f"Behind CDN {a.cdn.name} ({operator}): origin hidden; abuse channel {channel}"
        )
    if a.platform:
        p = a.platform
        route = p.portal()
        channel = (
            f"{route.kind} {route.url or route.email} (checked {route.checked.isoformat()})"
            if route is not None
            else f"no route known: {p.fallback()}"
        )
        console.print(f"Platform {p.name}: {p.operator} ({p.country or '?'}); route {channel}")
    table = Table("country", "role", "evidence", "confidence", "source")
    for j in a.jurisdictions:
        table.add_row(j.country, j.role, j.evidence, j.confidence, j.source)
    console.print(table)
    for reason in a.degraded:
        console.print(f"[yellow]degraded:[/yellow] {reason}")


def attribute_command(
    *,
    url: str,
    as_json: bool = False,
    online: bool | None = None,
    resolver_config: ResolverConfig | None = None,
) -> Attribution:
    """`comity attribute --url URL [--json] [--online]`: attribute one URL and print it."""
    from comity.cli.output import print_json

    config = resolver_config or resolver_config_from_env()
    (attribution,) = attribute_urls([url], resolver_config=config, online=online)
    if as_json:
        print_json(attribution.to_json())
    else:
        render_attribution(attribution)
    return attribution


def attribute_stored(
    *,
    engine: Any,
    item_ids: Sequence[int],
    actor: str | None,
    online: bool = False,
    progress: Callable[[int], None] | None = None,
) -> list[Any]:
    """Attribute stored items (resolvers from the settings), record history, advance states.

    The one entry point the command line, the demo, the web pages and the jobs share.
    """
    from comity.cases.states import advance
    from comity.hosting.store import attribute_items
    from comity.intake.models import Item

    config = resolver_config_from_env()

    def advance_item(session: Any, item: Item, row: Any, acting: str) -> None:
        advance(session=session, item=item, to="attributed", actor=acting, reason="attributed")

    return attribute_items(
        engine=engine,
        item_ids=item_ids,
        actor=actor,
        attribute=lambda urls: attribute_urls(urls, resolver_config=config, online=online),
        on_recorded=advance_item,
        progress=progress,
    )


def attribute_items_command(
    *,
    item_ids: Sequence[str],
    all_items: bool = False,
    stale: int | None = None,
    online: bool = False,
    as_json: bool = False,
    by: str | None = None,
) -> None:
    """`comity attribute ITEM... | --all | --stale DAYS`: attribute stored items, keep history."""
    from rich.progress import Progress

    from comity.cli.output import err_console, print_json
    from comity.core.db import get_engine, read_session
    from comity.core.settings import get_settings
    from comity.hosting.store import stale_item_ids
    from comity.intake.models import Item

    try:
        ids = [int(i) for i in item_ids]
    except ValueError:
        raise BadInput(f"item ids must be numbers: {' '.join(item_ids)}") from None
    engine = get_engine()
    if all_items or stale is not None:
        from sqlalchemy import select

        with read_session(engine) as session:
            ids = (
                stale_item_ids(session, stale)
                if stale is not None
                else list(session.scalars(select(Item.id).order_by(Item.id)))
            )
    with Progress(console=err_console, transient=True, disable=as_json) as progress:
        task = progress.add_task("attributing", total=len(ids))
        rows = attribute_stored(
            engine=engine,
            item_ids=ids,
            actor=by or get_settings().user,
            online=online,
            progress=lambda n: progress.advance(task, n),
        )
    if as_json:
        print_json(
            [
                {"item_id": r.item_id, "attribution_id": r.id, "moved": r.moved, **r.data}
                for r in rows
            ],
            lines=True,
        )
        return
    from comity.cli.output import console

    for r in rows:
        flag = f"  [yellow]moved: {r.moved}[/]" if r.moved else ""
        console.print(
            f"item {r.item_id}: {r.countries or '-'} AS{r.asns or '-'} "
            f"cdn={r.cdn or '-'} platform={r.platform or '-'}{flag}"
        )
