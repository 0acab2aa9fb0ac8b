"""Property tests: canonicalisation is idempotent and stable."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from comity.core.errors import BadInput
from comity.urls import canonicalize, service

_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_label = st.tuples(
    st.text(_ALNUM, min_size=1, max_size=4),
    st.sampled_from(["", "-", "--", "---"]),
    st.text(_ALNUM, min_size=1, max_size=4),
).map(lambda t: t[0] + (t[1] + t[2] if t[1] else ""))
# Characters that exercise every branch of the percent-encoding rules.
_ALPHABET = _ALNUM[:6] + "-._~!$&'()*+,;=:@[]/?#% \"<>^`{|}\x00\x1f\x7f\u00e9\u043f\u98df\U0001f600"
_unicode_label = st.sampled_from(
    ["b\u00fccher", "\u043f\u0440\u0438\u043c\u0435\u0440", "\u98df\u72ee", "STRASSE", "xn--p1ai"]
)
_host = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(st.one_of(_label, _unicode_label), min_size=1, max_size=3),
    st.sampled_from(["com", "kz", "co.uk", "blogspot.com", "example", "\u0440\u0444", "COM."]),
)
_ip = st.sampled_from(["8.8.8.8", "0x8.0x8.0x8.0x8", "134744072", "[2001:4860::8888]"])
# Path/query text: any printable characters, escapes (valid or not), dots.
_chunk = st.one_of(
    st.text(_ALPHABET, max_size=6),
    st.sampled_from([".", "..", "%2e", "%", "%%35", "%7e", "%2F", "%zz", "/", "?", "&", "=", "#"]),
    st.tuples(
        st.sampled_from("0123456789abcdefABCDEF"), st.sampled_from("0123456789abcdefABCDEF")
    ).map(lambda t: "%" + "".join(t)),
)
_text = st.lists(_chunk, max_size=8).map("".join)
_query = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["utm_source", "fbclid", "q", "a", "UTM_Medium"]), _text).map(
            "=".join
        ),
        _text,
    ),
    max_size=4,
).map("&".join)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "hTTps"]))
    host = draw(st.one_of(_host, _ip))
    port = draw(st.sampled_from(["", ":80", ":443", ":8080", ":"]))
    path = draw(_text)
    query = draw(_query)
    fragment = draw(_text)
    return f"{scheme}://{host}{port}/{path}?{query}#{fragment}"


@settings(max_examples=250, deadline=None)
@given(urls())
@example("http://example.com/%%355")
@example("http://example.com/a/%2e%2e%2f/b")
@example("http://example.com/?a=%27&'")
def test_canonicalize_is_idempotent(url: str) -> None:
    try:
        first = canonicalize(url)
    except BadInput:
        return
    second = canonicalize(first.url)
    assert second.url == first.url
    assert second == first


@settings(max_examples=100, deadline=None)
@given(urls())
def test_canonical_url_is_printable_ascii_with_no_fragment(url: str) -> None:
    try:
        result = canonicalize(url).url
    except BadInput:
        return
    assert result.isascii()
    assert all(0x21 <= ord(c) < 0x7F for c in result)
    assert "#" not in result


# URLs shaped like the common case that `canonicalize` takes a short route for
# (comity.urls.service._SIMPLE), with the details that still need work there:
# case, ports, dot-segments, tracking parameters, empty pieces, fragments.
_simple_text = st.lists(
    st.one_of(
        st.text(_ALNUM[:6] + "-._~!$&'()*+,;=:@[]", max_size=5),
        st.sampled_from([".", "..", "/", "//", "/./", "/../", "'", "?", "&&"]),
    ),
    max_size=6,
).map("".join)
_simple_query = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["utm_source", "fbclid", "Gclid", "q", "", "utm_"]), _text).map(
            "=".join
        ),
        _simple_text,
    ),
    max_size=4,
).map("&".join)


@st.composite
def simple_urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "Https", "httpS"]))
    host = draw(st.one_of(_host, st.sampled_from(["8.8.8.8", "134744072", "a..b", "-a.com"])))
    port = draw(st.sampled_from(["", ":80", ":443", ":8080", ":", ":0", ":99999", ":0443"]))
    path = draw(st.sampled_from(["", "/"])) + draw(_simple_text)
    query = draw(st.sampled_from(["", "?"])) + draw(_simple_query)
    fragment = draw(st.sampled_from(["", "#", "#top", "#a b\t"]))
    return f"{scheme}://{host}{port}{path}{query}{fragment}"


def _both_routes(url: str) -> tuple[object, object]:
    def outcome() -> object:
        try:
            return canonicalize(url)
        except BadInput as exc:
            return exc.message

    short = outcome()
    saved = service._SIMPLE
    service._SIMPLE = re.compile(r"(?!)")  # never matches: every URL takes the full parse
    try:
        full = outcome()
    finally:
        service._SIMPLE = saved
    return short, full


@settings(max_examples=400, deadline=None)
@given(st.one_of(simple_urls(), urls()))
@example("HTTP://Blog.Example:80/post/../post/1?utm_source=tw&id=7#comments")
@example("https://a.example/./?&&")
@example("https://a.example/x?=utm_source&fbclid=1")
def test_the_short_route_gives_what_the_full_parse_gives(url: str) -> None:
    short, full = _both_routes(url)
    assert short == full
