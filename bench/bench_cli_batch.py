"""Batch commands on stdin against the library call they wrap, in the same run.

For each of `comity assess --batch -`, `comity attribute --ip-file -` and `comity
url canonical -` (each output format): a new process reads N lines on stdin and
writes to a file, as a user runs it. Its CPU time (user + system of the child)
is split into start-up (the same command on 100 lines) and the per-line rate
(N - 100 lines over the difference), and set beside the library call on the same
inputs in this process: `assess` (and `assess(...).to_json()` for the full
record), `lookup` on the list of addresses, `canonicalize` per URL. CPU, not
wall, decides the ratio because the machine is shared; wall is reported too.
Peak memory (max RSS) at N/4 and N lines shows whether it grows with the input.
Median and spread over rounds; results in bench/results/cli-batch.{json,md}.

python bench/bench_cli_batch.py [--quick] [-n LINES] [--rounds R]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_law import _inputs as _assess_inputs  # noqa: E402
from bench_urls import _inputs as _url_inputs  # noqa: E402
from bench_urls import _seeds  # noqa: E402
from comity.hosting.ipdata.commands import ip_json  # noqa: E402
from comity.hosting.ipdata.lookup import lookup  # noqa: E402
from comity.law.engine import assess  # noqa: E402
from comity.law.kb.loader import load_kb  # noqa: E402
from comity.urls.service import canonicalize  # noqa: E402

SMALL = 100
DAY = date(2024, 5, 1)


def _assess_lines(n: int) -> tuple[list[str], list[dict[str, Any]]]:
    items = _assess_inputs(load_kb(), n)
    lines = []
    for item in items:
        record = {k: v for k, v in item.items() if k != "on"}
        record["date"] = item["on"].isoformat()
        lines.append(json.dumps(record))
    return lines, items


def _ip_lines(n: int) -> list[str]:
    rng = random.Random(5)
    out = []
    for _ in range(n):
        if rng.random() < 0.9:
            out.append(".".join(str(rng.randint(1, 223)) for _ in range(4)))
        else:
            out.append(f"2a0{rng.randint(0, 9)}:{rng.randint(0, 0xFFFF):x}::{rng.randint(1, 99)}")
    return out


def _url_lines(n: int) -> list[str]:
    from comity.core.errors import BadInput

    out = []
    for _, url in _url_inputs(_seeds(), n * 2):
        try:
            canonicalize(url)
        except BadInput:
            continue  # the bench times answers, not refusals
        out.append(url)
        if len(out) == n:
            break
    return out


def _env(pycache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)  # bytecode as an installed command has it
    return env


def _child(args: list[str], stdin: Path, env: dict[str, str], out: Path) -> dict[str, float]:
    """One run of `comity ARGS < stdin > out`: CPU, wall and peak RSS of the child."""
    code = (
        "import sys\n"
        "from comity.cli.main import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit as exc:\n"
        "    code = exc.code or 0\n"
        "else:\n"
        "    code = 0\n"
        "sys.stdout.flush()\n"
        # VmHWM, not ru_maxrss: after fork the latter starts at the parent's (this bench's) RSS
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(hwm.split()[1], file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with stdin.open("rb") as fin, out.open("wb") as fout:
        done = subprocess.run(
            [sys.executable, "-c", code], stdin=fin, stdout=fout, stderr=subprocess.PIPE, env=env
        )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"comity {' '.join(args)} failed: {done.stderr.decode()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rss_kb = int(done.stderr.decode().split()[-1])
    return {"cpu": cpu, "wall": wall, "rss_mb": rss_kb / 1024, "bytes": out.stat().st_size}


def _fresh_caches() -> None:
    """Empty the engine's verdict memo and the URL parser's caches, as in a new process.

    Without this, the library call's later rounds answer from what earlier rounds
    memoised, which the command (a new process each time) never can.
    """
    from comity.urls._host import parse_host
    from comity.urls.service import _host_part

    load_kb().memo.clear()
    parse_host.cache_clear()
    _host_part.cache_clear()


def _library(run: Callable[[], object]) -> tuple[float, float]:
    _fresh_caches()
    c0, w0 = time.process_time(), time.perf_counter()
    run()
    return time.process_time() - c0, time.perf_counter() - w0


def _spread(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values)),
        "min": round(min(values)),
        "max": round(max(values)),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("-n", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args()
    n = args.n or (5_000 if args.quick else 20_000)
    rounds = args.rounds or (3 if args.quick else 5)
    kb = load_kb()
    assess_text, assess_items = _assess_lines(n)
    ips = _ip_lines(n * 5)  # the look-up is fast: more lines for a measurable time
    urls = _url_lines(n)

    def engine() -> None:
        for item in assess_items:
            assess(kb=kb, **item)

    def engine_json() -> None:
        for item in assess_items:
            assess(kb=kb, **item).to_json()

    def ip_lookup() -> None:
        for start in range(0, len(ips), 2048):  # the chunk the command uses
            lookup(ips[start : start + 2048])

    def ip_records() -> None:
        observed_at = datetime.now(UTC)
        for start in range(0, len(ips), 2048):
            for info in lookup(ips[start : start + 2048]):
                ip_json(info, observed_at)

    def canon() -> None:
        for url in urls:
            canonicalize(url)

    cases: list[tuple[str, list[str], list[str], Callable[[], None], str]] = [
        (
            "assess --batch - --format jsonl-compact",
            ["assess", "--batch", "-", "--format", "jsonl-compact", "--date", "2024-05-01"],
            assess_text,
            engine,
            "assess()",
        ),
        (
            "assess --batch - (full jsonl)",
            ["assess", "--batch", "-", "--date", "2024-05-01"],
            assess_text,
            engine_json,
            "assess().to_json()",
        ),
        (
            "attribute --ip-file - --format jsonl-compact",
            ["attribute", "--ip-file", "-", "--format", "jsonl-compact"],
            ips,
            ip_lookup,
            "lookup() per 2,048",
        ),
        (
            "attribute --ip-file - --json",
            ["attribute", "--ip-file", "-", "--json"],
            ips,
            ip_records,
            "lookup() per 2,048 + ip_json()",
        ),
        ("url canonical - (text)", ["url", "canonical", "-"], urls, canon, "canonicalize()"),
        (
            "url canonical - --format jsonl-compact",
            ["url", "canonical", "-", "--format", "jsonl-compact"],
            urls,
            canon,
            "canonicalize()",
        ),
    ]
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="comity-bench-cli-batch-") as tmp:
        base = Path(tmp)
        env = _env(base / "pycache")
        out = base / "out"
        for name, argv, lines, library, library_name in cases:
            big, small, quarter = base / "big", base / "small", base / "quarter"
            big.write_text("\n".join(lines) + "\n", encoding="utf-8")
            small.write_text("\n".join(lines[:SMALL]) + "\n", encoding="utf-8")
            quarter.write_text("\n".join(lines[: len(lines) // 4]) + "\n", encoding="utf-8")
            _child(argv, small, env, out)  # warm bytecode and the KB cache
            cli_rates, cli_wall_rates, lib_rates, ratios, starts = [], [], [], [], []
            last: dict[str, float] = {}
            for _ in range(rounds):
                start_up = _child(argv, small, env, out)
                last = _child(argv, big, env, out)
                per_line_cpu = (last["cpu"] - start_up["cpu"]) / (len(lines) - SMALL)
                per_line_wall = (last["wall"] - start_up["wall"]) / (len(lines) - SMALL)
                lib_cpu, _ = _library(library)
                cli_rates.append(1 / per_line_cpu)
                cli_wall_rates.append(1 / per_line_wall)
                lib_rates.append(len(lines) / lib_cpu)
                ratios.append(per_line_cpu / (lib_cpu / len(lines)))
                starts.append(start_up["cpu"])
            rss_quarter = _child(argv, quarter, env, out)["rss_mb"]
            results[name] = {
                "lines": len(lines),
                "cli_lines_per_s_cpu": _spread(cli_rates),
                "cli_lines_per_s_wall": _spread(cli_wall_rates),
                "library": library_name,
                "library_lines_per_s_cpu": _spread(lib_rates),
                "ratio_cli_to_library": {
                    "median": round(statistics.median(ratios), 2),
                    "min": round(min(ratios), 2),
                    "max": round(max(ratios), 2),
                },
                "start_up_cpu_s": round(statistics.median(starts), 2),
                "bytes_per_line": round(last["bytes"] / len(lines)),
                "max_rss_mb": {
                    f"{len(lines) // 4}_lines": round(rss_quarter),
                    f"{len(lines)}_lines": round(last["rss_mb"]),
                },
            }
            print(name, json.dumps(results[name]), flush=True)
    _write(results, n, rounds)


def _write(results: dict[str, Any], n: int, rounds: int) -> None:
    load = os.getloadavg()
    out = {"n": n, "rounds": rounds, "goal_ratio": 2.0, "load_avg": load, "results": results}
    (HERE / "results" / "cli-batch.json").write_text(
        json.dumps(out, indent=2) + "\n", encoding="utf-8"
    )
    lines = [
        "# Batch commands on stdin against the library call",
        "",
        f"A new process per run reading the lines on stdin, output to a file; {rounds} rounds, "
        "the library call in the same run. Per-line CPU of the command = (CPU on N lines - "
        f"CPU on {SMALL} lines) / (N - {SMALL}), so start-up is shown apart. Goal: within 2x "
        f"of the library call. Load average at the end: {load[0]:.1f} (2 cores, shared).",
        "",
        "| command | lines | command lines/s CPU (min-max) | wall | library call | "
        "library lines/s | ratio median (min-max) | start-up CPU | bytes/line | "
        "max RSS N/4 -> N |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        c, w, lib, ratio = (
            r["cli_lines_per_s_cpu"],
            r["cli_lines_per_s_wall"],
            r["library_lines_per_s_cpu"],
            r["ratio_cli_to_library"],
        )
        rss = list(r["max_rss_mb"].values())
        lines.append(
            f"| `comity {name}` | {r['lines']:,} | {c['median']:,} ({c['min']:,}-{c['max']:,}) "
            f"| {w['median']:,} | `{r['library']}` | {lib['median']:,} "
            f"| {ratio['median']}x ({ratio['min']}-{ratio['max']}) | {r['start_up_cpu_s']} s "
            f"| {r['bytes_per_line']:,} | {rss[0]} -> {rss[1]} MB |"
        )
    (HERE / "results" / "cli-batch.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
