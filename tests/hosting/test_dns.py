"""DNS resolution against a real DNS server on loopback (dnslib), never the internet."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from comity.core.errors import BadInput
from comity.demo.dnsserver import LoopbackDnsServer, SilentUdpServer, ZoneRecord, ZoneResolver
from comity.hosting.dns import ResolverConfig, resolve, resolve_many, validate_hostname

ZONE = [
    ZoneRecord("site.test", "A", "88.198.1.10", 600),
    ZoneRecord("site.test", "AAAA", "2a01:4f8::10", 600),
    ZoneRecord("site.test", "NS", "ns1.site.test", 3600),
    ZoneRecord("www.site.test", "CNAME", "edge.site.test", 120),
    ZoneRecord("edge.site.test", "CNAME", "site.cdn.test", 60),
    ZoneRecord("site.cdn.test", "A", "104.16.1.1", 30),
    ZoneRecord("v4only.test", "A", "51.77.1.1", 300),
    ZoneRecord("txtonly.test", "TXT", "no addresses here", 300),
]


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackDnsServer]:
    resolver = ZoneResolver(ZONE, servfail=frozenset({"broken.test"}), soa_name="test")
    with LoopbackDnsServer(resolver) as srv:
        yield srv


@pytest.fixture(scope="module")
def config(server: LoopbackDnsServer) -> ResolverConfig:
    return ResolverConfig(nameservers=("127.0.0.1",), port=server.port, timeout=2.0)


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_a_and_aaaa_with_ttls_and_ns(config: ResolverConfig) -> None:
    result = run(resolve("site.test", config=config))
    assert result.status == "ok"
    assert [(r.rtype, r.value, r.ttl) for r in result.records if r.rtype != "NS"] == [
        ("A", "88.198.1.10", 600),
        ("AAAA", "2a01:4f8::10", 600),
    ]
    assert [(r.value, r.ttl) for r in result.of_type("NS")] == [("ns1.site.test", 3600)]
    assert result.ips == ("88.198.1.10", "2a01:4f8::10")


def test_cname_chain_to_cdn_name_is_kept_in_order(config: ResolverConfig) -> None:
    result = run(resolve("WWW.Site.Test.", config=config))
    assert result.status == "ok"
    assert result.name == "www.site.test"
    assert result.cname_chain == ("edge.site.test", "site.cdn.test")
    assert result.canonical_name == "site.cdn.test"
    assert result.ips == ("104.16.1.1",)
    ttls = {r.value: r.ttl for r in result.of_type("CNAME")}
    assert ttls == {"edge.site.test": 120, "site.cdn.test": 60}
    # the NS walk goes up from www.site.test to the zone cut site.test
    assert [r.name for r in result.of_type("NS")] == ["site.test"]


def test_nxdomain_is_a_result(config: ResolverConfig) -> None:
    result = run(resolve("gone.test", config=config))
    assert result.status == "nxdomain"
    assert result.records == ()


def test_servfail_is_a_result(config: ResolverConfig) -> None:
    result = run(resolve("broken.test", config=config))
    assert result.status == "servfail"


def test_name_without_addresses_is_no_answer(config: ResolverConfig) -> None:
    result = run(resolve("txtonly.test", config=config))
    assert result.status == "no_answer"
    assert result.ips == ()


def test_partial_answer_ipv4_only_is_ok(config: ResolverConfig) -> None:
    result = run(resolve("v4only.test", config=config))
    assert result.status == "ok"
    assert result.ips == ("51.77.1.1",)
    assert result.errors == ()


def test_non_answering_server_is_a_timeout() -> None:
    with SilentUdpServer() as silent:
        cfg = ResolverConfig(nameservers=("127.0.0.1",), port=silent.port, timeout=0.3)
        result = run(resolve("site.test", config=cfg))
    assert result.status == "timeout"


def test_ip_literal_skips_dns() -> None:
    # a port nobody listens on: any DNS query would time out, so a result proves no DNS ran
    with SilentUdpServer() as silent:
        cfg = ResolverConfig(nameservers=("127.0.0.1",), port=silent.port, timeout=0.3)
        v4, v6 = run(resolve_many(["203.0.113.7", "[2001:db8::1]"], config=cfg))
    assert (v4.status, v4.records[0].rtype, v4.records[0].ttl) == ("ip_literal", "A", None)
    assert (v6.status, v6.ips) == ("ip_literal", ("2001:db8::1",))


def test_resolve_many_keeps_input_order_under_concurrency(server: LoopbackDnsServer) -> None:
    cfg = ResolverConfig(nameservers=("127.0.0.1",), port=server.port, concurrency=3)
    names = ["v4only.test", "gone.test", "site.test", "broken.test", "www.site.test"] * 4
    results = run(resolve_many(names, config=cfg))
    assert [r.name for r in results] == names
    assert [r.status for r in results[:5]] == ["ok", "nxdomain", "ok", "servfail", "ok"]


def test_to_json_has_status_and_ttls(config: ResolverConfig) -> None:
    data = run(resolve("www.site.test", config=config)).to_json()
    assert data["status"] == "ok"
    assert {"name": "site.cdn.test", "type": "A", "value": "104.16.1.1", "ttl": 30} in data[
        "records"
    ]


@pytest.mark.parametrize(
    ("host", "fragment"),
    [
        ("a" * 64 + ".test", "1-63"),
        (".".join(["abcdefghi"] * 26), "253"),
        ("*.example.test", "wildcard"),
        ("bad..test", "1-63"),
        ("пример.test", "xn--"),
    ],
)
def test_bad_host_names_are_refused_with_reason(host: str, fragment: str) -> None:
    with pytest.raises(BadInput) as err:
        validate_hostname(host)
    assert fragment in err.value.message


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"nameservers": ("resolver.test",)}, "not an IP"),
        ({"port": 70000}, "1-65535"),
        ({"port": 0}, "1-65535"),
        ({"nameservers": ()}, "at least one"),
    ],
)
def test_bad_resolver_config_is_refused(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(BadInput) as err:
        ResolverConfig(**kwargs)  # type: ignore[arg-type]
    assert fragment in err.value.message
