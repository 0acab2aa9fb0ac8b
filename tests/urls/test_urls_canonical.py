"""One test per canonicalisation rule of comity.urls.canonicalize."""

from __future__ import annotations

from pathlib import Path

import pytest

import comity.urls
from comity.core.errors import BadInput
from comity.urls import canonicalize


def canon(url: str) -> str:
    return canonicalize(url).url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("javascript:alert(1)", "scheme 'javascript' is not accepted"),
        ("data:text/html,<b>x</b>", "scheme 'data' is not accepted"),
        ("ftp://files.example.com/a", "scheme 'ftp' is not accepted"),
        ("file:///etc/passwd", "scheme 'file' is not accepted"),
        ("www.example.com/page", "must start with http:// or https://"),
        ("//example.com/page", "must start with http:// or https://"),
    ],
)
def test_only_absolute_http_and_https_urls_are_accepted(url: str, reason: str) -> None:
    with pytest.raises(BadInput, match=reason) as info:
        canonicalize(url)
    assert info.value.exit_code == 2
    assert info.value.field == "url"


def test_scheme_and_host_are_lower_cased_but_path_case_is_kept() -> None:
    assert (
        canon("HTTPS://WWW.Example.COM/Path/File.HTML") == "https://www.example.com/Path/File.HTML"
    )


@pytest.mark.parametrize(
    ("url", "expected", "port"),
    [
        ("http://example.com:80/", "http://example.com/", None),
        ("https://example.com:443/", "https://example.com/", None),
        ("https://example.com:0443/", "https://example.com/", None),
        ("http://example.com:443/", "http://example.com:443/", 443),
        ("https://example.com:8443/x", "https://example.com:8443/x", 8443),
        ("http://example.com:/x", "http://example.com/x", None),
    ],
)
def test_default_ports_are_removed_and_others_kept(
    url: str, expected: str, port: int | None
) -> None:
    assert canon(url) == expected
    assert canonicalize(url).port == port


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://example.com:65536/", "out of range"),
        ("http://example.com:0/", "out of range"),
        ("http://example.com:8o/", "not a number"),
        ("http://example.com:-1/", "not a number"),
    ],
)
def test_bad_ports_are_rejected(url: str, reason: str) -> None:
    with pytest.raises(BadInput, match=reason):
        canonicalize(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://example.com/a/./b/../c", "http://example.com/a/c"),
        ("http://example.com/a/b/..", "http://example.com/a/"),
        ("http://example.com/a/b/.", "http://example.com/a/b/"),
        ("http://example.com/../../x", "http://example.com/x"),
        ("http://example.com/a/%2e%2E/b", "http://example.com/b"),
        ("http://example.com/a/.%2e", "http://example.com/"),
        ("http://example.com\\a\\..\\b", "http://example.com/b"),
        ("http://example.com/a/...", "http://example.com/a/..."),
    ],
)
def test_dot_segments_are_removed(url: str, expected: str) -> None:
    assert canon(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://example.com/%7euser/%41%2d%5F", "http://example.com/~user/A-_"),
        ("http://example.com/a%2fb%3f", "http://example.com/a%2Fb%3F"),
        ("http://example.com/a/b", "http://example.com/a/b"),
        ("http://example.com/caf\u00e9", "http://example.com/caf%C3%A9"),
        ('http://example.com/a b"<>', "http://example.com/a%20b%22%3C%3E"),
        ("http://example.com/^|{}`", "http://example.com/%5E%7C%7B%7D%60"),
        ("http://example.com/100%", "http://example.com/100%25"),
        ("http://example.com/%%355", "http://example.com/%2555"),
        ("http://example.com/a;b=c,d@e:f", "http://example.com/a;b=c,d@e:f"),
        ("http://example.com/?q=a%2bb+c&x=%26", "http://example.com/?q=a%2Bb+c&x=%26"),
        ("http://example.com/?q='x'", "http://example.com/?q=%27x%27"),
        (
            "http://example.com/?q=\u0441\u043b\u043e\u0432\u043e",
            "http://example.com/?q=%D1%81%D0%BB%D0%BE%D0%B2%D0%BE",
        ),
        ("http://example.com/?a=/b?c", "http://example.com/?a=/b?c"),
    ],
)
def test_percent_encoding_is_normalised(url: str, expected: str) -> None:
    assert canon(url) == expected


