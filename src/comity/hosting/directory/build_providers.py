"""Build `data/providers.json` (top hosting ASNs) and `data/registries.json` from public data.

Run offline from the repository root (the shared data folder is not shipped):

    python -m comity.hosting.directory.build_providers --data ../shared/data

Ranking (why these 200): no full "hosted domains per ASN" dataset is available
under a licence we can use (IPinfo's hosted-domains file is a 100-row sample),
so the proxy is *IPv4 addresses of data-centre / hosting ranges* per ASN:
the ipcat data-centre ranges (MIT) unioned with the cloud ranges of
lord-alfred/ipranges (CC0), intersected with the ip-location-db ASN table
(CC BY 4.0).  Websites live in data centres, so the ASNs announcing the most
data-centre space are the ones that host most websites; the proxy
over-weights clouds with large address pools, which is acceptable for a
contact directory (it errs on including more providers, not fewer).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import ipaddress
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["build", "main"]

# Abuse-c of ranges still held by a registry (e.g. APNIC's research blocks) point at the
# registry, which cannot act on content.
_REGISTRY_DOMAINS = {
    "apnic.net",
    "ripe.net",
    "arin.net",
    "lacnic.net",
    "afrinic.net",
    "cnnic.cn",
    "nic.ad.jp",
    "jpnic.ad.jp",
    "twnic.net.tw",
    "kisa.or.kr",
}
_CLOUD_DIRS = ("amazon", "digitalocean", "google", "linode", "microsoft", "oracle", "vultr")


def _v4(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def _datacentre_intervals(data: Path) -> np.ndarray:
    spans: list[tuple[int, int]] = []
    with (data / "cdn-ranges/client9-ipcat/datacenters.csv").open(encoding="utf-8") as fh:
        for row in csv.reader(fh):
            spans.append((_v4(row[0]), _v4(row[1])))
    for name in _CLOUD_DIRS:
        path = data / "cdn-ranges/lord-alfred-ipranges" / name / "ipv4_merged.txt"
        if path.exists():
            for line in path.read_text(encoding="utf-8").split():
                net = ipaddress.IPv4Network(line, strict=False)
                spans.append((int(net.network_address), int(net.broadcast_address)))
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return np.array(merged, dtype=np.int64)


def _covered(intervals: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Addresses of each [start, end] that fall inside the merged intervals (prefix sums)."""
    lo, hi = intervals[:, 0], intervals[:, 1] + 1
    cum = np.concatenate([[0], np.cumsum(hi - lo)])

    def below(x: np.ndarray) -> np.ndarray:  # covered addresses < x
        i = np.searchsorted(lo, x, side="right")
        full = cum[np.maximum(i - 1, 0)]
        partial = np.where(
            i > 0, np.minimum(x, hi[np.maximum(i - 1, 0)]) - lo[np.maximum(i - 1, 0)], 0
        )
        return np.where(i > 0, full + np.maximum(partial, 0), 0)

    covered: np.ndarray = below(ends + 1) - below(starts)
    return covered


