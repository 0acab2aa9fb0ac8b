"""Demo sites, their zone records, demo platforms and the demo report list (CSV)."""

from __future__ import annotations

import csv
import io
import ipaddress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from comity.demo.dnsserver import ZoneRecord
from comity.hosting.directory._strictyaml import DirectoryDataError, check_keys, load_entries
from comity.hosting.directory.platforms import PlatformDirectory, load_platforms

__all__ = [
    "DEMO_TLDS",
    "DemoSite",
    "demo_platforms",
    "demo_reports",
    "is_demo_host",
    "load_sites",
    "reports_csv",
    "zone_records",
]

DATA = Path(__file__).parent / "data"
# RFC 2606 / RFC 6761 reserved names: they can never be real sites.
DEMO_TLDS = ("example", "test")
HTTP_BEHAVIOURS = ("ok", "gone", "not_found", "legal_block", "challenge")
_SITE_KEYS = ("name", "what", "http")
_SITE_OPTIONAL = ("a", "aaaa", "cname", "moves_to", "conduct", "expect", "expect_after_move")
_TTL = 300


@dataclass(frozen=True)
class DemoSite:
    name: str
    what: str
    http: str
    a: tuple[str, ...] = ()
    aaaa: tuple[str, ...] = ()
    cname: str | None = None
    moves_to: tuple[str, ...] = ()
    conduct: str | None = None
    expect: dict[str, Any] | None = None
    expect_after_move: dict[str, Any] | None = None

    @property
    def url(self) -> str:
        # Plain HTTP: the loopback demo server has no certificate a fetcher
        # could (or should) trust.
        return f"http://{self.name}/demo/post-1"


def is_demo_host(host: str) -> bool:
    return host.rstrip(".").lower().rsplit(".", 1)[-1] in DEMO_TLDS


def _addresses(where: str, values: Any, version: int) -> tuple[str, ...]:
    out = []
    for value in values or ():
        try:
            address = ipaddress.ip_address(str(value))
        except ValueError:
            raise DirectoryDataError(f"{where}: {value!r} is not an IP address") from None
        if address.version != version or not address.is_global:
            raise DirectoryDataError(f"{where}: {value} must be a public IPv{version} address")
        out.append(address.compressed)
    return tuple(out)


@cache
def load_sites(path: Path = DATA / "sites.yaml") -> tuple[DemoSite, ...]:
    _, entries = load_entries(path, "sites")
    sites = []
    for line, raw in entries:
        where = f"{path}: line {line}"
        entry = check_keys(where, raw, required=_SITE_KEYS, optional=_SITE_OPTIONAL)
        if not is_demo_host(entry["name"]):
            raise DirectoryDataError(f"{where}: {entry['name']} is not under .example or .test")
        if entry["http"] not in HTTP_BEHAVIOURS:
            raise DirectoryDataError(f"{where}: http must be one of {', '.join(HTTP_BEHAVIOURS)}")
        sites.append(
            DemoSite(
                name=entry["name"].lower(),
                what=entry["what"],
                http=entry["http"],
                a=_addresses(where, entry.get("a"), 4),
                aaaa=_addresses(where, entry.get("aaaa"), 6),
                cname=entry.get("cname"),
                moves_to=_addresses(where, entry.get("moves_to"), 4),
                conduct=entry.get("conduct"),
                expect=entry.get("expect"),
                expect_after_move=entry.get("expect_after_move"),
            )
        )
    return tuple(sites)


def zone_records(
    sites: tuple[DemoSite, ...], *, moved: frozenset[str] = frozenset()
) -> list[ZoneRecord]:
    """DNS records of the demo zone; names in `moved` point at their `moves_to` addresses."""
    records: list[ZoneRecord] = []
    apexes: set[str] = set()
    for site in sites:
        if site.cname:
            records.append(ZoneRecord(site.name, "CNAME", site.cname, _TTL))
        v4 = site.moves_to if site.name in moved and site.moves_to else site.a
        records.extend(ZoneRecord(site.name, "A", ip, _TTL) for ip in v4)
        records.extend(ZoneRecord(site.name, "AAAA", ip, _TTL) for ip in site.aaaa)
        apexes.add(".".join(site.name.split(".")[-2:]))
    for apex in sorted(apexes):
        records.append(ZoneRecord(apex, "NS", f"ns1.{apex}", 3600))
    return records


@cache
def demo_platforms() -> PlatformDirectory:
    """Fictional platforms of the demo zone (never match a real name)."""
    return load_platforms(DATA / "platforms.yaml")


def demo_reports() -> list[dict[str, str]]:
    """The reports `make demo` takes in: one per demo site with a conduct code."""
    header, _ = load_entries(DATA / "sites.yaml", "sites")
    rows = [
        {"url": s.url, "conduct": s.conduct, "note": f"demo: {s.what}", "source": "comity-demo"}
        for s in load_sites()
        if s.conduct
    ]
    for extra in header.get("reports_without_site") or ():
        check_keys("sites.yaml: reports_without_site", extra, required=("url", "conduct", "note"))
        rows.append({**extra, "note": f"demo: {extra['note']}", "source": "comity-demo"})
    return rows


def reports_csv() -> str:
    """The demo report list as CSV (url,conduct,note,source) for bulk intake."""
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=["url", "conduct", "note", "source"], lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(demo_reports())
    return out.getvalue()
