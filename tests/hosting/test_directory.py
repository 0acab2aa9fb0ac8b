"""Platform and provider directories: coverage, strict loading, look-ups, RDAP from recordings."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from comity.core.errors import ComityError
from comity.hosting.directory import (
    DirectoryDataError,
    load_platforms,
    load_providers,
    platform_for_host,
    provider_directory,
)
from comity.hosting.directory.rdap import (
    fetch_autnum,
    online_enabled,
    parse_contact,
    provider_from_rdap,
)

FIXTURES = Path(__file__).parent / "fixtures_directory"


def test_bundled_platform_directory_has_at_least_40_cited_platforms() -> None:
    directory = load_platforms()
    assert len(directory) >= 40
    categories = {p.category for p in directory.platforms}
    assert {
        "video",
        "messaging",
        "social",
        "file_sharing",
        "paste",
        "blogging",
        "archive",
    } <= categories
    assert all(p.source.startswith("https://") for p in directory.platforms)
    # nobody can browse from here: nothing may claim more than medium confidence
    assert {p.confidence for p in directory.platforms} <= {"medium", "low"}


@pytest.mark.parametrize(
    ("host", "platform_id", "country"),
    [
        ("t.me", "telegram", "AE"),
        ("telegram.me", "telegram", "AE"),
        ("youtu.be", "youtube", "US"),
        ("www.youtube.com", "youtube", "US"),
        ("some-user.blogspot.com", "blogger", "US"),
        ("deep.sub.wordpress.com", "wordpress-com", "US"),
        ("writer.substack.com", "substack", "US"),
        ("artist.tumblr.com", "tumblr", "US"),
        ("vk.com", "vk", "RU"),
        ("dzen.ru", "dzen", "RU"),
        ("www.dailymotion.com", "dailymotion", "FR"),
    ],
)
def test_platform_is_found_through_any_subdomain(host: str, platform_id: str, country: str) -> None:
    platform = platform_for_host(host)
    assert platform is not None
    assert (platform.id, platform.country) == (platform_id, country)


@pytest.mark.parametrize(
    "host", ["example.com", "notyoutube.com", "youtube.com.evil.example", "com"]
)
def test_unrelated_hosts_are_not_platforms(host: str) -> None:
    assert platform_for_host(host) is None


def test_eu_representative_is_given_where_known() -> None:
    telegram = platform_for_host("t.me")
    assert telegram is not None and telegram.eu_representative is not None
    assert telegram.eu_representative.kind == "legal_representative"
    meta = platform_for_host("facebook.com")
    assert meta is not None and meta.eu_representative is not None
    assert (meta.eu_representative.country, meta.eu_representative.kind) == (
        "IE",
        "main_establishment",
    )


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("platforms_duplicate_key.yaml", "line 5: duplicate key 'name'"),
        ("platforms_unknown_key.yaml", "unknown key(s) contry"),
        ("platforms_bad_country.yaml", "'UK' is not an ISO 3166-1 alpha-2 code"),
        ("platforms_bad_date.yaml", "'last week' is not a date"),
        ("platforms_shared_domain.yaml", "'two.example' is listed for both one and two"),
        ("does_not_exist.yaml", "cannot read"),
        ("platforms_route_no_source.yaml", "line 3: route 1: missing key(s) source"),
        ("platforms_route_no_checked.yaml", "line 3: route 1: missing key(s) checked"),
        ("platforms_route_bad_fills.yaml", "route 1: field 2: fills 'badge'"),
        ("platforms_no_routes.yaml", "routes must be a non-empty list"),
    ],
)
def test_broken_platform_files_fail_with_file_and_reason(fixture: str, message: str) -> None:
    with pytest.raises(DirectoryDataError) as err:
        load_platforms(FIXTURES / fixture)
    assert message in err.value.message
    assert fixture in err.value.message


def test_good_fixture_loads_with_line_numbers_irrelevant() -> None:
    directory = load_platforms(FIXTURES / "platforms_ok.yaml")
    assert directory.for_host("www.one.example") is not None


def test_provider_directory_has_top_200_ranked_asns_with_sources() -> None:
    directory = provider_directory()
    ranked = [p for p in directory.providers.values() if p.rank is not None]
    assert len(ranked) >= 200
    assert sorted(p.rank for p in ranked) == list(range(1, len(ranked) + 1))
    assert all(p.sources["name"] for p in ranked)
    hetzner = directory.for_asn(24940)
    assert hetzner is not None
    assert (hetzner.legal_entity, hetzner.country, hetzner.abuse_email) == (
        "Hetzner Online GmbH",
        "DE",
        "abuse@hetzner.com",
    )
    assert "provider_overrides.yaml" in (hetzner.sources["abuse_email"] or "")
    assert directory.for_asn(None) is None and directory.for_asn(64500) is None


def test_ranking_is_reproducible_from_the_build_metadata() -> None:
    data = json.loads(
        (Path(load_providers.__code__.co_filename).parent / "data/providers.json").read_text()
    )
    assert "data-centre ranges" in data["built_from"]["ranking"]
    counts = [p["datacentre_ipv4"] for p in data["providers"]]
    assert counts == sorted(counts, reverse=True)


@pytest.mark.parametrize(
    ("cdn", "country"), [("Cloudflare", "US"), ("DDoS-Guard", "RU"), ("Google Cloud", "US")]
)
def test_cdn_operator_lookup_ignores_case_and_punctuation(cdn: str, country: str) -> None:
    operator = provider_directory().cdn_operator(cdn)
    assert operator is not None and operator.country == country


def test_registry_contact_by_tld() -> None:
    registry = provider_directory().registry_for("bad.site.com")
    assert registry is not None and registry.name == "VeriSign, Inc."
    assert provider_directory().registry_for("x.invalid-tld-zz") is None


def test_rdap_contact_parsed_from_nested_ripe_answer() -> None:
    doc = json.loads((FIXTURES / "rdap_autnum_24940.json").read_text())
    contact = parse_contact(doc, source="https://rdap.db.ripe.net/autnum/24940")
    assert (contact.name, contact.abuse_email, contact.handle) == (
        "Hetzner Online GmbH",
        "abuse@hetzner.com",
        "AS24940",
    )


def _mock_rdap() -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "rdap.org":  # the bootstrap redirect, as rdap.org does it
            asn = request.url.path.rsplit("/", 1)[-1]
            return httpx.Response(
                302, headers={"Location": f"https://rdap.db.ripe.net/autnum/{asn}"}
            )
        fixture = FIXTURES / f"rdap_autnum_{request.url.path.rsplit('/', 1)[-1]}.json"
        if not fixture.exists():
            return httpx.Response(404, json={"errorCode": 404, "title": "Not Found"})
        return httpx.Response(
            200, content=fixture.read_bytes(), headers={"Content-Type": "application/rdap+json"}
        )

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_rdap_fills_an_unknown_network_and_cites_the_rir_url() -> None:
    with _mock_rdap() as client:
        contact = fetch_autnum(64500, client=client)
    provider = provider_from_rdap(64500, None, contact)
    assert (provider.legal_entity, provider.country, provider.abuse_email) == (
        "Example Hosting AB",
        "SE",
        "abuse@hosting.example",
    )
    assert provider.sources["abuse_email"] == "RDAP https://rdap.db.ripe.net/autnum/64500"


def test_rdap_keeps_curated_values_and_fills_only_gaps() -> None:
    known = provider_directory().for_asn(14061)
    assert known is not None
    with _mock_rdap() as client:
        contact = fetch_autnum(64500, client=client)
    merged = provider_from_rdap(14061, known, contact)
    assert (merged.country, merged.abuse_email) == (known.country, known.abuse_email)


def test_rdap_not_found_is_an_error_naming_the_asn() -> None:
    with _mock_rdap() as client, pytest.raises(ComityError) as err:
        fetch_autnum(64511, client=client)
    assert "AS64511" in err.value.message and "404" in err.value.message


def test_online_is_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMITY_ONLINE", raising=False)
    assert online_enabled() is False
    monkeypatch.setenv("COMITY_ONLINE", "1")
    assert online_enabled() is True
    assert online_enabled(False) is False


def test_a_route_keeps_the_portal_fields_in_order_and_what_fills_them() -> None:
    one = load_platforms(FIXTURES / "platforms_routes_ok.yaml").for_host("one.example")
    assert one is not None
    portal = one.portal()
    assert portal is not None and portal.kind == "web_portal"
    assert portal.fields is not None
    assert [(f.label, f.fills) for f in portal.fields] == [
        ("Agency", "agency"),
        ("Official e-mail", "contact_email"),
        ("Rank of the officer", None),
        ("URLs", "urls"),
    ]
    assert portal.fields_complete and portal.languages == ("en", "de")


def test_a_contact_reserved_for_eu_authorities_is_recorded_but_never_used() -> None:
    one = load_platforms(FIXTURES / "platforms_routes_ok.yaml").for_host("one.example")
    assert one is not None
    tco = one.routes[1]
    assert (tco.audience, tco.email, tco.usable) == ("eu_authorities", "tco@one.example", False)


def test_every_bundled_platform_has_a_dated_sourced_route_or_says_it_has_none() -> None:
    directory = load_platforms()
    assert len(directory) == 52
    for platform in directory.platforms:
        assert platform.routes, platform.id
        for route in platform.routes:
            assert route.source.startswith("https://") and route.checked.year == 2026
            assert route.confidence in ("medium", "low")
            if route.kind == "none":
                assert route.note, platform.id
        assert platform.tve_policy is not None
        if platform.portal() is None:
            # no usable route: the dossier offers the EU route or the host state's
            assert "removal order" in platform.fallback() or "host state" in platform.fallback()


@pytest.mark.parametrize("host", ["youtube.com", "facebook.com", "x.com", "tiktok.com", "t.me"])
def test_the_platforms_that_matter_most_have_a_usable_route(host: str) -> None:
    platform = platform_for_host(host)
    assert platform is not None and platform.portal() is not None


def test_what_was_not_read_is_said_so_never_filled_in() -> None:
    youtube = platform_for_host("youtube.com")
    assert youtube is not None
    portal = youtube.portal()
    assert portal is not None
    assert (portal.fields, portal.languages, portal.fields_complete) == (None, None, False)
    facebook = platform_for_host("facebook.com")
    assert facebook is not None and facebook.portal() is not None
    assert facebook.portal().fields_complete is False  # type: ignore[union-attr]
    telegram = platform_for_host("t.me")
    assert telegram is not None
    edsr = next(r for r in telegram.routes if r.audience == "eu_authorities")
    assert edsr.languages == ("en", "fr")


def test_a_platform_without_route_offers_the_eu_route_of_its_representative() -> None:
    vk = platform_for_host("vk.com")
    assert vk is not None and vk.portal() is None
    assert "host state RU" in vk.fallback()
    reddit = platform_for_host("reddit.com")
    dailymotion = platform_for_host("dailymotion.com")
    assert reddit is not None and dailymotion is not None
    assert "competent authority of FR" in dailymotion.fallback()
