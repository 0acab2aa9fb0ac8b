"""IP look-up throughput: comity.hosting.ipdata vs iptocc alone vs a maxminddb reader.

    .venv/bin/python bench/bench_ip.py [--quick]

Writes bench/results/ip.json and bench/results/ip.md. No network.

- comity bulk: `lookup_v4_array` on N random publicly routable IPv4 addresses:
  special-purpose check + country + ASN + organisation index + CDN (range and ASN).
- iptocc alone: country only, on the same addresses as strings (its API takes str).
- maxminddb: an MMDB written in this process (bench/_mmdb_writer.py) holding the same
  records (country, asn, org, cdn) for a sample of the ASN runs (a full-table MMDB takes
  too long to build in pure Python); queries fall inside the sample so every look-up
  walks the tree and decodes a record. Reader cost per look-up hardly depends on tree
  size (depth <= 32), so the per-second figure is representative.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _mmdb_writer import write_mmdb
from comity.hosting.ipdata import get_tables, lookup, lookup_v4_array
from comity.hosting.ipdata.intervals import run_index
from comity.hosting.ipdata.special import special_tables

RESULTS = Path(__file__).resolve().parent / "results"


CPU: dict[str, float] = {}


def _best(fn, repeat: int = 3, name: str = "") -> float:  # type: ignore[no-untyped-def]
    """Best wall time; the best CPU time is kept in CPU[name] (the machine may be shared)."""
    times, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    CPU[name] = min(cpu)
    return min(times)


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
    args = parser.parse_args()
    n = 200_000 if args.quick else 1_000_000
    sample_runs = 5_000 if args.quick else 20_000
    mmdb_queries = 50_000 if args.quick else 200_000
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

    addrs = _public_v4(n, rng)
    lookup_v4_array(addrs[:1000])  # warm
    ours_s = _best(lambda: lookup_v4_array(addrs), name="ours")
    res = lookup_v4_array(addrs)
    names = np.array(
        [tables.org_name(i) for i in range(len(tables.org_asn))] + [None], dtype=object
    )
    org_s = _best(lambda: names[res.org])  # index -1 -> trailing None

    t = time.perf_counter()
    strings = _strings(addrs)
    to_str_s = time.perf_counter() - t
    import iptocc

    iptocc_s = _best(lambda: iptocc.country_code(strings), name="iptocc")
    cc = iptocc.country_code(strings)
    agree = float(np.mean([a == (b or "") for a, b in zip(res.country.tolist(), cc, strict=True)]))

    k = 100_000 if not args.quick else 20_000
    api_s = _best(lambda: lookup(strings[:k]), repeat=1)

    # maxminddb on an MMDB of the same records (sampled ASN runs).
    starts, asns = tables.v4.asn_starts, tables.v4.asn_values
    cand = np.flatnonzero(asns[:-1] != 0)
    pick = np.sort(rng.choice(cand, size=min(sample_runs, len(cand)), replace=False))
    lo, hi = starts[pick].astype(np.int64), starts[pick + 1].astype(np.int64) - 1
    info = lookup_v4_array(starts[pick])
    ranges = []
    for j in range(len(pick)):
        org = tables.org_name(int(info.org[j])) or ""
        ranges.append(
            (
                int(lo[j]),
                int(hi[j]),
                {
                    "country": str(info.country[j]),
                    "asn": int(info.asn[j]),
                    "org": org,
                    "cdn": bool(info.cdn[j]),
                },
            )
        )
    import maxminddb

    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/bench.mmdb"
        t = time.perf_counter()
        nodes = write_mmdb(path, ranges)
        build_s = time.perf_counter() - t
        which = rng.integers(0, len(pick), mmdb_queries)
        q = lo[which] + (rng.random(mmdb_queries) * (hi[which] - lo[which] + 1)).astype(np.int64)
        q = q.astype(np.uint32)
        qs = _strings(q)
        reader = maxminddb.open_database(path)  # C extension, mmap
        mmdb_s = _best(lambda: [reader.get(s) for s in qs], repeat=2, name="mmdb")
        got = [reader.get(s) for s in qs[:2000]]
        reader.close()
    ours_same = lookup_v4_array(q)
    ok = all(
        g is not None and g["asn"] == int(a) for g, a in zip(got, ours_same.asn[:2000], strict=True)
    )
    ours_q_s = _best(lambda: lookup_v4_array(q), name="ours_q")

    rate = n / ours_s
    out = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "quick": args.quick,
        "n_lookups": n,
        "load_seconds": round(load_s, 3),
        "table_bytes_in_memory": int(table_bytes),
        "rss_increase_on_load_mb": round(rss_load, 1),
        "comity_bulk_per_s": round(rate),
        "comity_bulk_plus_org_strings_per_s": round(n / (ours_s + org_s)),
        "comity_lookup_api_strings_per_s": round(k / api_s),
        "iptocc_country_only_per_s": round(n / iptocc_s),
        "ipv4_to_string_seconds": round(to_str_s, 3),
        "country_agreement_bundled_vs_iptocc": round(agree, 4),
        "mmdb_records": len(ranges),
        "mmdb_nodes": nodes,
        "mmdb_build_seconds": round(build_s, 2),
        "maxminddb_per_s": round(mmdb_queries / mmdb_s),
        "comity_bulk_same_queries_per_s": round(mmdb_queries / ours_q_s),
        "mmdb_answers_match": ok,
        "ratio_vs_iptocc": round(rate / (n / iptocc_s), 2),
        "ratio_vs_maxminddb": round((mmdb_queries / ours_q_s) / (mmdb_queries / mmdb_s), 1),
        "cpu_time_rates_per_s": {
            "comity_bulk": round(n / CPU["ours"]),
            "iptocc": round(n / CPU["iptocc"]),
            "maxminddb": round(mmdb_queries / CPU["mmdb"]),
            "comity_bulk_same_queries": round(mmdb_queries / CPU["ours_q"]),
        },
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "goal_per_s": 1_000_000,
        "goal_met": rate >= 1_000_000,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ip.json").write_text(json.dumps(out, indent=2) + "\n")
    md = [
        "# IP look-up benchmark",
        "",
        f"{n:,} random public IPv4 look-ups (country + ASN + organisation + CDN), "
        f"Python {out['python']}, {out['machine']}{' (--quick)' if args.quick else ''}.",
        "",
        "| path | look-ups/s |",
        "|---|---|",
        f"| comity `lookup_v4_array` (batched numpy) | {out['comity_bulk_per_s']:,} |",
        f"| same + organisation strings | {out['comity_bulk_plus_org_strings_per_s']:,} |",
        f"| comity `lookup()` on strings (IpInfo objects) | "
        f"{out['comity_lookup_api_strings_per_s']:,} |",
        f"| iptocc alone (country only, strings) | {out['iptocc_country_only_per_s']:,} |",
        f"| maxminddb reader (C extension), same records | {out['maxminddb_per_s']:,} |",
        "",
        f"Ratios: comity bulk / iptocc = {out['ratio_vs_iptocc']}x; comity bulk / maxminddb = "
        f"{out['ratio_vs_maxminddb']}x (same {mmdb_queries:,} queries). Goal 1,000,000/s: "
        f"{'met' if out['goal_met'] else 'NOT met'}.",
        f"Tables: {table_bytes / 1e6:.1f} MB in memory, loaded in {load_s:.2f}s "
        f"(RSS +{rss_load:.0f} MB). Country agreement bundled table vs iptocc: "
        f"{agree:.1%}.",
        "",
        "Rates from process CPU time (the benchmark machine is shared; load average "
        f"{out['load_average']}): comity bulk {out['cpu_time_rates_per_s']['comity_bulk']:,}/s, "
        f"iptocc {out['cpu_time_rates_per_s']['iptocc']:,}/s, maxminddb "
        f"{out['cpu_time_rates_per_s']['maxminddb']:,}/s.",
        "",
    ]
    (RESULTS / "ip.md").write_text("\n".join(md))
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
