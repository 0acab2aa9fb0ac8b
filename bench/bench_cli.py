"""Start-up of the `comity` command: the lazy entry point against importing every domain.

Each run is a new Python process (what a user pays): `comity --help`, a one-domain
command's help (`comity url --help`), and, in the same run, the same `--help` with
every domain imported first (the entry point as it was before the command table).
Median and spread of wall and CPU time over rounds; results in bench/results/cli.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

CASES = {
    "comity --help (lazy entry point)": "from comity.cli.main import main; main(['--help'])",
    "comity url --help (one domain)": "from comity.cli.main import main; main(['url', '--help'])",
    "comity url canonical URL (one-shot, no database)": (
        "from comity.cli.main import main; main(['url', 'canonical', 'HTTP://Example.COM/a?utm_source=x'])"
    ),
    "comity --help with every domain imported (before)": (
        "from comity.cli.main import build_app; build_app()(['--help'], prog_name='comity')"
    ),
}


def _one(code: str) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    rounds = 5 if parser.parse_args().quick else 15
    results: dict[str, dict[str, float]] = {}
    for name, code in CASES.items():
        _one(code)  # warm the bytecode and file caches
        runs = [_one(code) for _ in range(rounds)]
        walls = [w for w, _ in runs]
        cpus = [c for _, c in runs]
        results[name] = {
            "wall_median_s": round(statistics.median(walls), 3),
            "wall_min_s": round(min(walls), 3),
            "wall_max_s": round(max(walls), 3),
            "cpu_median_s": round(statistics.median(cpus), 3),
        }
    lazy = results["comity --help (lazy entry point)"]["wall_median_s"]
    full = results["comity --help with every domain imported (before)"]["wall_median_s"]
    out = {
        "rounds": rounds,
        "goal_help_s": 0.5,
        "results": results,
        "ratio_before_to_lazy": round(full / lazy, 2),
    }
    (HERE / "results" / "cli.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# Command-line start-up",
        "",
        f"A new Python process per run, {rounds} rounds after one warm-up, same run for all "
        "rows. Goal: `comity --help` under 0.5 s.",
        "",
        "| command | wall median (min-max) | CPU median |",
        "|---|---|---|",
    ]
    for name, r in results.items():
        spread = f"{r['wall_min_s']}-{r['wall_max_s']}"
        lines.append(f"| {name} | {r['wall_median_s']} s ({spread}) | {r['cpu_median_s']} s |")
    lines += [
        "",
        f"Importing every domain first is {out['ratio_before_to_lazy']}x the lazy `--help`.",
    ]
    (HERE / "results" / "cli.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
