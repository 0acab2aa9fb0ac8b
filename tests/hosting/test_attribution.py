"""Attribution: pure combination with recorded inputs, and end to end on the demo internet."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import httpx
import pytest

from comity.core.errors import ComityError
from comity.demo import internet
from comity.demo.dnsserver import LoopbackDnsServer, ZoneRecord, ZoneResolver
from comity.hosting.attribution import Attribution, collateral, combine, moved
from comity.hosting.directory import platform_for_host, provider_directory
from comity.hosting.dns import DnsResult, ResolverConfig
from comity.hosting.service import attribute_command, attribute_urls

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Info:  # a recorded comity.hosting.ipdata.IpInfo
    ip: str
    version: int = 4
    routable: bool = True
    reason: str | None = None
    country: str | None = None
    asn: int | None = None
    org: str | None = None
    cdn: str | None = None
    cdn_source: str | None = None


HETZNER = Info("5.9.77.77", country="DE", asn=24940, org="Hetzner Online GmbH")
TIMEWEB = Info("5.23.50.50", country="RU", asn=9123, org='JSC "TIMEWEB"')
CLOUDFLARE = Info(
    "104.21.32.1",
    country="US",
    asn=13335,
    org="Cloudflare, Inc.",
    cdn="Cloudflare",
    cdn_source="recorded",
)
PRIVATE = Info("10.0.0.5", routable=False, reason="private-use (RFC 1918)")


def _combine(host: str, *infos: Info, platform_host: str | None = None) -> Attribution:
    return combine(
        url=f"https://{host}/x",
        host=host,
        dns=DnsResult(name=host, status="ok"),
        infos=list(infos),
        platform=platform_for_host(platform_host or host),
        providers=provider_directory(),
        observed_at=T0,
    )


def roles(a: Attribution) -> set[tuple[str, str]]:
    return {(j.country, j.role) for j in a.jurisdictions}


def test_self_hosted_site_is_attributed_to_server_country_and_provider() -> None:
    a = _combine("blog.site.example", HETZNER)
    assert roles(a) == {("DE", "hosting"), ("DE", "provider")}
    assert a.cdn is None and a.platform is None
    assert a.ips[0].provider is not None and a.ips[0].provider.abuse_email == "abuse@hetzner.com"


def test_cdn_hides_origin_and_makes_the_cdn_operator_a_jurisdiction() -> None:
    a = _combine("www.fronted.example", CLOUDFLARE)
    assert a.cdn is not None and a.cdn.origin_hidden
    assert (a.cdn.operator, a.cdn.abuse_url) == ("Cloudflare, Inc.", "https://abuse.cloudflare.com")
    assert ("US", "cdn") in roles(a)
    assert not any(j.role == "hosting" for j in a.jurisdictions)  # the server's country is unknown


def test_platform_item_is_attributed_to_platform_eu_representative_and_server() -> None:
    a = _combine(
        "t.me", Info("149.154.167.99", country="AG", asn=62041, org="Telegram Messenger Inc")
    )
    assert roles(a) == {("AG", "hosting"), ("AE", "platform"), ("BE", "eu_representative")}
    assert a.to_json()["platform"]["le_channel"]["email"] == "abuse@telegram.org"


def test_non_routable_address_gets_no_country_or_jurisdiction() -> None:
    a = _combine("internal.example", PRIVATE)
    assert a.jurisdictions == ()
    data = a.to_json()["ips"][0]
    assert (data["routable"], data["country"], data["provider"]) == (False, None, None)


def test_json_has_the_contract_fields() -> None:
    data = json.loads(json.dumps(_combine("www.fronted.example", CLOUDFLARE).to_json()))
    assert set(data["ips"][0]) >= {"ip", "country", "asn", "org", "routable", "cdn"}
    assert set(data["jurisdictions"][0]) >= {"country", "role", "source"}
    assert data["observed_at"] == "2026-11-28T12:00:00+00:00"
    assert "platform" in data


def test_moved_when_hosting_country_and_network_change() -> None:
    before, after = _combine("m.example", HETZNER), _combine("m.example", TIMEWEB)
    reason = moved(before, after)
    assert reason == "hosting country DE -> RU; network AS24940 -> AS9123"
    assert moved(before, replace(before, observed_at=T0)) is None


def test_not_moved_when_only_the_address_changes_within_the_same_network() -> None:
    other = replace(HETZNER, ip="5.9.77.78")
    assert moved(_combine("m.example", HETZNER), _combine("m.example", other)) is None


def test_unresolvable_item_is_not_called_moved() -> None:
    dns = DnsResult("m.example", "nxdomain")
    gone = combine(
        url="https://m.example/",
        host="m.example",
        dns=dns,
        infos=[],
        platform=None,
        providers=None,
        observed_at=T0,
    )
    assert moved(_combine("m.example", HETZNER), gone) is None


def test_collateral_counts_other_known_domains_on_the_ip() -> None:
    pairs = [
        ("a.example", "5.9.77.77"),
        ("b.example", "5.9.77.77"),
        ("a.example", "5.9.77.77"),
        ("c.example", "5.9.77.78"),
        ("item.example", "5.9.77.77"),
    ]
    result = collateral("5.9.77.77", pairs, domain="item.example")
    assert (result.other_domains, result.examples, result.shared, result.cdn) == (
        2,
        ("a.example", "b.example"),
        True,
        False,
    )
    alone = collateral("5.9.77.78", pairs, domain="c.example", cdn=True)
    assert (alone.other_domains, alone.shared, alone.cdn) == (0, False, True)


def test_collateral_matches_ipv6_in_any_notation() -> None:
    result = collateral("2a01:4f8:0::1", [("x.example", "2a01:4f8::1")])
    assert result.other_domains == 1


@pytest.fixture(scope="module")
def net() -> Iterator[internet.DemoInternet]:
    with internet.start() as running:
        yield running


def test_demo_end_to_end_cdn_platform_ip_literal_and_nxdomain(net: internet.DemoInternet) -> None:
    fronted, channel, literal, expired = attribute_urls(
        [
            "https://www.cdn-demo-fronted.example/p",
            "https://channel.demogram.test/post/7",
            "https://5.79.70.70/x",
            "https://expired.demo-dead.example/post/1",
        ],
        resolver_config=net.resolver_config,
    )
    assert fronted.dns is not None and fronted.dns.cname_chain == ("fronted.edge-cdn-demo.test",)
    assert fronted.cdn is not None and fronted.cdn.name == "Cloudflare"
    assert channel.platform is not None and channel.platform.id == "demogram"
    assert ("BE", "eu_representative") in roles(channel)
    assert literal.dns is None and roles(literal) == {("NL", "hosting"), ("NL", "provider")}
    assert expired.dns is not None and expired.dns.status == "nxdomain" and expired.ips == ()
    assert {fronted.observed_at, literal.observed_at} == {fronted.observed_at}


def test_demo_move_is_flagged(net: internet.DemoInternet) -> None:
    url = "https://mirror.demo-moving.test/p"
    with internet.start() as running:
        (before,) = attribute_urls([url], resolver_config=running.resolver_config)
        running.move("mirror.demo-moving.test")
        (after,) = attribute_urls([url], resolver_config=running.resolver_config)
    assert moved(before, after) == "hosting country DE -> RU; network AS24940 -> AS9123"


def test_name_resolving_to_private_address_is_not_routable() -> None:
    zone = ZoneResolver([ZoneRecord("intranet.test", "A", "10.0.0.5")])
    with LoopbackDnsServer(zone) as server:
        config = ResolverConfig(nameservers=("127.0.0.1",), port=server.port)
        (a,) = attribute_urls(["https://intranet.test/"], resolver_config=config)
    assert a.ips[0].routable is False and a.ips[0].country is None and a.jurisdictions == ()


def test_missing_ip_data_degrades_instead_of_failing(
    net: internet.DemoInternet, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(ips: object, **_: object) -> object:
        raise ComityError("asn-v4.npz: missing")

    monkeypatch.setattr("comity.hosting.ipdata.lookup", broken)
    (a,) = attribute_urls(
        ["https://forum.nl-demo-forum.example/"], resolver_config=net.resolver_config
    )
    assert a.degraded and "asn-v4.npz: missing" in a.degraded[0]
    assert (a.ips[0].country, a.ips[0].asn) == ("NL", None)  # iptocc still answers


def test_online_rdap_fills_a_network_missing_from_the_directory(net: internet.DemoInternet) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(404, json={"errorCode": 404})

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        (a,) = attribute_urls(
            ["https://channel.demogram.test/"],
            resolver_config=net.resolver_config,
            online=True,
            http_client=client,
        )
    assert calls == ["https://rdap.org/autnum/62041"]  # Telegram's AS is not in the directory
    assert any("RDAP AS62041: HTTP 404" in reason for reason in a.degraded)


def test_offline_never_calls_rdap(net: internet.DemoInternet) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"network used offline: {request.url}")

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        (a,) = attribute_urls(
            ["https://channel.demogram.test/"],
            resolver_config=net.resolver_config,
            online=False,
            http_client=client,
        )
    assert a.degraded == ()


def test_attribute_command_prints_json(
    net: internet.DemoInternet, capsys: pytest.CaptureFixture[str]
) -> None:
    attribute_command(
        url="https://haber.tr-demo-haber.test/x", as_json=True, resolver_config=net.resolver_config
    )
    data = json.loads(capsys.readouterr().out)
    assert data["ips"][0]["country"] == "TR"
    assert {"country": "TR", "role": "hosting"}.items() <= data["jurisdictions"][0].items()


def test_attribute_command_human_output_explains_cdn(
    net: internet.DemoInternet, capsys: pytest.CaptureFixture[str]
) -> None:
    attribute_command(
        url="https://guarded.ddos-demo-shield.test/", resolver_config=net.resolver_config
    )
    out = capsys.readouterr().out
    assert "DDoS-Guard" in out and "origin hidden" in out