def _asn_rows(data: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[int, Counter[str]]]:
    starts, ends, asns = [], [], []
    orgs: dict[int, Counter[str]] = defaultdict(Counter)
    with gzip.open(data / "ip-location-db/asn/asn-ipv4.csv.gz", "rt", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            start, end, asn = _v4(row[0]), _v4(row[1]), int(row[2])
            starts.append(start)
            ends.append(end)
            asns.append(asn)
            orgs[asn][row[3]] += end - start + 1
    return np.array(starts), np.array(ends), np.array(asns), orgs


def _asn_countries(data: Path) -> dict[int, str]:
    """Registration country from the potaroo-format AS names list ("AS1 NAME, CC")."""
    out: dict[int, str] = {}
    path = data / "asn-names/dname3d-asnames.txt"
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        head, _, rest = line.partition(" ")
        if head.startswith("AS") and head[2:].isdigit() and rest.rstrip()[-4:-2] == ", ":
            country = rest.rstrip()[-2:]
            if country not in ("EU", "AP", "ZZ"):  # regional pseudo-codes are not countries
                out[int(head[2:])] = country
    return out


def _abuse_by_asn(
    data: Path, starts: np.ndarray, ends: np.ndarray, asns: np.ndarray
) -> dict[int, dict[str, str]]:
    """IPinfo abuse-contact sample (CC BY 4.0): range -> abuse-c; joined to an ASN by address."""
    order = np.argsort(starts)
    s_sorted, e_sorted, a_sorted = starts[order], ends[order], asns[order]
    out: dict[int, dict[str, str]] = {}
    path = data / "abuse-contacts/ipinfo-sample-database/Abuse_Contact_abuse_contact_sample.csv"
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if ":" in row["start_ip"] or not row["email"]:
                continue
            if row["email"].rpartition("@")[2].lower() in _REGISTRY_DOMAINS:
                continue  # an RIR/NIR helpdesk is not the network's own abuse desk
            address = _v4(row["start_ip"])
            i = int(np.searchsorted(s_sorted, address, side="right")) - 1
            if i >= 0 and address <= e_sorted[i]:  # inside an announced range, not after it
                out.setdefault(int(a_sorted[i]), {"email": row["email"], "range": row["start_ip"]})
    return out


def build(data: Path, *, top: int = 200) -> dict[str, Any]:
    intervals = _datacentre_intervals(data)
    starts, ends, asns, orgs = _asn_rows(data)
    covered = _covered(intervals, starts, ends)
    per_asn: Counter[int] = Counter()
    for asn, count in zip(asns.tolist(), covered.tolist(), strict=True):
        if count:
            per_asn[asn] += count
    countries = _asn_countries(data)
    abuse = _abuse_by_asn(data, starts, ends, asns)
    providers = []
    for rank, (asn, count) in enumerate(per_asn.most_common(top), start=1):
        name = orgs[asn].most_common(1)[0][0]
        entry: dict[str, Any] = {
            "asn": asn,
            "rank": rank,
            "datacentre_ipv4": count,
            "name": name,
            "legal_entity": name,
            "country": countries.get(asn),
            "abuse_email": None,
            "sources": {
                "name": "ip-location-db asn (RouteViews/DB-IP, CC BY 4.0) as_organization",
                "legal_entity": "ip-location-db asn as_organization (registrant name as announced)",
                "country": "dname3d asnames 2021 (RIR whois via potaroo, MIT)"
                if asn in countries
                else None,
                "abuse_email": None,
            },
        }
        if asn in abuse:
            entry["abuse_email"] = abuse[asn]["email"]
            entry["sources"]["abuse_email"] = (
                f"IPinfo abuse-contact sample (CC BY 4.0), range {abuse[asn]['range']}"
            )
        providers.append(entry)
    return {
        "schema": "comity.providers/1",
        "built_from": {
            "ranking": "IPv4 addresses in data-centre ranges (ipcat datacenters.csv 2019, MIT; "
            "lord-alfred/ipranges cloud lists 2026-08-22, CC0) per ASN of ip-location-db asn "
            "2026-06-17 (CC BY 4.0)",
            "abuse": "IPinfo sample-database 2026-08-04 abuse contact sample (CC BY 4.0)",
        },
        "providers": providers,
    }


def build_registries(data: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    path = data / "abuse-contacts/digging-dns-abuse-contacts/registries.csv"
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["found"].upper() != "TRUE":
                continue
            out[row["tld"].lstrip(".").lower()] = {
                "name": row["name"] or None,
                "email": row["email"] or None,
                "form": row["form"] or None,
                "link": row["link"] or None,
                "as_of": row["as_of"] or None,
            }
    return {
        "schema": "comity.registries/1",
        "source": "https://github.com/ItIsJustChad/digging-dns-abuse-contacts "
        "(commit 171b00a, 2025-07-23, MIT)",
        "registries": out,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--top", type=int, default=200)
    args = parser.parse_args()
    here = Path(__file__).parent / "data"
    (here / "providers.json").write_text(
        json.dumps(build(args.data, top=args.top), indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    (here / "registries.json").write_text(
        json.dumps(build_registries(args.data), indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
