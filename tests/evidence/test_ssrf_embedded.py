"""Attacker stories: reaching an internal IPv4 host through an IPv6 wrapper, or a
non-web port.

A NAT64 gateway delivers `[64:ff9b::7f00:1]` to 127.0.0.1; 6to4, Teredo, SIIT
and the old IPv4-compatible form carry an IPv4 address too. The guard judges
the IPv4 address each one reaches: an internal one is refused before any
connection, a public one is judged as that public address (and then reached).
"""

from __future__ import annotations

import asyncio

import pytest

from comity.core.errors import BadInput
from comity.evidence.fetch import Fetcher, Limits
from comity.evidence.guard import Guard, make_resolver
from comity.tracking.probe import Prober
from comity.urls import canonicalize
from tests.evidence.servers import WebServer, page
from tests.evidence.test_ssrf import Recorder, fetcher
from tests.tracking.conftest import FAST

INTERNAL = [
    ("64:ff9b::7f00:1", "loopback .*127.0.0.1 embedded in IPv6 by NAT64"),
    ("64:ff9b::a9fe:a9fe", "169.254.169.254"),
    ("64:ff9b:1::a00:1", "embedded in IPv6 by local-use NAT64"),
    ("64:ff9b:1:7f00:1:0:0:0", "loopback .*local-use NAT64"),  # the /48 format's position
    ("::ffff:7f00:1", "loopback .*IPv4-mapped"),
    ("::ffff:0:a00:1", "private .*10.0.0.1 embedded in IPv6 by IPv4-translated"),
    ("::7f00:1", "loopback .*IPv4-compatible"),
    ("::a9fe:a9fe", "169.254.169.254"),
    ("2002:7f00:1::1", "loopback .*6to4"),
    ("2002:c0a8:101::1", "private .*192.168.1.1 embedded in IPv6 by 6to4"),
    # Teredo: client 127.0.0.1, stored inverted (RFC 4380 §4), behind a public server.
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback .*Teredo 2001::/32 \\(RFC 4380\\) client"),
    # Teredo: server 10.0.0.1, client 8.8.8.8.
    ("2001:0:a00:1:8000:63bf:f7f7:f7f7", "private .*Teredo 2001::/32 \\(RFC 4380\\) server"),
]

PUBLIC = [
    "64:ff9b::808:808",
    "64:ff9b:1:808:8:808:808:808",  # 8.8.8.8 in every RFC 6052 position
    "::ffff:0:808:808",
    "::808:808",
    "2002:808:808::1",
    "2001:0:4136:e378:8000:63bf:f7f7:f7f7",  # server 65.54.227.120, client 8.8.8.8
]


@pytest.mark.parametrize(("address", "why"), INTERNAL)
def test_an_internal_ipv4_host_wrapped_in_ipv6_is_refused_before_connecting(
    address: str, why: str
) -> None:
    rec = Recorder()
    result = fetcher((), rec).fetch(f"http://[{address}]/admin")
    assert result.outcome == "refused_ssrf"
    assert rec.calls == []
    with pytest.raises(BadInput, match=why):  # intake refuses it too, naming the mechanism
        canonicalize(f"http://[{address}]/admin")


@pytest.mark.parametrize("address", PUBLIC)
def test_a_public_ipv4_host_wrapped_in_ipv6_is_judged_as_that_public_host(address: str) -> None:
    rec = Recorder()
    result = fetcher((), rec).fetch(f"http://[{address}]/")
    # The guard let it through: the (test) connect was asked for exactly that address.
    assert rec.calls == [address] and result.outcome == "connection_error"
    canonicalize(f"http://[{address}]/")


def test_metadata_wrapped_in_nat64_stays_refused_when_its_range_is_allowlisted() -> None:
    rec = Recorder()
    result = fetcher(("169.254.0.0/16", "64:ff9b::/96"), rec).fetch("http://[64:ff9b::a9fe:a9fe]/")
    assert result.outcome == "refused_ssrf" and "metadata" in (result.error or "")
    assert rec.calls == []


def test_a_non_web_port_is_refused_unless_settings_allow_it(web: WebServer) -> None:
    web.routes["/"] = page(b"an internal service on a high port")
    rec = Recorder()
    strict = Fetcher(
        guard=Guard.from_entries(("127.0.0.1",)),  # the loopback allowed, ports left default
        resolver=make_resolver(),
        limits=Limits(timeout=5),
        connect=rec,
    )
    result = strict.fetch(web.url("/"))
    assert result.outcome == "refused_ssrf" and f"port {web.port}" in (result.error or "")
    assert rec.calls == [] and web.hits == []
    for url in ("http://93.184.216.34:25/", "https://93.184.216.34:6379/"):
        assert strict.fetch(url).outcome == "refused_ssrf"
    assert rec.calls == []
    opted_in = Fetcher(
        guard=Guard.from_entries(("127.0.0.1",), (str(web.port),)),
        resolver=make_resolver(),
        limits=Limits(timeout=5),
        connect=rec,
    )
    assert opted_in.fetch(web.url("/")).body == b"an internal service on a high port"


def test_the_monitor_refuses_a_non_web_port_too(web: WebServer) -> None:
    web.routes["/"] = page(b"an internal service on a high port")

    async def run() -> str:
        guard = Guard.from_entries(("127.0.0.1",))
        async with Prober(guard=guard, resolver=make_resolver(), politeness=FAST) as prober:
            [result] = await prober.check_all([web.url("/")])
        return f"{result.outcome}: {result.error}"

    assert asyncio.run(run()).startswith(f"refused: 127.0.0.1:{web.port}: port {web.port}")
    assert web.hits == []


def test_a_malformed_port_setting_is_refused_naming_it() -> None:
    with pytest.raises(BadInput, match="'80x'"):
        Guard.from_entries((), ("80x",))
    with pytest.raises(BadInput, match="outside 1-65535"):
        Guard.from_entries((), ("0-80",))
