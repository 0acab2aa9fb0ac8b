"""Hosts: DNS names, IDN, IP literals, non-public addresses, the allowlist, homographs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import idna
import pytest

from comity.core.errors import BadInput
from comity.urls import canonicalize

LDH = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", re.I)
TOASCII = Path("/work/shared/data/url-tests/whatwg-wpt-via-ada/toascii.json")


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://0x7f.1/", "127.0.0.1"),
        ("http://2130706433/", "127.0.0.1"),
        ("http://0177.0.0.1/", "127.0.0.1"),
        ("http://127.1/", "127.0.0.1"),
        ("http://0x8.0x8.010.8/", "8.8.8.8"),
        ("http://134744072/", "8.8.8.8"),
        ("http://8.8.8.8./", "8.8.8.8"),
    ],
)
def test_ipv4_in_whatwg_forms_becomes_dotted_quad(url: str, host: str) -> None:
    c = canonicalize(url, allow=["127.0.0.0/8"])
    assert c.host == host
    assert c.url == f"http://{host}/"
    assert c.is_ip and "ip_literal" in c.flags
    assert c.registrable_domain is None and c.public_suffix is None


@pytest.mark.parametrize(
    "url",
    [
        "http://1.2.3.256/",
        "http://1.2.3.4.5/",
        "http://0x1g.1/",
        "http://4294967296/",
        "http://1.2.3.09/",
    ],
)
def test_hosts_ending_in_a_number_must_be_valid_ipv4(url: str) -> None:
    with pytest.raises(BadInput, match="IPv4"):
        canonicalize(url)


def test_ipv6_is_compressed_lower_case_in_brackets() -> None:
    c = canonicalize("http://[2001:4860:4860:0000:0000:0000:0000:8888]:8080/x")
    assert c.url == "http://[2001:4860:4860::8888]:8080/x"
    assert c.host == "2001:4860:4860::8888"
    assert c.flags == ("ip_literal", "ipv6")
    assert canonicalize("http://[2606:4700::6810:84E5]/").host == "2606:4700::6810:84e5"


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1/",
        "http://[1::2::3]/",
        "http://[fe80::1%25eth0]/",
        "http://[2001:db8::1]x/",
        "http://[::g]/",
    ],
)
def test_malformed_ipv6_is_rejected(url: str) -> None:
    with pytest.raises(BadInput, match="IPv6"):
        canonicalize(url)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://10.1.2.3/", "private"),
        ("http://172.16.0.1/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://100.64.0.1/", "carrier-grade NAT"),
        ("http://192.0.2.10/", "documentation"),
        ("http://203.0.113.5/", "documentation"),
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://0.0.0.0/", "this network"),
        ("http://[::1]/", "loopback"),
        ("http://[fd00::1]/", "unique local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[ff02::1]/", "multicast"),
        ("http://[2001:db8::1]/", "documentation"),
        ("http://[::ffff:127.0.0.1]/", "loopback .*embedded in IPv6"),
        ("http://[2002:c0a8:101::]/", "private .*embedded in IPv6"),
        ("http://localhost/", "special-use"),
        ("http://admin.localhost/", "special-use"),
        ("http://printer.local/", "special-use"),
        ("http://x.invalid/", "special-use"),
        ("http://intranet/", "single-label"),
    ],
)
def test_ssrf_non_public_hosts_are_refused_with_the_reason(url: str, why: str) -> None:
    with pytest.raises(BadInput, match=why) as info:
        canonicalize(url)
    assert "COMITY_FETCH_ALLOW" in info.value.message


@pytest.mark.parametrize(
    ("url", "allow"),
    [
        ("http://127.0.0.1:8080/x", ["127.0.0.1"]),
        ("http://10.9.8.7/", ["10.0.0.0/8"]),
        ("http://[::1]:8000/", ["::1"]),
        ("http://[::ffff:127.0.0.1]/", ["127.0.0.1"]),
        ("http://localhost:8000/", ["localhost"]),
        ("http://intranet/", ["intranet"]),
        ("http://127.0.0.1/", "::1, 127.0.0.1"),
    ],
)
def test_allowlist_admits_non_public_hosts_and_flags_them(url: str, allow: list[str]) -> None:
    c = canonicalize(url, allow=allow)
    assert "allowlisted" in c.flags


def test_allowlist_does_not_widen_beyond_its_entries() -> None:
    with pytest.raises(BadInput, match="private"):
        canonicalize("http://10.0.0.1/", allow=["127.0.0.1", "192.168.0.0/16", "localhost"])
    # A public host needs no allowlist and is not flagged.
    assert "allowlisted" not in canonicalize("http://8.8.8.8/", allow=["8.8.8.8"]).flags


def test_malformed_allowlist_entry_is_bad_input_naming_it() -> None:
    with pytest.raises(BadInput, match=r"allow: '\*\.corp' is not an IP address") as info:
        canonicalize("http://10.0.0.1/", allow=["*.corp"])
    assert info.value.field == "allow"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://*.example.com/", "wildcards"),
        ("http://exa_mple.com/", "not a DNS name"),
        ("http://-example.com/", "not a DNS name"),
        ("http://example-.com/", "not a DNS name"),
        ("http://a..example.com/", "empty label"),
        ("http://.example.com/", "empty label"),
        ("http://" + "a" * 64 + ".com/", "not a DNS name"),
        ("http://" + ".".join(["a" * 60] * 5) + ".com/", "longer than 253"),
        ("http://exa mple.com/", "not a DNS name"),
        ("http://xn--a.com/", "IDNA"),
        ("http://%ff.com/", "not UTF-8"),
        ("http://:80/", "missing host"),
    ],
)
def test_invalid_host_names_are_rejected(url: str, reason: str) -> None:
    with pytest.raises(BadInput, match=reason):
        canonicalize(url)


def test_ldh_labels_with_inner_double_hyphens_are_accepted() -> None:
    # Real CDN names (googlevideo.com) have `---` at positions 3-5.
    assert (
        canonicalize("https://r4---sn-4g5e.googlevideo.com/v").host
        == "r4---sn-4g5e.googlevideo.com"
    )


def test_trailing_dot_is_dropped() -> None:
    assert canonicalize("http://example.com./").url == "http://example.com/"


def test_idn_symbols_disallowed_by_idna2008_are_rejected() -> None:
    with pytest.raises(BadInput, match="IDNA"):
        canonicalize("http://%E2%82%AC.com/")  # the euro sign


@pytest.mark.parametrize(
    ("url", "host", "unicode"),
    [
        ("http://B\u00fccher.DE/", "xn--bcher-kva.de", "b\u00fccher.de"),
        (
            "http://\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444/",
            "xn--e1afmkfd.xn--p1ai",
            "\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444",
        ),
        (
            "http://xn--e1afmkfd.xn--p1ai/",
            "xn--e1afmkfd.xn--p1ai",
            "\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444",
        ),
        (
            "http://\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25\u3002com/",
            "example.com",
            "example.com",
        ),
        ("http://fa\u00df.de/", "xn--fa-hia.de", "fa\u00df.de"),
        ("http://b%C3%BCcher.de/", "xn--bcher-kva.de", "b\u00fccher.de"),
    ],
)
def test_idn_hosts_become_punycode_with_uts46_mapping(url: str, host: str, unicode: str) -> None:
    c = canonicalize(url)
    assert c.host == host
    assert c.host_unicode == unicode
    assert ("idn" in c.flags) == ("xn--" in host)


def _idna2008_valid(label: str) -> bool:
    try:
        idna.ulabel(label)
    except idna.IDNAError:
        return False
    return True


def test_whatwg_toascii_vectors_agree_where_the_host_is_a_public_dns_name() -> None:
    """toascii.json cases whose expected output is an LDH name with a dot.

    WHATWG (UTS #46) keeps A-labels that are not valid IDNA 2008 (`xn--a`)
    and names longer than 253 octets; we refuse those, deliberately.
    """
    checked = refused = 0
    for case in json.loads(TOASCII.read_text("utf-8")):
        if not isinstance(case, dict) or case.get("output") is None:
            continue
        out = case["output"].removesuffix(".")
        labels = out.split(".")
        if len(labels) < 2 or labels[-1].isdigit():
            continue
        if not all(LDH.fullmatch(label) for label in labels):
            continue
        url = f"http://{case['input']}/"
        if len(out) > 253:  # WHATWG does not check DNS lengths; we do (RFC 1035)
            with pytest.raises(BadInput, match="253"):
                canonicalize(url)
            continue
        if not all(_idna2008_valid(x) for x in labels if x.lower().startswith("xn--")):
            with pytest.raises(BadInput, match="IDNA"):
                canonicalize(url)
            refused += 1
            continue
        assert canonicalize(url).host == out.lower(), case
        checked += 1
    assert checked >= 20
    assert refused < checked


@pytest.mark.parametrize(
    ("url", "flag"),
    [
        ("http://p\u0430ypal.com/", "mixed_script"),  # Cyrillic а inside Latin
        ("http://\u0430\u0440\u0440\u04cf\u0435.com/", "whole_script_confusable"),  # "аррӏе"
        ("http://g\u03bfogle.com/", "mixed_script"),  # Greek omicron
    ],
)
def test_homographs_are_flagged(url: str, flag: str) -> None:
    assert flag in canonicalize(url).flags


@pytest.mark.parametrize(
    "url",
    [
        "http://\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444/",  # пример.рф
        "http://\u0430\u0440\u0440\u04cf\u0435.kz/",  # all-Cyrillic label under .kz
        "http://\u0436\u0430\u04a3\u0430\u043b\u044b\u049b\u0442\u0430\u0440.kz/",  # жаңалықтар.kz
        "http://\u65e5\u672c\u8a9e\u306e\u30b5\u30a4\u30c8.jp/",  # Han + Hiragana + Katakana
        "http://bbc.co.uk/",
        "http://\u0431\u0430\u043d\u043a-24.\u049b\u0430\u0437/",  # банк-24.қаз
    ],
)
def test_legitimate_single_script_names_are_not_flagged(url: str) -> None:
    flags = canonicalize(url).flags
    assert "mixed_script" not in flags
    assert "whole_script_confusable" not in flags


def test_demo_tlds_are_accepted_and_flagged_reserved() -> None:
    for url in ("http://news.example/", "https://a.b.test/x"):
        c = canonicalize(url)
        assert "reserved_tld" in c.flags
    assert canonicalize("http://news.example/").registrable_domain == "news.example"


def test_private_psl_section_makes_blog_subdomains_their_own_site() -> None:
    alice = canonicalize("https://alice.blogspot.com/2024/post.html")
    bob = canonicalize("https://bob.blogspot.com/")
    assert alice.registrable_domain == "alice.blogspot.com"
    assert bob.registrable_domain == "bob.blogspot.com"
    assert alice.public_suffix == "blogspot.com"
    assert "private_suffix" in alice.flags
    assert "private_suffix" not in canonicalize("https://www.gov.kz/").flags
