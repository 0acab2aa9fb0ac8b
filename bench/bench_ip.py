"""IP look-up throughput: the product's path against a maxminddb reader, same run.

    .venv/bin/python bench/bench_ip.py [--quick]

Writes bench/results/ip.json and bench/results/ip.md. No network.

Every comity figure times `comity.hosting.ipdata.lookup_arrays`, the one look-up
used by the product: `lookup()` on strings (what attribution and `comity attribute
--ip/--ip-file` call, IpInfo objects out) and `lookup_v4_array` on uint32 (the same
arrays without the Python objects). Both give country where the range is located,
RIR registration country, ASN, organisation and CDN.

- maxminddb: an MMDB written in this process (bench/_mmdb_writer.py) holding the same
  records (country, asn, org, cdn) for a sample of the ASN runs (a full-table MMDB takes
  too long to build in pure Python); queries fall inside the sample so every look-up
  walks the tree and decodes a record. Reader cost per look-up hardly depends on tree
  size (depth <= 32), so the per-second figure is representative.
- All paths run on the same queries, in the same process, for R rounds each
  (interleaved, so load on the shared machine hits every path alike); min, median
  and max rates are reported.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _mmdb_writer import write_mmdb
from comity.hosting.ipdata import get_tables, lookup, lookup_v4_array
from comity.hosting.ipdata.intervals import run_index
from comity.hosting.ipdata.special import special_tables

RESULTS = Path(__file__).resolve().parent / "results"


def _rounds(paths: dict[str, Callable[[], object]], n: int, rounds: int) -> dict[str, Any]:
    """Interleaved rounds; per path the wall rates (min, median, max) and best CPU rate."""
    wall: dict[str, list[float]] = {name: [] for name in paths}
    cpu: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(rounds):
        for name, fn in paths.items():
            t, c = time.perf_counter(), time.process_time()
            fn()
            wall[name].append(n / (time.perf_counter() - t))
            cpu[name].append(n / max(time.process_time() - c, 1e-9))
    return {
        name: {
            "per_s_min": round(min(wall[name])),
            "per_s_median": round(statistics.median(wall[name])),
            "per_s_max": round(max(wall[name])),
            "per_s_cpu_best": round(max(cpu[name])),
            "rounds": rounds,
        }
        for name in paths
    }


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _public_v4(n: int, rng: np.random.Generator) -> np.ndarray:
    special = special_tables()[0]
    out = np.empty(0, dtype=np.uint32)
    while len(out) < n:
        draw = rng.integers(0, 2**32, int(n * 1.3), dtype=np.uint64).astype(np.uint32)
        keep = special.codes[run_index(special.starts, draw)] == 0
        out = np.concatenate([out, draw[keep]])
    return out[:n]


def _strings(addrs: np.ndarray) -> list[str]:
    octets = addrs.astype(">u4").view(np.uint8).reshape(-1, 4)
    return [f"{a}.{b}.{c}.{d}" for a, b, c, d in octets.tolist()]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sample_runs = 5_000 if args.quick else 20_000
    n = 50_000 if args.quick else 200_000
    rng = np.random.default_rng(20261128)

    rss0 = _rss_mb()
    t = time.perf_counter()
    tables = get_tables()
    load_s = time.perf_counter() - t
    table_bytes = (
        sum(a.nbytes for fam in (tables.v4, tables.v6) for a in vars(fam).values())
        + len(tables.org_blob)
        + tables.org_offsets.nbytes
        + tables.org_asn.nbytes
    )
    rss_load = _rss_mb() - rss0

    # The MMDB holds the records of a sample of ASN runs, as the product's path gives them.
    starts, asns = tables.v4.asn_starts, tables.v4.asn_values
    cand = np.flatnonzero(asns[:-1] != 0)
    pick = np.sort(rng.choice(cand, size=min(sample_runs, len(cand)), replace=False))
    lo, hi = starts[pick].astype(np.int64), starts[pick + 1].astype(np.int64) - 1
    info = lookup_v4_array(starts[pick])
    ranges = [
        (
            int(lo[j]),
            int(hi[j]),
            {
                "country": str(info.country[j]),
                "asn": int(info.asn[j]),
                "org": tables.org_name(int(info.org[j])) or "",
                "cdn": bool(info.cdn[j]),
            },
        )
        for j in range(len(pick))
    ]
    import maxminddb

    which = rng.integers(0, len(pick), n)
    q = (lo[which] + (rng.random(n) * (hi[which] - lo[which] + 1)).astype(np.int64)).astype(
        np.uint32
    )
    qs = _strings(q)
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/bench.mmdb"
        t = time.perf_counter()
        nodes = write_mmdb(path, ranges)
        build_s = time.perf_counter() - t
        reader = maxminddb.open_database(path)  # C extension, mmap
        lookup(qs[:1000])  # warm
        figures = _rounds(
            {
                "comity_lookup_strings": lambda: lookup(qs),
                "comity_lookup_v4_array": lambda: lookup_v4_array(q),
                "maxminddb_reader": lambda: [reader.get(s) for s in qs],
            },
            n,
            args.rounds,
        )
        got = [reader.get(s) for s in qs[:5000]]
        reader.close()
    infos = lookup(qs)
    arrays = lookup_v4_array(q)
    same_path = all(
        i.country == (str(c) or None) and (i.asn or 0) == int(a)
        for i, c, a in zip(infos, arrays.country.tolist(), arrays.asn.tolist(), strict=True)
    )
    mmdb_match = all(
        g is not None and g["asn"] == (i.asn or 0)  # country runs may split an ASN run
        for g, i in zip(got, infos[:5000], strict=True)
    )
    differ = sum(
        1 for i in infos if i.country_registered and i.country and i.country_registered != i.country
    )
    product = figures["comity_lookup_strings"]["per_s_median"]
    batch = figures["comity_lookup_v4_array"]["per_s_median"]
    mmdb = figures["maxminddb_reader"]["per_s_median"]
    out = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "quick": args.quick,
        "n_lookups_per_round": n,
        "rounds": args.rounds,
        "paths": figures,
        "load_seconds": round(load_s, 3),
        "table_bytes_in_memory": int(table_bytes),
        "rss_increase_on_load_mb": round(rss_load, 1),
        "mmdb_records": len(ranges),
        "mmdb_nodes": nodes,
        "mmdb_build_seconds": round(build_s, 2),
        "lookup_and_v4_array_agree": same_path,
        "mmdb_answers_match_lookup": mmdb_match,
        "share_located_differs_from_registered": round(differ / n, 4),
        "ratio_lookup_vs_maxminddb_median": round(product / mmdb, 2),
        "ratio_v4_array_vs_maxminddb_median": round(batch / mmdb, 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ip.json").write_text(json.dumps(out, indent=2) + "\n")
    rows = [
        (
            "comity `lookup()` on strings (the product path, IpInfo objects)",
            "comity_lookup_strings",
        ),
        ("comity `lookup_v4_array` on uint32 (same `lookup_arrays`)", "comity_lookup_v4_array"),
        ("maxminddb reader (C extension), same records and queries", "maxminddb_reader"),
    ]
    md = [
        "# IP look-up benchmark",
        "",
        f"{n:,} IPv4 look-ups per round, {args.rounds} interleaved rounds per path, same "
        f"queries for every path (country located + registered, ASN, organisation, CDN). "
        f"Python {out['python']}, {out['machine']}{' (--quick)' if args.quick else ''}; "
        f"load average {out['load_average']} (shared machine).",
        "",
        "| path | min/s | median/s | max/s | best CPU-time rate/s |",
        "|---|---|---|---|---|",
        *[
            f"| {label} | {figures[k]['per_s_min']:,} | {figures[k]['per_s_median']:,} | "
            f"{figures[k]['per_s_max']:,} | {figures[k]['per_s_cpu_best']:,} |"
            for label, k in rows
        ],
        "",
        f"Median ratios: `lookup()` / maxminddb = {out['ratio_lookup_vs_maxminddb_median']}x; "
        f"`lookup_v4_array` / maxminddb = {out['ratio_v4_array_vs_maxminddb_median']}x.",
        f"`lookup()` and `lookup_v4_array` agree on every query: {same_path}; maxminddb "
        f"ASNs match `lookup()` on 5,000 checked: {mmdb_match}. Located country differs "
        f"from the registration country for {differ / n:.1%} of the queries.",
        f"Tables: {table_bytes / 1e6:.1f} MB in memory, loaded in {load_s:.2f}s "
        f"(RSS +{rss_load:.0f} MB). MMDB: {len(ranges):,} records, {nodes:,} nodes, "
        f"built in {build_s:.1f}s.",
        "",
    ]
    (RESULTS / "ip.md").write_text("\n".join(md))
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
