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
    asn_org: Arr  # per ASN run: index into the organisation table, -1 = unknown
    asn_cdn: Arr  # per ASN run: CDN operator code when the ASN is a listed CDN network
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

    def org_names(self) -> list[str | None]:
        """Every organisation name, decoded once per table set, plus a trailing None so
        that index -1 (unknown) reads as None."""
        cached: list[str | None] | None = _ORG_NAMES.get(id(self))
        if cached is None:
            cached = [self.org_name(i) for i in range(len(self.org_asn))] + [None]
            _ORG_NAMES[id(self)] = cached
        return cached

    def org_name(self, index: int) -> str | None:
        if index < 0:
            return None
        start, end = int(self.org_offsets[index]), int(self.org_offsets[index + 1])
        return self.org_blob[start:end].decode("utf-8")


class V4Arrays(NamedTuple):
    """Per-address results of the vectorised path (one element per query)."""

    reason: npt.NDArray[np.uint8]  # 0 routable, else index into special.REASONS
    asn: npt.NDArray[np.uint32]  # 0 = unknown / not routable
    country: npt.NDArray[np.str_]  # where located; "" = unknown / not routable
    org: npt.NDArray[np.int64]  # index for Tables.org_name, -1 = unknown
    cdn: npt.NDArray[np.uint16]  # operator code (Tables.cdn_names), 0 = none
    cdn_by_asn: npt.NDArray[np.bool_]  # True when flagged by the ASN list, not a range
    # Filled by lookup.lookup_arrays (the RIR registration country, iptocc); "" = none.
    country_registered: npt.NDArray[np.str_] = np.zeros(0, dtype="U2")
    country_fallback: npt.NDArray[np.bool_] = np.zeros(0, dtype=bool)  # country is registered


def _per_asn(keys: Arr, values: Arr, asns: Arr, missing: int) -> Arr:
    """values[k] where keys[k] == asn, else `missing`: a join done once at load so that a
    look-up needs no second search (the organisation and CDN-by-ASN of each ASN run)."""
    if len(keys) == 0:
        return np.full(len(asns), missing, dtype=np.int64)
    pos = np.minimum(np.searchsorted(keys, asns), len(keys) - 1)
    return np.where((keys[pos] == asns) & (asns != 0), values[pos], missing)


def _family(
    tag: str,
    asn: dict[str, Arr],
    cc: dict[str, Arr],
    cdn: dict[str, Arr],
    org_asn: Arr,
    cdn_asn: Arr,
    cdn_asn_code: Arr,
) -> Family:
    special = special_tables()[0 if tag == "v4" else 1]
    values = asn[f"{tag}_asn"]
    return Family(
        special_starts=special.starts,
        special_codes=special.codes,
        asn_starts=asn[f"{tag}_starts"],
        asn_values=values,
        asn_org=_per_asn(org_asn, np.arange(len(org_asn)), values, -1).astype(np.int64),
        asn_cdn=_per_asn(cdn_asn, cdn_asn_code, values, 0).astype(np.uint16),
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
    cdn_asn = np.array([p[0] for p in pairs], dtype=np.uint32)
    cdn_code = np.array([p[1] for p in pairs], dtype=np.uint16)
    return Tables(
        v4=_family("v4", asn, cc, cdn, org["asn"], cdn_asn, cdn_code),
        v6=_family("v6", asn, cc, cdn, org["asn"], cdn_asn, cdn_code),
        country_codes=cc["codes"],
        org_asn=org["asn"],
        org_offsets=org["offsets"],
        org_blob=org["blob"].tobytes(),
        cdn_names=(None, *names[1:]),
        cdn_kinds=(None, *[op["kind"] for op in operators]),
        cdn_range_sources=(None, *[op["range_source"] for op in operators]),
        cdn_asn=cdn_asn,
        cdn_asn_code=cdn_code,
        cdn_asn_sources=tuple(p[2] for p in pairs),
    )


_LOCK = threading.Lock()
_ORG_NAMES: dict[int, list[str | None]] = {}
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
        _ORG_NAMES.clear()


def _sort(queries: Arr) -> tuple[Arr, Arr]:
    """Sorted queries and the permutation back. Searching sorted needles is several times
    faster (numpy narrows each binary search from the previous answer, and memory access
    becomes sequential). IPv4: pack (address, position) into uint64 and sort once."""
    if queries.dtype == np.uint32:
        keys = (queries.astype(np.uint64) << np.uint64(32)) | np.arange(
            len(queries), dtype=np.uint64
        )
        keys.sort()
        return (keys >> np.uint64(32)).astype(np.uint32), (keys & np.uint64(0xFFFFFFFF)).astype(
            np.intp
        )
    order = np.argsort(queries, kind="stable")
    return queries[order], order


def lookup_family(tables: Tables, fam: Family, queries: Arr) -> V4Arrays:
    """Vectorised look-up of one family; `queries` are uint32 (v4) or S16 (v6)."""
    q, order = _sort(queries)
    reason = fam.special_codes[run_index(fam.special_starts, q)]
    routable = reason == 0
    run = run_index(fam.asn_starts, q)
    asn = np.where(routable, fam.asn_values[run], 0).astype(np.uint32)
    org = np.where(routable, fam.asn_org[run], -1)
    cc_idx = np.where(routable, fam.cc_values[run_index(fam.cc_starts, q)], 0)
    by_range = np.where(routable, fam.cdn_values[run_index(fam.cdn_starts, q)], 0)
    by_asn = routable & (by_range == 0) & (fam.asn_cdn[run] != 0)
    cdn = np.where(by_asn, fam.asn_cdn[run], by_range).astype(np.uint16)
    out = V4Arrays(
        reason=np.empty(len(q), np.uint8),
        asn=np.empty(len(q), np.uint32),
        country=np.empty(len(q), tables.country_codes.dtype),
        org=np.empty(len(q), np.int64),
        cdn=np.empty(len(q), np.uint16),
        cdn_by_asn=np.empty(len(q), bool),
    )
    out.reason[order] = reason
    out.asn[order] = asn
    out.country[order] = tables.country_codes[cc_idx]
    out.org[order] = org
    out.cdn[order] = cdn
    out.cdn_by_asn[order] = by_asn
    return out
