"""Attacker stories: making the fetcher reach internal addresses (SSRF).

Each test records every connection attempt; for internal targets the proof is
that the fetcher never even tried to connect. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import ipaddress

import httpcore
import pytest

from comity.evidence._transport import default_connect
from comity.evidence.fetch import Fetcher, Limits
from comity.evidence.guard import DnsFailure, Guard, make_resolver
from comity.urls._addresses import IPAddress
from tests.conftest import TEST_SERVER_PORTS
from tests.evidence.servers import WebServer, page, redirect


class Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, ip: str, port: int, timeout: float) -> httpcore.NetworkStream:
        self.calls.append(ip)
        if ip not in ("127.0.0.1", "::1"):
            # Never leave the machine, even if the guard were broken.
            raise httpcore.ConnectError(f"test refuses to really connect to {ip}")
        return default_connect(ip, port, timeout)


def fetcher(allow: tuple[str, ...], recorder: Recorder, resolver=None) -> Fetcher:  # type: ignore[no-untyped-def]
    return Fetcher(
        guard=Guard.from_entries(allow, TEST_SERVER_PORTS),
        resolver=resolver or make_resolver(),
        limits=Limits(timeout=5),
        connect=recorder,
    )


def test_loopback_without_allowlist_is_refused_before_connecting(web: WebServer) -> None:
    web.routes["/"] = page(b"internal admin page")
    rec = Recorder()
    result = fetcher((), rec).fetch(web.url("/"))
    assert result.outcome == "refused_ssrf" and "loopback" in (result.error or "")
    assert rec.calls == [] and web.hits == []
    # The same fetch with the allowlist reaches the server: the guard made the difference.
    assert fetcher(("127.0.0.1",), rec).fetch(web.url("/")).body == b"internal admin page"


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://[::ffff:169.254.169.254]/",
        "http://100.100.100.200/latest/meta-data/",
    ],
)
def test_cloud_metadata_is_refused_without_connecting(url: str) -> None:
    rec = Recorder()
    resolved: list[str] = []

    def resolver(host: str, timeout: float) -> list[IPAddress]:
        resolved.append(host)
        return make_resolver()(host, timeout) if host[0].isdigit() or ":" in host else []

    result = fetcher(("127.0.0.1",), rec, resolver).fetch(url)
    assert result.outcome == "refused_ssrf"
    assert rec.calls == []
    assert "metadata.google.internal" not in resolved  # refused by name, not even resolved


def test_metadata_address_stays_refused_when_its_whole_range_is_allowlisted() -> None:
    rec = Recorder()
    result = fetcher(("169.254.0.0/16",), rec).fetch("http://169.254.169.254/")
    assert result.outcome == "refused_ssrf" and "metadata" in (result.error or "")
    assert rec.calls == []


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/admin",
        "http://[::1]:1/",
        "http://0.0.0.0/",
        "ftp://127.0.0.1/",
    ],
)
def test_redirect_from_allowlisted_server_to_internal_address_is_refused(
    web: WebServer, target: str
) -> None:
    web.routes["/go"] = redirect(target)
    rec = Recorder()
    result = fetcher(("127.0.0.1",), rec).fetch(web.url("/go"))
    assert result.outcome == "refused_ssrf", result.error
    assert rec.calls == ["127.0.0.1"]  # only the first, allowlisted hop connected
    assert result.hops[0].status == 302 and result.final_url == target.replace("[::1]:1", "[::1]:1")


def test_name_resolving_to_private_address_is_refused(web: WebServer) -> None:
    rec = Recorder()

    def resolver(host: str, timeout: float) -> list[IPAddress]:
        return [ipaddress.ip_address("10.1.2.3")]

    result = fetcher(("127.0.0.1",), rec, resolver).fetch("http://innocent.example/")
    assert result.outcome == "refused_ssrf" and "10.1.2.3" in (result.error or "")
    assert rec.calls == []


def test_name_with_one_public_and_one_private_address_is_refused() -> None:
    rec = Recorder()

    def resolver(host: str, timeout: float) -> list[IPAddress]:
        return [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("192.168.1.1")]

    result = fetcher((), rec, resolver).fetch("http://mixed.example/")
    assert result.outcome == "refused_ssrf" and rec.calls == []


def test_dns_rebinding_cannot_change_the_address_after_the_check() -> None:
    """The name answers with a public address when checked and loopback afterwards:
    the fetcher connects to the checked address and never asks DNS twice."""
    rec = Recorder()
    answers = iter([["93.184.216.34"], ["127.0.0.1"], ["127.0.0.1"]])
    lookups: list[str] = []

    def resolver(host: str, timeout: float) -> list[IPAddress]:
        lookups.append(host)
        return [ipaddress.ip_address(a) for a in next(answers)]

    result = fetcher((), rec, resolver).fetch("http://rebind.example/")
    assert lookups == ["rebind.example"]
    assert rec.calls == ["93.184.216.34"]  # the test's connect refuses it: no real traffic
    assert result.outcome == "connection_error"


def test_dns_failure_is_recorded_as_dns_error() -> None:
    rec = Recorder()

    def resolver(host: str, timeout: float) -> list[IPAddress]:
        raise DnsFailure(f"{host}: NXDOMAIN")

    result = fetcher((), rec, resolver).fetch("http://nowhere.example/")
    assert result.outcome == "dns_error" and rec.calls == []


def test_allowlisted_host_name_permits_its_private_address(web: WebServer) -> None:
    web.routes["/"] = page(b"demo")
    rec = Recorder()

    def resolver(host: str, timeout: float) -> list[IPAddress]:
        return [ipaddress.ip_address("127.0.0.1")]

    good = fetcher(("demo.test",), rec, resolver)
    assert good.fetch(f"http://demo.test:{web.port}/").body == b"demo"
    assert (
        fetcher(("other.test",), rec, resolver).fetch(f"http://demo.test:{web.port}/").outcome
        == "refused_ssrf"
    )
