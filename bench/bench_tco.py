"""`comity report tco` at scale: time and peak memory of the Article 7/8 report.

Loads N tracked requests with bench_reports.load (chunked bulk inserts into a
fresh SQLite file or a fresh PostgreSQL database; dispatches spread over the
last 360 days), then renders the report for the current year once per format
(JSON, CSV, HTML, PDF), each in a fresh child process, so that each figure is
that render's own time and the child's own peak resident memory (ru_maxrss of
the child; the load's memory is not in it). The baseline is a child that only
imports Comity and opens the database: the difference is what the report costs.

    python bench/bench_tco.py [--requests 1000000] [--database sqlite|postgresql]
                              [--pg-url postgresql+psycopg://...] [--quick]

For PostgreSQL the URL names a server (tools/services.sh start); a database
`bench_tco` is dropped and created on it.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
FORMATS = ("json", "csv", "html", "pdf")


def _peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _measure(url: str, fmt: str) -> None:
    """Child: render once; print seconds, peak RSS and the request count."""
    sys.path.insert(0, str(ROOT / "src"))
    from comity.core.db import get_engine, read_session
    from comity.reports import tco

    year = date.today().year
    engine = get_engine(url, migrate=False)
    with read_session(engine) as s:
        if fmt == "baseline":
            s.execute(__import__("sqlalchemy").text("SELECT 1"))
            print(json.dumps({"s": 0.0, "peak_mib": _peak_mib()}))
            return
        t0 = time.perf_counter()
        body = tco.render(session=s, year=year, fmt=fmt)
        took = time.perf_counter() - t0
        count = json.loads(body)["requests"] if fmt == "json" else None
    print(json.dumps({"s": round(took, 2), "peak_mib": _peak_mib(), "requests": count}))


def _child(url: str, fmt: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", url, "--format", fmt],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _pg_database(server: str, name: str = "bench_tco") -> str:
    """A fresh database `name` on the PostgreSQL `server` (dropped first if it exists)."""
    from sqlalchemy import create_engine, text

    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.rsplit("/", 1)[0] + "/" + name


def _write(db: str, out: dict[str, object]) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"tco-{db}.json").write_text(json.dumps(out, indent=2) + "\n")
    lines = ["# `comity report tco` benchmark", ""]
    for name in ("sqlite", "postgresql"):
        path = RESULTS / f"tco-{name}.json"
        if not path.exists():
            continue
        fig = json.loads(path.read_text())
        lines += [
            f"## {name}: {fig['requests']} tracked requests, {fig['requests_in_year']} "
            f"dispatched in {fig['year']} (measured {fig['measured_on']})",
            "",
            f"Load (chunked bulk insert, not the product's path): {fig['load_s']} s. "
            "Each render runs once in a fresh child process; peak RSS is that child's, "
            f"baseline (imports + connection) {fig['baseline_peak_mib']} MiB.",
            "",
            "| format | seconds | peak RSS MiB |",
            "|---|---|---|",
        ]
        lines += [f"| {f} | {fig[f'{f}_s']} | {fig[f'{f}_peak_mib']} |" for f in FORMATS]
        lines.append("")
    (RESULTS / "tco.md").write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default="")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--measure", default="")
    parser.add_argument("--format", default="json")
    args = parser.parse_args()
    if args.measure:
        _measure(args.measure, args.format)
        return
    n = 5_000 if args.quick else args.requests
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_reports import load
    from comity.core.db import get_engine

    with tempfile.TemporaryDirectory() as tmp:
        if args.database == "postgresql":
            if not args.pg_url:
                parser.error("--pg-url is required with --database postgresql")
            url = _pg_database(args.pg_url)
        else:
            url = f"sqlite:///{tmp}/bench.db"
        engine = get_engine(url)
        t0 = time.perf_counter()
        load(engine, n)
        engine.dispose()
        out: dict[str, object] = {
            "database": args.database,
            "requests": n,
            "year": date.today().year,
            "measured_on": date.today().isoformat(),
            "load_s": round(time.perf_counter() - t0, 1),
        }
        out["baseline_peak_mib"] = _child(url, "baseline")["peak_mib"]
        for fmt in FORMATS:
            fig = _child(url, fmt)
            out[f"{fmt}_s"], out[f"{fmt}_peak_mib"] = fig["s"], fig["peak_mib"]
            if fmt == "json":
                out["requests_in_year"] = fig["requests"]
            print(fmt, fig, flush=True)
    _write(args.database, out)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
