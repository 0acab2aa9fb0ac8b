"""Statistics at scale: the dashboard, the transparency report and the charts.

Loads N tracked requests (items, dispatches, answers, monitor verdicts; direct
bulk inserts into a fresh SQLite database) and times, in the same process:
`reports.service.dashboard`, against the tracking domain's own
`tracking.stats.outcome_stats` over the same rows (the comparison: the
dashboard adds the funnel, overdue and refusals on top); the transparency
report as JSON, HTML and PDF; and the five dashboard charts (matplotlib SVG),
against matplotlib's own PNG output of the same figure (the comparison).

    python bench/bench_reports.py [--requests 50000] [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
HOSTS = ("DE", "US", "NL", "FR", "GB", "RU", "TR", "SG", "CA", "SE")
CHANNELS = ("provider_referral", "diplomatic_request", "mla_request", "eu_removal_order_request")
DECISIONS = ("removed", "removed", "removed", "refused", "geo_blocked", None, "no_reply")
REASONS = ("no_offence_under_host_law", "insufficient_evidence", "protected_expression", "other")


def load(engine: object, n: int, *, chunk: int = 50_000, with_items: bool = True) -> None:
    """Insert n tracked requests in chunks (memory stays flat at a million rows), on
    items 1..n that it inserts too, or (with_items=False) that exist already."""
    from comity.core.db import session_scope
    from comity.intake.models import Item
    from comity.tracking.models import Dispatch, MonitorState, TrackedRequest

    rng = random.Random(8)
    now = datetime.now(UTC)
    today = now.date()
    per = 25  # requests per dispatch; chunk is a multiple of it
    for first in range(1, n + 1, chunk):
        last = min(first + chunk - 1, n)
        items, dispatches, requests, states = [], {}, [], []
        for i in range(first, last + 1):
            d = (i - 1) // per + 1
            if d not in dispatches:
                dispatches[d] = {
                    "id": d,
                    "dossier_ref": f"B-{d}",
                    "channel": rng.choice(CHANNELS),
                    "host_country": rng.choice(HOSTS),
                    "addressee": "x",
                    "sent_on": today - timedelta(days=rng.randint(1, 360)),
                    "recorded_by": "bench",
                    "recorded_at": now,
                }
            url = f"https://b{i}.example/p"
            items.append(
                {
                    "id": i,
                    "url": url,
                    "url_key": hashlib.sha256(url.encode()).hexdigest(),
                    "host": f"b{i}.example",
                    "state": "sent",
                    "priority": "standard",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            sent_on = dispatches[d]["sent_on"]
            decision = rng.choice(DECISIONS)
            requests.append(
                {
                    "dispatch_id": d,
                    "item_id": i,
                    "conduct": "terrorism.incitement",
                    "decision": decision,
                    "reason": rng.choice(REASONS) if decision == "refused" else None,
                    "decided_on": sent_on + timedelta(days=rng.randint(0, 60))
                    if decision
                    else None,
                    "due_at": now - timedelta(days=rng.randint(-30, 30)),
                }
            )
            if i % 3 == 0:
                states.append(
                    {
                        "item_id": i,
                        "verdict": rng.choice(("up", "removed", "challenge")),
                        "checked_at": now,
                        "since": now,
                        "next_due_at": now,
                        "last_check_id": 0,
                    }
                )
        with session_scope(engine) as s:  # type: ignore[arg-type]
            for table, rows in (
                (Item, items if with_items else []),
                (Dispatch, list(dispatches.values())),
                (TrackedRequest, requests),
                (MonitorState, states),
            ):
                for start in range(0, len(rows), 5000):
                    s.execute(insert(table), rows[start : start + 5000])


def timed(fn: object, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 5_000 if args.quick else args.requests
    repeat = 3
    sys.path.insert(0, str(ROOT / "src"))
    from comity.core.db import get_engine, read_session
    from comity.reports import charts, service, transparency
    from comity.tracking.stats import outcome_stats

    with tempfile.TemporaryDirectory() as tmp:
        engine = get_engine(f"sqlite:///{tmp}/bench.db")
        t0 = time.perf_counter()
        load(engine, n)
        load_s = time.perf_counter() - t0
        out: dict[str, object] = {"requests": n, "load_s": round(load_s, 2)}
        with read_session(engine) as s:
            figures = service.dashboard(session=s)
            out["dashboard_s"] = round(timed(lambda: service.dashboard(session=s), repeat), 3)
            out["outcome_stats_s"] = round(timed(lambda: outcome_stats(session=s), repeat), 3)
            period = (date.today() - timedelta(days=365), date.today())
            for fmt in ("json", "html", "pdf"):
                out[f"transparency_{fmt}_s"] = round(
                    timed(
                        lambda fmt=fmt: transparency.render(
                            session=s, period_from=period[0], period_to=period[1], fmt=fmt
                        ),
                        repeat,
                    ),
                    3,
                )
        out["charts_svg_s"] = round(timed(lambda: charts.dashboard_charts(figures), repeat), 3)

        def png() -> None:
            from matplotlib.figure import Figure

            for _ in range(5):
                fig = Figure(figsize=(6.4, 3))
                fig.add_subplot().barh(range(10), range(10))
                fig.savefig(io.BytesIO(), format="png")

        out["charts_png_reference_s"] = round(timed(png, repeat), 3)
    out["ratio_dashboard_vs_outcome_stats"] = round(
        float(out["dashboard_s"]) / max(float(out["outcome_stats_s"]), 1e-9), 2
    )  # type: ignore[arg-type]
    out["ratio_svg_vs_png"] = round(
        float(out["charts_svg_s"]) / max(float(out["charts_png_reference_s"]), 1e-9), 2
    )  # type: ignore[arg-type]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "reports.json").write_text(json.dumps(out, indent=2) + "\n")
    lines = [
        "# Reports benchmark",
        "",
        f"{n} tracked requests on SQLite (median of {repeat}).",
        "",
        "| measure | seconds |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in out.items() if k.endswith("_s")]
    lines += [
        "",
        f"dashboard / tracking outcome_stats: {out['ratio_dashboard_vs_outcome_stats']}x; "
        f"5 SVG charts / 5 PNG matplotlib figures: {out['ratio_svg_vs_png']}x",
        "",
    ]
    (RESULTS / "reports.md").write_text("\n".join(lines))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
