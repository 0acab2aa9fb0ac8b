"""Bulk intake: import N reported URLs end to end into SQLite and PostgreSQL.

URLs are variations of the real Citizen Lab test lists (../shared/data, used
here for benchmarking only: CC BY-NC-SA), written to a CSV file first; the
import then streams that file (parse, canonicalise, deduplicate, write in
committed batches, audit). Figures: rows/s wall and CPU, peak RSS, RSS
sampled during the import (flat memory = streaming) and the load average. In the
same run, the canonicalisation step alone is timed on the file's URLs against
`w3lib.url.canonicalize_url` (alternating chunks, so that load from other
processes falls on both alike) and the ratio reported.

    python bench/bench_intake.py [--rows 1000000] [--quick] [--batch 20000]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _data import citizenlab_urls, url_source

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CONDUCTS = (
    "terrorism.incitement",
    "terrorism.glorification",
    "terrorism.recruitment",
    "terrorism.financing",
    "extremism.banned_organisation",
)
TRACKERS = ("utm_source=tw", "fbclid=IwAR0", "gclid=abc", "utm_medium=social")


def base_urls() -> list[str]:
    return [url.rstrip("/") for url in citizenlab_urls()]


def variations(n: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    bases = base_urls()
    out = []
    for i in range(n):
        url = rnd.choice(bases)
        if rnd.random() < 0.3:
            url = url[:8].upper() + url[8:]  # HTTPS://, HTTP://W: case variants
        path = f"/item/{i}" if rnd.random() < 0.9 else "/./a/../item/%7e" + str(i)
        query = f"?{rnd.choice(TRACKERS)}&id={i % 1000}" if rnd.random() < 0.4 else ""
        out.append(f"{url}{path}{query}")
    return out


def write_csv(path: Path, n: int) -> None:
    rnd = random.Random(3)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["url", "conduct", "note", "source"])
        chunk = 100_000
        for start in range(0, n, chunk):
            for url in variations(min(chunk, n - start), seed=start):
                writer.writerow([url, rnd.choice(CONDUCTS), "", "bench"])


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def canon_vs_w3lib(csv_path: Path, n: int) -> dict[str, object]:
    """CPU time of our canonicalisation and of w3lib's over the first `n` URLs of the file."""
    from w3lib.url import canonicalize_url

    from comity.core.errors import BadInput
    from comity.urls import canonicalize

    with csv_path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        urls = [row[0] for _, row in zip(range(n), reader, strict=False)]
    spent = {"ours": 0.0, "w3lib": 0.0}
    refused = {"ours": 0, "w3lib": 0}
    load = os.getloadavg()[0]
    step = max(1, len(urls) // 20)
    for start in range(0, len(urls), step):
        chunk = urls[start : start + step]
        for name, func in (("ours", canonicalize), ("w3lib", canonicalize_url)):
            cpu = time.process_time()
            for url in chunk:
                try:
                    func(url)
                except (BadInput, ValueError):
                    refused[name] += 1
            spent[name] += time.process_time() - cpu
    return {
        "urls": len(urls),
        "ours_per_s_cpu": round(len(urls) / spent["ours"]),
        "w3lib_per_s_cpu": round(len(urls) / spent["w3lib"]),
        "ratio_ours_over_w3lib": round(spent["w3lib"] / spent["ours"], 2),
        "refused": refused,
        "load_average_1min_start_end": [round(load, 2), round(os.getloadavg()[0], 2)],
    }


def _time_the_driver(dialect: Any) -> list[float]:
    """Sum the CPU time spent inside the driver's execute, executemany and commit.

    For SQLite that is the database engine's own work (it runs in this process),
    parameter binding included: what the import would cost with no Python at all.
    """
    spent = [0.0]

    def timed(name: str) -> None:
        inner = getattr(dialect, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[0] += time.process_time() - start

        setattr(dialect, name, wrapper)

    for name in ("do_execute", "do_execute_no_params", "do_executemany", "do_commit"):
        timed(name)
    return spent


def run_import(url: str, csv_path: Path, home: Path, batch: int) -> dict[str, object]:
    from comity.core.db import get_engine, reset_engines, session_scope
    from comity.core.settings import Settings, override_settings
    from comity.intake.service import import_file
    from comity.users.service import add_user

    reset_engines()
    with override_settings(Settings(home=home, database_url=url)):
        engine = get_engine()
        with session_scope(engine) as session:
            add_user(session=session, name="bench", role="analyst", actor=None)
        samples: list[float] = []
        done = [0]

        def progress(n: int) -> None:
            done[0] += n
            if done[0] % 100_000 < n:
                samples.append(rss_mb())

        in_driver = _time_the_driver(engine.dialect)
        load = os.getloadavg()[0]
        wall, cpu = time.perf_counter(), time.process_time()
        result = import_file(
            engine=engine, path=csv_path, actor="bench", progress=progress, batch_size=batch
        )
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    reset_engines()
    driver = in_driver[0]
    return {
        "rows": result.rows,
        "valid": result.valid,
        "items_created": result.items_created,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "rows_per_s_wall": round(result.rows / wall),
        "rows_per_s_cpu": round(result.rows / cpu),
        # The database's share of this process's CPU: statements (SQLite runs
        # in-process) and commits. rows / this is the ceiling with no Python at all.
        "driver_cpu_s": round(driver, 2),
        "rows_per_s_cpu_driver_only": round(result.rows / driver) if driver else None,
        "rss_mb_samples": [round(s) for s in samples],
        "batch_size": batch,
        "load_average_1min_start_end": [round(load, 2), round(os.getloadavg()[0], 2)],
    }


def pg_database(name: str = "comity_bench") -> str | None:
    """A fresh PostgreSQL database `name` on the test server (None without one)."""
    base = os.environ.get("COMITY_TEST_PG_URL")
    if not base:
        return None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    parser.add_argument("--batch", type=int, default=20_000, help="rows per committed batch")
    parser.add_argument("--canon-urls", type=int, default=200_000, help="URLs for the w3lib ratio")
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    rows = 100_000 if args.quick else args.rows
    sys.path.insert(0, str(ROOT / "src"))
    out: dict[str, object] = {
        "rows": rows,
        "source": f"{url_source()}, varied",
        "cpus": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "reports.csv"
        t = time.perf_counter()
        write_csv(csv_path, rows)
        out["generate_s"] = round(time.perf_counter() - t, 1)
        out["canonicalise"] = canon_vs_w3lib(csv_path, min(rows, args.canon_urls))
        db = f"sqlite:///{tmp}/bench.db"
        out["sqlite"] = run_import(db, csv_path, Path(tmp), args.batch)
        pg = None if args.skip_pg else pg_database()
        out["postgresql"] = run_import(pg, csv_path, Path(tmp), args.batch) if pg else "skipped"
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "intake.json").write_text(json.dumps(out, indent=2) + "\n")
    lite = out["sqlite"]
    assert isinstance(lite, dict)
    lines = [
        "# Bulk intake benchmark",
        "",
        f"{rows:,} URLs (variations of the {url_source()}), streamed from CSV.",
        "",
        "| database | rows/s (wall) | rows/s (CPU) | wall s | CPU s | batch | load start/end "
        "| RSS MB during import |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in ("sqlite", "postgresql"):
        r = out[name]
        if isinstance(r, dict):
            lines.append(
                f"| {name} | {r['rows_per_s_wall']:,} | {r['rows_per_s_cpu']:,} | "
                f"{r['wall_s']} | {r['cpu_s']} | {r['batch_size']:,} | "
                f"{r['load_average_1min_start_end']} | {r['rss_mb_samples']} |"
            )
    lines += [
        "",
        f"Inside the SQLite driver (statements, binding, commits; SQLite runs in the "
        f"importing process): {lite['driver_cpu_s']} CPU s of {lite['cpu_s']}, so "
        f"{lite['rows_per_s_cpu_driver_only']:,} rows/s would be the ceiling on one core "
        "with no Python at all. Each new URL writes three rows (item, report, conduct) "
        "and twelve B-tree entries (tables, unique keys, the worklist, domain and "
        "foreign-key indexes).",
    ]
    c = out["canonicalise"]
    assert isinstance(c, dict)
    lines += [
        "",
        f"Canonicalisation alone, first {c['urls']:,} URLs of the file, same run (CPU): "
        f"`comity.urls.canonicalize` {c['ours_per_s_cpu']:,}/s, "
        f"`w3lib.url.canonicalize_url` {c['w3lib_per_s_cpu']:,}/s, "
        f"ratio ours/w3lib **{c['ratio_ours_over_w3lib']}** "
        f"(load {c['load_average_1min_start_end']}).",
        "",
        f"Machine: {out['cpus']} CPUs shared with other work; CPU figures are "
        "`time.process_time()` of the importing process (PostgreSQL's own CPU is not in "
        "them), and both CPU and wall figures move with the machine's load.",
    ]
    (RESULTS / "intake.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
