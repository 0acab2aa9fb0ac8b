"""Figures that do not grow with history (issue 19 item 2): old whole-history scan vs stored days.

For each size (default 200,000 and 1,000,000 tracked requests, loaded as in
bench_reports.py: 25 requests per dispatch over 360 days) on SQLite, in one
process and one run, times in rounds:

- the old computation (`comity.reports.scan`, the code the product ran before):
  the dashboard's figures, the transparency report's figures for a year, and
  `comity stats`;
- the same three calls as the product now runs them (stored per-day figures);
- `comity stats rebuild` once (the one-off cost after upgrading) and
  `stats rebuild --check`;
- a view right after a change that marks one day (that day recomputed live,
  then stored) and the view after it.

Every new result is compared with the old one (the last timed round of each).
Figures: median, min and max over the rounds, and the machine's load average
before and after (2 shared cores: other work runs beside it).

    python bench/bench_figures.py [--sizes 200000,1000000] [--rounds 3] [--quick]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def _load_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "bench_reports", ROOT / "bench" / "bench_reports.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rounds(fn: Callable[[], object], n: int) -> tuple[dict[str, float], object]:
    """Timings over `n` rounds, and the last round's result (compared, never discarded)."""
    samples = []
    result: object = None
    for _ in range(n):
        t0 = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t0)
    spread = {
        "median": round(statistics.median(samples), 4),
        "min": round(min(samples), 4),
        "max": round(max(samples), 4),
        "n": n,
    }
    return spread, result


