"""Special-purpose addresses (RFC 6890 registries) are never routable, never get a country."""

from __future__ import annotations

import pytest

from comity.core.errors import BadInput
from comity.hosting.ipdata import lookup, parse_ip

SPECIAL = [
    ("0.0.0.0", "unspecified"),
    ("0.1.2.3", "reserved"),
    ("10.20.30.40", "private"),
    ("100.64.0.1", "cgnat"),
    ("100.127.255.254", "cgnat"),
    ("127.0.0.1", "loopback"),
    ("169.254.10.1", "link_local"),
    ("172.16.0.1", "private"),
    ("172.31.255.255", "private"),
    ("192.0.0.8", "reserved"),
    ("192.0.2.55", "documentation"),
    ("192.88.99.1", "reserved"),
    ("192.168.1.1", "private"),
    ("198.18.0.1", "reserved"),
    ("198.51.100.7", "documentation"),
    ("203.0.113.9", "documentation"),
    ("224.0.0.251", "multicast"),
    ("239.255.255.250", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "broadcast"),
    ("::", "unspecified"),
    ("::1", "loopback"),
    ("::ffff:8.8.8.8", "ipv4_mapped"),
    ("64:ff9b:1::1", "private"),
    ("100::1", "reserved"),
    ("2001:2::1", "reserved"),
    ("2001:db8::1", "documentation"),
    ("3fff::1", "documentation"),
    ("fc00::1", "private"),
    ("fd12:3456::1", "private"),
    ("fe80::1", "link_local"),
    ("ff02::1", "multicast"),
    ("fec0::1", "reserved"),
    ("4000::1", "reserved"),
]


@pytest.mark.parametrize(("ip", "reason"), SPECIAL)
def test_special_purpose_address_is_not_routable_and_has_no_country(ip: str, reason: str) -> None:
    (info,) = lookup([ip])
    assert (info.routable, info.reason) == (False, reason)
    assert info.country is None and info.asn is None and info.cdn is None


@pytest.mark.parametrize(
    "ip", ["172.32.0.1", "100.128.0.1", "192.0.0.9", "11.0.0.1", "2001:4:112::1", "2a00::1"]
)
def test_neighbours_of_special_blocks_and_reachable_exceptions_are_routable(ip: str) -> None:
    (info,) = lookup([ip])
    assert info.routable is True and info.reason is None


@pytest.mark.parametrize(
    "bad", ["1.2.3", "256.1.1.1", "01.2.3.4", "10.0.0.0/8", "fe80::1%eth0", "example.com", "", " "]
)
def test_invalid_address_is_bad_input_naming_the_value(bad: str) -> None:
    with pytest.raises(BadInput) as err:
        lookup(["8.8.8.8", bad])
    assert f"invalid IP address {bad!r}" in err.value.message
    assert err.value.exit_code == 2


def test_single_string_is_refused_not_iterated_character_by_character() -> None:
    with pytest.raises(BadInput):
        lookup("8.8.8.8")  # type: ignore[arg-type]


def test_parse_ip_normalises_ipv6() -> None:
    assert str(parse_ip(" 2001:0db8:0000::1 ")) == "2001:db8::1"
