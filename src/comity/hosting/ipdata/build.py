"""Build the bundled IP tables from upstream files (used by tools/build_ipdata.py
and by `comity data update`).

Inputs follow the layout of ../shared/data (ip-location-db/, asn-names/,
cdn-ranges/); see `SourceLayout`. Outputs go to one folder: the .npz tables,
cdn-operators.yaml and sources.yaml (provenance + sha256 of every file).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import ipaddress
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from comity.hosting.ipdata.build_cdn import build_cdn
from comity.hosting.ipdata.intervals import pack_v6, ranges_to_runs

_TOP4 = 2**32 - 1
_TOP6 = 2**128 - 1
# Upstream rows that overlap an earlier row, per dataset (reported in sources.yaml).
NESTED: dict[str, int] = {}

__all__ = ["NESTED", "DatasetMeta", "SourceLayout", "build_all", "sha256_file", "write_sources"]


@dataclass(frozen=True)
class SourceLayout:
    """Where the upstream files are (a folder laid out like ../shared/data)."""

    root: Path

    def find(self, relative: str) -> Path:
        """`relative` or its .gz twin, whichever exists."""
        for candidate in (self.root / relative, self.root / (relative + ".gz")):
            if candidate.is_file():
                return candidate
        raise FileNotFoundError(f"missing input {self.root / relative}[.gz]")


@dataclass(frozen=True)
class DatasetMeta:
    """Provenance of one bundled dataset, written to sources.yaml."""

    name: str
    file: str
    description: str
    upstream: str
    url: str
    date: str
    licence: str
    attribution: str


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return io.TextIOWrapper(path.open("rb"), encoding="utf-8", newline="")


def _csv_rows(path: Path) -> Iterator[list[str]]:
    with _open_text(path) as fh:
        yield from csv.reader(fh)


def _ip_int(text: str, version: int, where: str) -> int:
    try:
        address = ipaddress.ip_address(text)
    except ValueError as exc:
        raise ValueError(f"{where}: not an IP address: {text!r}") from exc
    if address.version != version:
        raise ValueError(f"{where}: expected IPv{version}, got {text!r}")
    return int(address)


def _asn_rows(
    path: Path, version: int, orgs: Counter[tuple[int, str]]
) -> list[tuple[int, int, int]]:
    rows = []
    for number, row in enumerate(_csv_rows(path), start=1):
        where = f"{path.name} row {number}"
        if len(row) != 4:
            raise ValueError(f"{where}: expected start,end,asn,organisation")
        asn = int(row[2])
        rows.append((_ip_int(row[0], version, where), _ip_int(row[1], version, where), asn))
        orgs[(asn, row[3])] += 1
    return rows


def _country_rows(path: Path, version: int, codes: dict[str, int]) -> list[tuple[int, int, int]]:
    rows = []
    for number, row in enumerate(_csv_rows(path), start=1):
        where = f"{path.name} row {number}"
        if len(row) != 3 or len(row[2]) != 2 or not row[2].isalpha():
            raise ValueError(f"{where}: expected start,end,two-letter country code")
        code = codes.setdefault(row[2].upper(), len(codes))
        rows.append((_ip_int(row[0], version, where), _ip_int(row[1], version, where), code))
    return rows


def _save(path: Path, **arrays: Any) -> None:
    # Compressed: the range tables shrink about 3x; they are read once per process.
    np.savez_compressed(path, **arrays)


def _build_asn(src: SourceLayout, out: Path) -> tuple[int, Counter[tuple[int, str]]]:
    orgs: Counter[tuple[int, str]] = Counter()
    v4 = _asn_rows(src.find("ip-location-db/asn/asn-ipv4.csv"), 4, orgs)
    v6 = _asn_rows(src.find("ip-location-db/asn/asn-ipv6.csv"), 6, orgs)
    s4, a4, n4 = ranges_to_runs(v4, default=0, top=_TOP4, what="asn-ipv4")
    s6, a6, n6 = ranges_to_runs(v6, default=0, top=_TOP6, what="asn-ipv6")
    NESTED["ip-asn"] = n4 + n6
    _save(
        out / "ip-asn.npz",
        v4_starts=np.array(s4, dtype=np.uint32),
        v4_asn=np.array(a4, dtype=np.uint32),
        v6_starts=pack_v6(s6),
        v6_asn=np.array(a6, dtype=np.uint32),
    )
    return len(v4) + len(v6), orgs


def _build_country(src: SourceLayout, out: Path) -> int:
    codes: dict[str, int] = {"": 0}
    base = "ip-location-db/geo-whois-asn-country/geo-whois-asn-country-ipv"
    v4 = _country_rows(src.find(base + "4.csv"), 4, codes)
    v6 = _country_rows(src.find(base + "6.csv"), 6, codes)
    s4, c4, n4 = ranges_to_runs(v4, default=0, top=_TOP4, what="country-ipv4")
    s6, c6, n6 = ranges_to_runs(v6, default=0, top=_TOP6, what="country-ipv6")
    NESTED["ip-country"] = n4 + n6
    _save(
        out / "ip-country.npz",
        v4_starts=np.array(s4, dtype=np.uint32),
        v4_cc=np.array(c4, dtype=np.uint16),
        v6_starts=pack_v6(s6),
        v6_cc=np.array(c6, dtype=np.uint16),
        codes=np.array(list(codes), dtype="U2"),
    )
    return len(v4) + len(v6)


def _org_table(src: SourceLayout, derived: Counter[tuple[int, str]]) -> dict[int, str]:
    """ASN -> organisation: the shared derived CSV when present, else derive the same way
    (the most frequent as_organization among the ASN's ranges)."""
    names: dict[int, str] = {}
    try:
        path = src.find("asn-names/" + _derived_name(src))
    except FileNotFoundError:
        best: dict[int, tuple[int, str]] = {}
        for (asn, org), count in derived.items():
            if asn not in best or (count, org) > best[asn]:
                best[asn] = (count, org)
        return {asn: org for asn, (_, org) in best.items()}
    for number, row in enumerate(_csv_rows(path), start=1):
        if number == 1 and row[:2] == ["asn", "as_organization"]:
            continue
        if len(row) != 3:
            raise ValueError(f"{path.name} row {number}: expected asn,as_organization,range_rows")
        names[int(row[0])] = row[1]
    # ASNs announced in the range table but missing from the CSV still get a name.
    for (asn, org), _count in derived.most_common():
        names.setdefault(asn, org)
    return names


def _derived_name(src: SourceLayout) -> str:
    found = sorted((src.root / "asn-names").glob("asn_org_derived_from_ip-location-db_*.csv"))
    if not found:
        raise FileNotFoundError("no derived ASN organisation CSV")
    return found[-1].name


def _build_orgs(names: dict[int, str], out: Path) -> int:
    asns = sorted(names)
    encoded = [names[a].encode("utf-8") for a in asns]
    offsets = np.zeros(len(asns) + 1, dtype=np.uint32)
    offsets[1:] = np.cumsum([len(e) for e in encoded])
    _save(
        out / "asn-org.npz",
        asn=np.array(asns, dtype=np.uint32),
        offsets=offsets,
        blob=np.frombuffer(b"".join(encoded), dtype=np.uint8),
    )
    return len(asns)


def write_sources(out: Path, metas: list[DatasetMeta], records: dict[str, int]) -> None:
    """sources.yaml: one entry per bundled file with its sha256 (checked at load)."""
    entries = []
    for meta in metas:
        path = out / meta.file
        entry = dict(meta.__dict__)
        entry.update(records=records[meta.name])
        if NESTED.get(meta.name):
            entry["nested_rows"] = NESTED[meta.name]
        entry.update(bytes=path.stat().st_size, sha256=sha256_file(path))
        entries.append(entry)
    text = yaml.safe_dump({"datasets": entries}, sort_keys=False, allow_unicode=True, width=100)
    (out / "sources.yaml").write_text(text, encoding="utf-8")


def build_all(src: SourceLayout, out: Path, metas: list[DatasetMeta]) -> dict[str, int]:
    """Build every table into `out`; returns record counts per dataset name."""
    out.mkdir(parents=True, exist_ok=True)
    asn_records, orgs = _build_asn(src, out)
    names = _org_table(src, orgs)
    records = {
        "ip-asn": asn_records,
        "ip-country": _build_country(src, out),
        "asn-org": _build_orgs(names, out),
    }
    records.update(build_cdn(src.root, out, names))
    write_sources(out, metas, records)
    return records
