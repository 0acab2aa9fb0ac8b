"""The loaded tables (once per process and data folder) and the vectorised look-up."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from comity.hosting.ipdata.intervals import run_index
from comity.hosting.ipdata.special import special_tables
from comity.hosting.ipdata.store import DatasetError, data_dir, load_npz, load_yaml

__all__ = ["Family", "Tables", "V4Arrays", "get_tables", "lookup_family", "reset_cache"]

Arr = npt.NDArray[Any]


@dataclass(frozen=True)
class Family:
    """The run tables for one address family (IPv4: uint32 starts, IPv6: S16 starts)."""

    special_starts: Arr
    special_codes: Arr
    asn_starts: Arr
    asn_values: Arr
    cc_starts: Arr
    cc_values: Arr
    cdn_starts: Arr
    cdn_values: Arr


@dataclass(frozen=True)
class Tables:
    v4: Family
    v6: Family
    country_codes: Arr  # U2, index 0 = "" (no country)
    org_asn: Arr  # sorted uint32
    org_offsets: Arr
    org_blob: bytes
    cdn_names: tuple[str | None, ...]  # index 0 = None
    cdn_kinds: tuple[str | None, ...]
    cdn_range_sources: tuple[str | None, ...]
    cdn_asn: Arr  # sorted uint32
    cdn_asn_code: Arr  # operator code per cdn_asn
    cdn_asn_sources: tuple[str, ...]

    def org_name(self, index: int) -> str | None:
        if index < 0:
            return None
        start, end = int(self.org_offsets[index]), int(self.org_offsets[index + 1])
        return self.org_blob[start:end].decode("utf-8")


class V4Arrays(NamedTuple):
    """Per-address results of the vectorised path (one element per query)."""

    reason: npt.NDArray[np.uint8]  # 0 routable, else index into special.REASONS
    asn: npt.NDArray[np.uint32]  # 0 = unknown / not routable
    country: npt.NDArray[np.str_]  # "" = unknown / not routable
    org: npt.NDArray[np.int64]  # index for Tables.org_name, -1 = unknown
    cdn: npt.NDArray[np.uint16]  # operator code (Tables.cdn_names), 0 = none
    cdn_by_asn: npt.NDArray[np.bool_]  # True when flagged by the ASN list, not a range


def _family(tag: str, asn: dict[str, Arr], cc: dict[str, Arr], cdn: dict[str, Arr]) -> Family:
    special = special_tables()[0 if tag == "v4" else 1]
    return Family(
        special_starts=special.starts,
        special_codes=special.codes,
        asn_starts=asn[f"{tag}_starts"],
        asn_values=asn[f"{tag}_asn"],
        cc_starts=cc[f"{tag}_starts"],
        cc_values=cc[f"{tag}_cc"],
        cdn_starts=cdn[f"{tag}_starts"],
        cdn_values=cdn[f"{tag}_op"],
    )


def _load(folder: Path) -> Tables:
    asn = load_npz(folder, "ip-asn")
    cc = load_npz(folder, "ip-country")
    org = load_npz(folder, "asn-org")
    cdn = load_npz(folder, "cdn-ranges")
    operators = load_yaml(folder, "cdn-operators")["operators"]
    names = [str(n) for n in cdn["operators"]]
    if names[1:] != [op["name"] for op in operators]:
        path = folder / "cdn-operators.yaml"
        raise DatasetError(f"{path} does not match cdn-ranges.npz (operator list)", file=path)
    pairs = sorted((a["asn"], op["code"], a["source"]) for op in operators for a in op["asns"])
    return Tables(
        v4=_family("v4", asn, cc, cdn),
        v6=_family("v6", asn, cc, cdn),
        country_codes=cc["codes"],
        org_asn=org["asn"],
        org_offsets=org["offsets"],
        org_blob=org["blob"].tobytes(),
        cdn_names=(None, *names[1:]),
        cdn_kinds=(None, *[op["kind"] for op in operators]),
        cdn_range_sources=(None, *[op["range_source"] for op in operators]),
        cdn_asn=np.array([p[0] for p in pairs], dtype=np.uint32),
        cdn_asn_code=np.array([p[1] for p in pairs], dtype=np.uint16),
        cdn_asn_sources=tuple(p[2] for p in pairs),
    )


_LOCK = threading.Lock()
_CACHE: dict[Path, Tables] = {}


def get_tables(folder: Path | None = None) -> Tables:
    """Load (once) and return the tables; DatasetError names a missing/corrupt file."""
    folder = (folder or data_dir()).resolve()
    with _LOCK:
        if folder not in _CACHE:
            _CACHE[folder] = _load(folder)
        return _CACHE[folder]


def reset_cache() -> None:
    with _LOCK:
        _CACHE.clear()


def lookup_family(tables: Tables, fam: Family, queries: Arr) -> V4Arrays:
    """Vectorised look-up of one family; `queries` are uint32 (v4) or S16 (v6)."""
    reason = fam.special_codes[run_index(fam.special_starts, queries)]
    routable = reason == 0
    asn = np.where(routable, fam.asn_values[run_index(fam.asn_starts, queries)], 0)
    cc_idx = np.where(routable, fam.cc_values[run_index(fam.cc_starts, queries)], 0)
    country = tables.country_codes[cc_idx]
    pos = np.searchsorted(tables.org_asn, asn)
    pos_ok = np.minimum(pos, len(tables.org_asn) - 1)
    known = (tables.org_asn[pos_ok] == asn) & (asn != 0)
    org = np.where(known, pos_ok, -1).astype(np.int64)
    cdn = np.where(routable, fam.cdn_values[run_index(fam.cdn_starts, queries)], 0)
    if len(tables.cdn_asn):
        apos = np.minimum(np.searchsorted(tables.cdn_asn, asn), len(tables.cdn_asn) - 1)
        by_asn = (cdn == 0) & (tables.cdn_asn[apos] == asn) & (asn != 0)
        cdn = np.where(by_asn, tables.cdn_asn_code[apos], cdn)
    else:
        by_asn = np.zeros(len(queries), dtype=bool)
    return V4Arrays(
        reason=reason.astype(np.uint8),
        asn=asn.astype(np.uint32),
        country=country,
        org=org,
        cdn=cdn.astype(np.uint16),
        cdn_by_asn=by_asn,
    )
