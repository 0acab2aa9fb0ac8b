"""The demo internet: DNS and HTTP on loopback; its real addresses checked against bundled data."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator

import httpx
import pytest
from tests.evidence.media_files import needs_ffmpeg

from comity.demo import internet
from comity.demo.httpserver import render
from comity.demo.sites import DemoSite, is_demo_host, load_sites, reports_csv
from comity.hosting.dns import resolve_many
from comity.hosting.ipdata import lookup

SITES = load_sites()


@pytest.fixture(scope="module")
def net() -> Iterator[internet.DemoInternet]:
    with internet.start() as running:
        yield running


def test_every_demo_name_is_reserved_and_there_are_enough_sites() -> None:
    assert 10 <= len(SITES) <= 20
    assert all(is_demo_host(site.name) for site in SITES)
    assert not is_demo_host("www.example.com")


@pytest.mark.parametrize("site", [s for s in SITES if s.expect], ids=lambda s: s.name)
def test_demo_addresses_belong_to_the_stated_real_network(site: DemoSite) -> None:
    # the bundled IP data must agree, or the demo would attribute to the wrong state
    assert site.expect is not None
    for info in lookup([*site.a, *site.aaaa]):
        assert info.routable
        assert (info.country, info.asn) == (site.expect["country"], site.expect["asn"])
        registered = site.expect.get("country_registered", site.expect["country"])
        assert info.country_registered == registered
        assert info.cdn == site.expect.get("cdn")
    if site.expect_after_move:
        (after,) = lookup(list(site.moves_to))
        assert (after.country, after.asn) == (
            site.expect_after_move["country"],
            site.expect_after_move["asn"],
        )


def test_demo_covers_several_countries_and_a_cdn() -> None:
    countries = {s.expect["country"] for s in SITES if s.expect}
    assert {"DE", "NL", "FR", "US", "RU", "TR"} <= countries
    assert any(s.expect and s.expect.get("cdn") == "Cloudflare" for s in SITES)


def test_demo_dns_answers_with_real_addresses_and_cname(net: internet.DemoInternet) -> None:
    names = [
        "blog.kaz-demo-blog.example",
        "www.cdn-demo-fronted.example",
        "expired.demo-dead.example",
    ]
    blog, fronted, expired = asyncio.run(resolve_many(names, config=net.resolver_config))
    assert blog.ips == ("5.9.77.77", "2a01:4f8:c17:1234::1")
    assert fronted.cname_chain == ("fronted.edge-cdn-demo.test",)
    assert fronted.ips == ("104.21.32.1", "172.67.10.10")
    assert expired.status == "nxdomain"


def test_moving_site_resolves_to_its_new_host_after_move() -> None:
    with internet.start() as running:
        config = running.resolver_config
        (before,) = asyncio.run(resolve_many(["mirror.demo-moving.test"], config=config))
        running.move("mirror.demo-moving.test")
        (after,) = asyncio.run(resolve_many(["mirror.demo-moving.test"], config=config))
        with pytest.raises(KeyError):
            running.move("blog.kaz-demo-blog.example")
    assert (before.ips, after.ips) == (("5.9.77.78",), ("5.23.50.50",))


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("blog.kaz-demo-blog.example", 200),
        ("removed.demo-pastes.example", 410),
        ("deleted.demo-pastes.example", 404),
        ("blocked.demo-legal.example", 451),
        ("guarded.ddos-demo-shield.test", 403),
        ("not-a-demo.test", 421),
    ],
)
def test_http_server_answers_by_host_header(
    net: internet.DemoInternet, name: str, status: int
) -> None:
    host, port = net.address_map().get(name, net.http_address)
    response = httpx.get(f"http://{host}:{port}/demo/post-1", headers={"Host": name})
    assert response.status_code == status
    assert "COMITY DEMO CONTENT" in response.text
    assert response.headers["X-Comity-Demo"] == "1"


def test_legal_block_names_the_blocking_authority_rfc7725() -> None:
    site = next(s for s in SITES if s.http == "legal_block")
    status, headers, _ = render(site, "/")
    assert status == 451 and 'rel="blocked-by"' in headers["Link"]


def test_ok_pages_are_lorem_ipsum_only() -> None:
    _, _, body = render(SITES[0], "/demo/post-1")
    assert b"Lorem ipsum" in body and b"synthetic placeholder" in body


def test_a_taken_down_site_answers_404_removed_on_every_path_and_others_stay_up() -> None:
    with internet.start() as running:
        host, port = running.http_address

        def status(name: str, path: str) -> int:
            url = f"http://{host}:{port}{path}"
            return httpx.get(url, headers={"Host": name}).status_code

        running.take_down("blog.kaz-demo-blog.example")
        assert status("blog.kaz-demo-blog.example", "/demo/post-1") == 404
        assert status("blog.kaz-demo-blog.example", "/other") == 404
        assert status("forum.nl-demo-forum.example", "/demo/post-1") == 200
        with pytest.raises(KeyError):
            running.take_down("not-a-demo.test")


def test_address_map_points_every_demo_name_at_loopback(net: internet.DemoInternet) -> None:
    mapping = net.address_map()
    assert set(mapping) == {s.name for s in SITES}
    assert set(mapping.values()) == {("127.0.0.1", net.http_port)}


def test_report_csv_has_conduct_codes_and_the_nxdomain_case() -> None:
    rows = list(csv.DictReader(io.StringIO(reports_csv())))
    assert list(rows[0]) == ["url", "conduct", "note", "source"]
    conducts = {r["conduct"] for r in rows}
    assert all(
        c.startswith(("terrorism.", "hatred.", "separatism.", "extremism.")) for c in conducts
    )
    assert "http://expired.demo-dead.example/post/1" in {r["url"] for r in rows}
    assert len(rows) == sum(1 for s in SITES if s.conduct) + 1


def test_the_demo_serves_a_picture_and_an_altered_copy_and_removes_one_path_only() -> None:
    from comity.demo.media import ORIGINAL, REUPLOAD
    from comity.evidence.hashes import HashLimits, hash_object
    from comity.evidence.similar import hamming

    with internet.start() as running:
        host, port = running.http_address
        name = "blog.kaz-demo-blog.example"

        def get(path: str) -> httpx.Response:
            return httpx.get(f"http://{host}:{port}{path}", headers={"Host": name})

        original, copy = get(ORIGINAL), get(REUPLOAD)
        assert original.headers["content-type"] == "image/jpeg" and original.content != copy.content
        running.remove(name, ORIGINAL)
        assert get(ORIGINAL).status_code == 404 and get(REUPLOAD).status_code == 200
        assert get("/demo/post-1").status_code == 200 and name in running.serving()
    pdq = [
        next(h for h in hash_object(p, "image/jpeg", body, HashLimits()) if h.algorithm == "pdq")
        for p, body in ((ORIGINAL, original.content), (REUPLOAD, copy.content))
    ]
    assert all((h.quality or 0) >= 50 for h in pdq)
    assert 0 < hamming(pdq[0].value or "", pdq[1].value or "") <= 31  # near, not identical


@needs_ffmpeg
def test_the_demo_serves_a_video_and_a_trimmed_reencoded_copy_that_match() -> None:
    from comity.demo.media import ORIGINAL_VIDEO, REUPLOAD_VIDEO
    from comity.evidence.hashes import HashLimits, hash_object
    from comity.evidence.similar import compare_videos

    with internet.start() as running:
        host, port = running.http_address
        name = "blog.kaz-demo-blog.example"
        got = [
            httpx.get(f"http://{host}:{port}{p}", headers={"Host": name}, timeout=60)
            for p in (ORIGINAL_VIDEO, REUPLOAD_VIDEO)
        ]
    assert [r.headers["content-type"] for r in got] == ["video/mp4", "video/mp4"]
    frames = [
        [h.value or "" for h in hash_object(p, "video/mp4", r.content, HashLimits())[2:]]
        for p, r in zip((ORIGINAL_VIDEO, REUPLOAD_VIDEO), got, strict=True)
    ]
    assert (len(frames[0]), len(frames[1])) == (20, 12)
    found = compare_videos(frames[1], frames[0], 31)
    assert found is not None and found.matches and found.query_percent == 100.0
    assert found.distance <= 8
