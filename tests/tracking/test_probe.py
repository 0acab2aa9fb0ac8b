"""The prober alone: redirects, the guard on every hop, bad URLs, bounded pools and DNS."""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
from typing import Any

from comity.evidence.guard import Guard, make_resolver
from comity.tracking.probe import Politeness, Prober, ProbeResult
from tests.conftest import TEST_SERVER_PORTS
from tests.tracking.conftest import FAST
from tests.tracking.servers import Answer, Site

PAGE = b"<html><body>the reported post</body></html>"


def _check(urls: list[str], politeness: Politeness = FAST, **kwargs: Any) -> list[ProbeResult]:
    async def run() -> list[ProbeResult]:
        guard = Guard.from_entries(("127.0.0.1",), TEST_SERVER_PORTS)
        kwargs.setdefault("resolver", make_resolver(()))
        async with Prober(guard=guard, politeness=politeness, **kwargs) as prober:
            return await prober.check_all(urls)

    return asyncio.run(run())


def test_redirects_are_followed_to_the_final_answer(site: Site) -> None:
    site.answers.update(
        {
            "/a": Answer(301, b"", {"Location": "/b"}),
            "/b": Answer(302, b"", {"Location": site.url("/c")}),
            "/c": Answer(200, PAGE, {"X-Thing": "one"}),
        }
    )
    [result] = _check([site.url("/a")])
    assert (result.outcome, result.status, result.final_url) == ("ok", 200, site.url("/c"))
    assert result.sha256 == hashlib.sha256(PAGE).hexdigest()
    assert result.head == PAGE
    assert result.headers["x-thing"] == "one"
    assert result.ips == ("127.0.0.1",)


def test_a_redirect_loop_stops_as_malformed(site: Site) -> None:
    site.answers["/loop"] = Answer(302, b"", {"Location": "/loop"})
    [result] = _check([site.url("/loop")], Politeness(max_redirects=3, timeout=1.0, retries=0))
    assert result.outcome == "malformed"
    assert "more than 3 redirects" in (result.error or "")
    assert sum(1 for path, _ in site.hits if path == "/loop") == 4


def test_a_redirect_to_a_private_address_is_refused_before_connecting(site: Site) -> None:
    site.answers["/r"] = Answer(302, b"", {"Location": "http://169.254.169.254/latest/meta-data"})
    site.answers["/v6"] = Answer(302, b"", {"Location": f"http://[::1]:{site.port}/x"})
    results = _check([site.url("/r"), site.url("/v6")])
    assert [r.outcome for r in results] == ["refused", "refused"]
    assert results[0].status is None
    # The checks run concurrently, so the order of arrival is not fixed; the set of
    # requests is: no request followed either redirect.
    assert sorted(path for path, _ in site.hits) == ["/r", "/v6"]


def test_a_name_resolving_to_one_private_address_is_refused(site: Site) -> None:
    def resolver(host: str, timeout: float) -> list[Any]:
        return [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("10.1.2.3")]

    [result] = _check([f"http://mixed.example:{site.port}/p"], resolver=resolver)
    assert result.outcome == "refused"
    assert site.hits == []


def test_bad_urls_and_schemes_are_malformed_not_crashes(site: Site) -> None:
    site.answers["/ftp"] = Answer(302, b"", {"Location": "ftp://127.0.0.1/file"})
    results = _check(["http://a\x00b/x", "gopher://127.0.0.1/", site.url("/ftp")])
    assert [r.outcome for r in results] == ["malformed", "malformed", "malformed"]
    assert all(r.attempts <= 1 for r in results)


def test_dns_is_asked_once_per_host_and_pools_stay_bounded(site: Site) -> None:
    site.answers.update({f"/p{i}": Answer(200, PAGE) for i in range(6)})
    asked: list[str] = []

    def resolver(host: str, timeout: float) -> list[Any]:
        asked.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    # six host names (all routed to the site), two pools at most
    urls = [f"http://h{i % 3}.example:{site.port}/p{i}" for i in range(6)]
    urls += [f"http://k{i}.example:{site.port}/p{i}" for i in range(3)]
    results = _check(urls, resolver=resolver, max_pools=2)
    assert [r.status for r in results] == [200] * 9
    assert sorted(asked) == sorted({u.split("//")[1].split(":")[0] for u in urls})


def test_a_dropped_connection_is_retried_then_unreachable(site: Site) -> None:
    site.answers["/slow"] = Answer(200, PAGE, delay=1.0)
    [result] = _check([site.url("/slow")], Politeness(timeout=0.2, retries=1, backoff=0.01))
    assert (result.outcome, result.attempts, result.status) == ("timeout", 2, None)
