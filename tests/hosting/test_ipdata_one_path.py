"""One attribution path: the product's `lookup()`, the vectorised batch path, the
`attribute --ip-file` command and the benchmark give the same answer for every address.

The country that decides is where the range is located (ip-location-db
geo-whois-asn-country: the operator's GeoFeed, else whois, else the ASN's country);
the RIR registration country (iptocc) is shown beside it when the two differ.
"""

from __future__ import annotations

import csv
import ipaddress
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from comity.hosting.attribution import combine
from comity.hosting.ipdata import get_tables, ip_record, lookup, lookup_v4_array

pytestmark = pytest.mark.skipif(
    not Path("/work/shared/data").is_dir(), reason="needs ../shared/data"
)
SHARED_CSV = Path("/work/shared/data/ip-location-db/geo-whois-asn-country")
# An AWS eu-central-1 (Frankfurt) address: the GeoFeed row says DE, the RIR says US.
FRANKFURT_AWS = "18.194.177.134"


def _sample_v4(n: int) -> np.ndarray:
    """Addresses spread over every kind of run in the bundled country table: one random
    address inside each of n runs picked at random, so the sample hits small GeoFeed
    sub-blocks as often as large whois blocks."""
    rng = np.random.default_rng(20261205)
    starts = get_tables().v4.cc_starts.astype(np.int64)
    ends = np.append(starts[1:], 2**32)
    pick = rng.integers(0, len(starts), n)
    span = ends[pick] - starts[pick]
    return (starts[pick] + (rng.random(n) * span).astype(np.int64)).astype(np.uint32)


def _strings(addrs: np.ndarray) -> list[str]:
    return [str(ipaddress.IPv4Address(int(a))) for a in addrs]


def test_the_product_lookup_and_the_batch_path_agree_on_every_sampled_address() -> None:
    addrs = _sample_v4(50_000)
    batch = lookup_v4_array(addrs)
    infos = lookup(_strings(addrs))
    wrong = [
        (info.ip, info.country, str(batch.country[k]) or None)
        for k, info in enumerate(infos)
        if info.country != (str(batch.country[k]) or None)
        or info.country_registered != (str(batch.country_registered[k]) or None)
        or (info.asn or 0) != int(batch.asn[k])
        or info.routable != (batch.reason[k] == 0)
    ]
    assert wrong == [], f"{len(wrong)} of {len(infos)} disagree, e.g. {wrong[:5]}"


def test_ipv6_lookups_agree_with_the_same_arrays() -> None:
    rng = np.random.default_rng(6)
    starts = get_tables().v6.cc_starts
    pick = rng.integers(1, len(starts) - 1, 2_000)
    ips = [str(ipaddress.IPv6Address(bytes(starts[i]).ljust(16, b"\0"))) for i in pick]
    one_by_one = [lookup([ip])[0] for ip in ips[:200]]
    assert one_by_one == lookup(ips)[:200]


def test_where_location_and_registration_differ_both_are_shown() -> None:
    value = int(ipaddress.IPv4Address(FRANKFURT_AWS))
    with SHARED_CSV.joinpath("geo-whois-asn-country-ipv4.csv").open(newline="") as fh:
        spans = [
            (int(ipaddress.IPv4Address(r[1])) - int(ipaddress.IPv4Address(r[0])), r)
            for r in csv.reader(fh)
            if int(ipaddress.IPv4Address(r[0])) <= value <= int(ipaddress.IPv4Address(r[1]))
        ]
    row = min(spans)[1]  # the most specific row (GeoFeed sub-blocks nest in whois blocks)
    assert row[2] == "DE"  # the upstream row, read from the CSV
    (info,) = lookup([FRANKFURT_AWS])
    assert (info.country, info.country_registered) == ("DE", "US")
    record = ip_record(info, observed_at=datetime.now(UTC))
    assert (record["country"], record["country_registered"]) == ("DE", "US")
    (hosting,) = record["jurisdictions"]
    assert hosting["country"] == "DE" and "registered in US" in hosting["source"]
    attribution = combine(
        url=f"http://{FRANKFURT_AWS}/x",
        host=FRANKFURT_AWS,
        dns=None,
        infos=[info],
        platform=None,
        providers=None,
        observed_at=datetime.now(UTC),
    )
    ip_json = attribution.to_json()["ips"][0]
    assert (ip_json["country"], ip_json["country_registered"]) == ("DE", "US")
    (j,) = attribution.jurisdictions
    assert j.country == "DE" and "registered in US" in j.evidence


def test_a_cdn_address_gets_the_same_answer_on_every_path(tmp_path: Path) -> None:
    from comity.cli.main import app

    ips = ["104.16.0.1", "151.101.1.1", FRANKFURT_AWS, "10.0.0.1", "2a01:4f8::10"]
    path = tmp_path / "ips.txt"
    path.write_text("\n".join(ips) + "\n")
    result = CliRunner().invoke(app, ["attribute", "--ip-file", str(path), "--json"])
    assert result.exit_code == 0, result.output
    printed = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    infos = lookup(ips)
    batch = lookup_v4_array(np.array([int(ipaddress.IPv4Address(ip)) for ip in ips[:4]], np.uint32))
    assert infos[0].cdn == "Cloudflare"
    for k, (info, rec) in enumerate(zip(infos, printed, strict=True)):
        assert (rec["ip"], rec["country"], rec["country_registered"], rec["cdn"]) == (
            info.ip,
            info.country,
            info.country_registered,
            info.cdn,
        )
        if k < 4:
            assert (str(batch.country[k]) or None) == info.country
            assert get_tables().cdn_names[int(batch.cdn[k])] == info.cdn