def test_fragment_is_dropped() -> None:
    assert canon("http://example.com/page?x=1#section-2") == "http://example.com/page?x=1"
    assert canon("http://example.com/#/route?y=2") == "http://example.com/"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "http://example.com/a?utm_source=tw&id=7&utm_MEDIUM=x&fbclid=abc",
            "http://example.com/a?id=7",
        ),
        ("http://example.com/?gclid=1&dclid=2&msclkid=3&yclid=4", "http://example.com/"),
        ("http://example.com/?mc_cid=1&mc_eid=2&_ga=3&igshid=4&b=2", "http://example.com/?b=2"),
        ("http://example.com/?utm%5Fsource=x&k=v", "http://example.com/?k=v"),
        ("http://example.com/?utmost=1", "http://example.com/?utmost=1"),
    ],
)
def test_tracking_parameters_are_removed(url: str, expected: str) -> None:
    assert canon(url) == expected


def test_remaining_query_parameter_order_is_preserved() -> None:
    url = "http://example.com/s?z=1&a=2&z=3&utm_campaign=q&m="
    assert canon(url) == "http://example.com/s?z=1&a=2&z=3&m="
    assert canonicalize(url).query == "z=1&a=2&z=3&m="


def test_empty_path_becomes_slash_and_empty_query_disappears() -> None:
    assert canon("http://example.com") == "http://example.com/"
    assert canon("http://example.com?") == "http://example.com/"
    assert canon("http://example.com/?utm_source=x") == "http://example.com/"


@pytest.mark.parametrize(
    "url",
    [
        "http://user:pass@example.com/",
        "http://user@example.com/",
        "http://@example.com/",
        "http://example.com@evil.example/",
    ],
)
def test_user_info_is_rejected(url: str) -> None:
    with pytest.raises(BadInput, match="user name or password"):
        canonicalize(url)


def test_whatwg_input_clean_up_is_applied() -> None:
    # Leading/trailing spaces and controls are stripped; tabs and newlines removed.
    assert canon("  \thttp://exa\nmple.com/a\tb \x00") == "http://example.com/ab"
    # Any run of slashes or backslashes after a special scheme starts the authority.
    assert canon("http:\\\\example.com\\x") == "http://example.com/x"
    assert canon("https:example.com") == "https://example.com/"


def test_overlong_url_is_rejected() -> None:
    with pytest.raises(BadInput, match="longer than"):
        canonicalize("http://example.com/" + "a" * 40_000)


def test_non_text_input_is_bad_input() -> None:
    with pytest.raises(BadInput, match="expected text"):
        canonicalize(b"http://example.com/")  # type: ignore[arg-type]


def test_result_fields_describe_the_url() -> None:
    c = canonicalize("HTTPS://News.BBC.co.uk:8443/a/../b?x=1&utm_source=y#f")
    assert c.as_dict() == {
        "url": "https://news.bbc.co.uk:8443/b?x=1",
        "scheme": "https",
        "host": "news.bbc.co.uk",
        "host_unicode": "news.bbc.co.uk",
        "port": 8443,
        "path": "/b",
        "query": "x=1",
        "registrable_domain": "bbc.co.uk",
        "public_suffix": "co.uk",
        "is_ip": False,
        "flags": [],
    }


def test_every_parameter_in_the_tracking_data_file_is_removed() -> None:
    data = Path(comity.urls.__file__).parent / "data" / "tracking_params.txt"
    names = [
        line.split("#", 1)[0].strip().replace("*", "_anything")
        for line in data.read_text("utf-8").splitlines()
    ]
    names = [n for n in names if n]
    assert len(names) >= 10
    for name in names:
        assert canon(f"http://example.com/?keep=1&{name}=x&{name.upper()}") == (
            "http://example.com/?keep=1"
        ), name
