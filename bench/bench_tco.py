"""`comity report tco` at scale: time and peak memory of the Article 7/8 report.

Loads N tracked requests with bench_reports.load (direct bulk inserts into a
fresh SQLite database; dispatches spread over the last 360 days) and times
`reports.tco.render` for the current year as JSON, CSV, HTML and PDF, with
the process's peak resident memory after each (ru_maxrss: it only grows, so
each figure is the peak so far). The comparison is the general transparency
report (JSON) over the same rows and period, which walks the same
`request_rows`.

    python bench/bench_tco.py [--requests 100000] [--quick]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench_reports import load, timed  # the script's folder is on sys.path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def _peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 5_000 if args.quick else args.requests
    repeat = 3
    sys.path.insert(0, str(ROOT / "src"))
    from comity.core.db import get_engine, read_session
    from comity.reports import tco, transparency

    year = date.today().year
    with tempfile.TemporaryDirectory() as tmp:
        engine = get_engine(f"sqlite:///{tmp}/bench.db")
        t0 = time.perf_counter()
        load(engine, n)
        out: dict[str, object] = {"requests": n, "year": year}
        out["load_s"] = round(time.perf_counter() - t0, 2)
        out["rss_after_load_mib"] = _peak_mib()
        with read_session(engine) as s:
            counted = json.loads(tco.render(session=s, year=year, fmt="json"))["requests"]
            out["requests_in_year"] = counted
            for fmt in tco.FORMATS:
                out[f"tco_{fmt}_s"] = round(
                    timed(lambda fmt=fmt: tco.render(session=s, year=year, fmt=fmt), repeat), 3
                )
                out[f"peak_rss_after_{fmt}_mib"] = _peak_mib()
            out["transparency_json_s"] = round(
                timed(
                    lambda: transparency.render(
                        session=s,
                        period_from=date(year, 1, 1),
                        period_to=date(year, 12, 31),
                        fmt="json",
                    ),
                    repeat,
                ),
                3,
            )
    out["ratio_tco_json_vs_transparency_json"] = round(
        float(out["tco_json_s"]) / max(float(out["transparency_json_s"]), 1e-9),  # type: ignore[arg-type]
        2,
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "tco.json").write_text(json.dumps(out, indent=2) + "\n")
    lines = [
        "# `comity report tco` benchmark",
        "",
        f"{n} tracked requests on SQLite, {counted} dispatched in {year} "
        f"(median of {repeat}; peak RSS of the whole process, including the load).",
        "",
        "| measure | value |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in out.items() if k.endswith(("_s", "_mib"))]
    ratio = out["ratio_tco_json_vs_transparency_json"]
    lines += ["", f"tco JSON / transparency JSON: {ratio}x", ""]
    (RESULTS / "tco.md").write_text("\n".join(lines))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