def _same(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return _no_clock(a) == _no_clock(b)
    return a == b


def _no_clock(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in figures.items() if k != "as_of"}


def measure(n: int, repeat: int, old_repeat: int, old_calls: set[str]) -> dict[str, Any]:
    from sqlalchemy import func, select

    from comity.core.db import get_engine, read_session, session_scope
    from comity.reports import figures, scan, service
    from comity.reports.models import Figure
    from comity.tracking.models import TrackedRequest
    from comity.tracking.stats import outcome_stats
    from comity.users.service import add_user

    out: dict[str, Any] = {"requests": n, "load_before": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as tmp:
        engine = get_engine(f"sqlite:///{tmp}/bench.db")
        t0 = time.perf_counter()
        _load_module().load(engine, n)
        out["load_s"] = round(time.perf_counter() - t0, 1)
        with session_scope(engine) as s:
            add_user(session=s, name="bench", role="admin", actor=None)
            add_user(session=s, name="audit", role="auditor", actor="bench")
        # The bulk load bypassed the marks (as an upgraded database would): rebuild once.
        t0 = time.perf_counter()
        with session_scope(engine) as s:
            stored_rows = figures.rebuild(session=s, actor="bench")["rows"]
        out["rebuild_s"] = round(time.perf_counter() - t0, 2)
        out["figure_rows"] = stored_rows
        today = date.today()
        year = (today - timedelta(days=365), today)
        with read_session(engine) as s:
            calls: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
                "dashboard": (
                    lambda: scan.dashboard_scan(session=s),
                    lambda: service.dashboard(session=s),
                ),
                "transparency_figures_year": (
                    lambda: scan.period_figures_scan(
                        session=s, period_from=year[0], period_to=year[1]
                    ),
                    lambda: service.period_figures(
                        session=s, period_from=year[0], period_to=year[1]
                    ),
                ),
                "stats": (
                    lambda: scan.outcome_stats_scan(session=s),
                    lambda: outcome_stats(session=s),
                ),
            }
            for name, (old, new) in calls.items():
                out[f"{name}_new"], now = rounds(new, max(repeat, 5))
                if name in old_calls:
                    out[f"{name}_old"], was = rounds(old, old_repeat)
                    assert _same(was, now), f"{name}: the stored figures differ from the scan"
            spread, checked = rounds(
                lambda: figures.rebuild(session=s, actor="audit", check=True), 1
            )
            assert isinstance(checked, dict) and checked["difference"] is None
            out["check_s"] = spread["median"]
        # A change marks one day; the next view recomputes it live and stores it.
        changed = []
        for _ in range(repeat):
            with session_scope(engine) as s:
                request = s.scalars(
                    select(TrackedRequest).where(TrackedRequest.decision.is_(None)).limit(1)
                ).first()
                assert request is not None
                request.decision, request.decided_on = "no_reply", today
            with read_session(engine) as s:
                t0 = time.perf_counter()
                service.dashboard(session=s)
                changed.append(time.perf_counter() - t0)
        out["dashboard_after_a_change_s"] = {
            "median": round(statistics.median(changed), 4),
            "min": round(min(changed), 4),
            "max": round(max(changed), 4),
            "n": repeat,
        }
        with read_session(engine) as s:
            assert _no_clock(service.dashboard(session=s)) == _no_clock(
                scan.dashboard_scan(session=s)
            )
            out["figure_rows_after"] = s.scalar(select(func.count()).select_from(Figure))
        engine.dispose()
    out["load_after"] = os.getloadavg()[0]
    for name in sorted(old_calls):
        out[f"{name}_speedup"] = round(
            out[f"{name}_old"]["median"] / max(out[f"{name}_new"]["median"], 1e-9), 1
        )
    return out


_CALLS = ("dashboard", "transparency_figures_year", "stats")


def _row(label: str, cell: dict[str, float]) -> str:
    return f"| {label} | {cell['median']} | {cell['min']}–{cell['max']} | {cell['n']} |"


def report(results: list[dict[str, Any]]) -> str:
    lines = [
        "# Figures per day vs whole-history scan (issue 19 item 2)",
        "",
        "`python bench/bench_figures.py` on SQLite (file in a temporary",
        f"folder), {os.cpu_count()} shared cores. Old = `comity.reports.scan` (the code the",
        "product ran before, walking every tracked request); new = the product now (stored",
        "per-day figures). Both in the same process and run, every result compared equal",
        "(last round of each). Seconds: median, min–max over the rounds.",
        "",
    ]
    for r in results:
        lines += [
            f"## {r['requests']:,} tracked requests",
            "",
            f"run started {r['started']} UTC; old scan {r['old_rounds']} round(s) per call.",
            "",
            f"load average {r['load_before']:.1f} before, {r['load_after']:.1f} after; "
            f"bulk load {r['load_s']} s; one-off `stats rebuild` {r['rebuild_s']} s "
            f"({r['figure_rows']:,} stored figures); `stats rebuild --check` {r['check_s']} s",
            "",
            "| call | median s | min–max s | rounds |",
            "|---|---|---|---|",
        ]
        for name in _CALLS:
            if f"{name}_old" in r:
                lines.append(_row(f"{name} old (scan)", r[f"{name}_old"]))
            lines.append(_row(f"{name} new (stored)", r[f"{name}_new"]))
        lines.append(
            _row("dashboard right after a change (one day live)", r["dashboard_after_a_change_s"])
        )
        lines += [
            "",
            "speed-up (old median / new median): "
            + ", ".join(f"{name} {r[f'{name}_speedup']}x" for name in _CALLS if f"{name}_old" in r),
            "",
        ]
    lines += [
        "The new time depends on days x keys (360 days, 10 hosts, 4 channels here), not on",
        "the number of requests; `dashboard` still returns every days-to-removal value",
        "(its histogram chart draws them), expanded from the stored histogram.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="200000,1000000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--old-rounds", type=int, default=None, help="rounds of the old scan (default: --rounds)"
    )
    parser.add_argument(
        "--old-calls", default=",".join(_CALLS), help="which calls also run the old scan"
    )
    parser.add_argument("--quick", action="store_true", help="5,000 requests, 2 rounds")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    sizes = [5_000] if args.quick else [int(x) for x in args.sizes.split(",")]
    repeat = 2 if args.quick else args.rounds
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    name = "figures-quick" if args.quick else "figures"
    stored = RESULTS / f"{name}.json"
    # One file for every size: a size measured again replaces its earlier entry.
    results = json.loads(stored.read_text()) if stored.exists() else []
    old_calls = {c for c in args.old_calls.split(",") if c}
    for n in sizes:
        result = measure(n, repeat, args.old_rounds or repeat, old_calls)
        result["started"], result["old_rounds"] = started, args.old_rounds or repeat
        results = sorted(
            [r for r in results if r["requests"] != n] + [result], key=lambda r: r["requests"]
        )
        print(json.dumps(result), flush=True)
        RESULTS.mkdir(exist_ok=True)
        stored.write_text(json.dumps(results, indent=2) + "\n")
        (RESULTS / f"{name}.md").write_text(report(results))


if __name__ == "__main__":
    main()
