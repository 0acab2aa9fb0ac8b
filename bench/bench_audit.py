"""Benchmark: `comity audit verify` with data checks over 1,000,000 events and 100,000 objects.

The database is built directly, not through 1M service calls: objects are bulk
inserted (items, proposals, evidence rows each with its own stored file), their
row digests read back exactly as verify reads them, and 1M events chained in
Python (the same hash function as `audit.record`) go in with multi-row INSERTs.
Every object's last event carries its current digest, so the verify run finds
no difference and does all the work.

`comity audit verify --json` then runs in a child process (wall time, CPU time
and peak RSS from wait4), once with `--chain-only` and once in full, on SQLite
and on PostgreSQL (COMITY_TEST_PG_URL, from tools/services.sh).

    .venv/bin/python bench/bench_audit.py [--quick] [--events N] [--objects N] [--skip-pg]

Writes bench/results/audit.json and bench/results/audit.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench_intake import pg_database

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench/results"
CHUNK = 10_000


def _split(objects: int) -> dict[str, int]:
    """Items 40%, proposals 40%, evidence rows (one stored file each) 20%."""
    items = objects * 2 // 5
    return {"item": items, "proposal": items, "evidence": objects - 2 * items}


def _insert_objects(engine: Any, home: Path, split: dict[str, int]) -> None:
    from sqlalchemy import insert

    from comity.cases.models import Proposal
    from comity.evidence.models import Evidence
    from comity.evidence.store import Store
    from comity.intake.models import Item

    at = datetime(2026, 12, 1, tzinfo=UTC)
    store = Store(home)
    with engine.begin() as conn:
        n = split["item"]
        for start in range(0, n, CHUNK):
            conn.execute(
                insert(Item),
                [
                    {
                        "id": i + 1,
                        "url": f"https://bench{i % 977}.example/post/{i}",
                        "url_key": hashlib.sha256(str(i).encode()).hexdigest(),
                        "host": f"bench{i % 977}.example",
                        "state": "proposed",
                        "priority": "standard",
                        "created_at": at,
                        "updated_at": at,
                    }
                    for i in range(start, min(n, start + CHUNK))
                ],
            )
        for start in range(0, split["proposal"], CHUNK):
            conn.execute(
                insert(Proposal),
                [
                    {
                        "id": i + 1,
                        "item_id": i % n + 1,
                        "host": "DE",
                        "role": "hosting_state",
                        "channel": "provider_referral",
                        "conduct": "terrorism.incitement",
                        "facts": {"public": "true", "intent": "true"},
                        "target": "url",
                        "note": "one URL: the narrowest request",
                        "dual_criminality": "yes",
                        "assessment": {"outcome": "yes", "provisions": ["DE.StGB.111"]},
                        "kb_version": "bench",
                        "findings": [],
                        "state": "approved" if i % 3 else "proposed",
                        "proposed_by": "alice",
                        "proposed_at": at,
                        "decided_by": "rita" if i % 3 else None,
                        "decided_at": at if i % 3 else None,
                        "decision_reason": "lawful" if i % 3 else None,
                    }
                    for i in range(start, min(split["proposal"], start + CHUNK))
                ],
            )
        for start in range(0, split["evidence"], CHUNK):
            rows = []
            for i in range(start, min(split["evidence"], start + CHUNK)):
                stored = store.put_bytes("objects", f"<html>capture {i}</html>".encode() * 64)
                rows.append(
                    {
                        "id": i + 1,
                        "item_id": i % n + 1,
                        "captured_at": at,
                        "requested_url": f"https://bench{i % 977}.example/post/{i}",
                        "status": 200,
                        "outcome": "ok",
                        "headers": [["content-type", "text/html"]],
                        "content_sha256": stored.sha256,
                        "content_length": stored.size,
                        "content_path": stored.path,
                        "captured_by": "alice",
                    }
                )
            conn.execute(insert(Evidence), rows)


def _current_digests(engine: Any, split: dict[str, int]) -> dict[str, list[str]]:
    """Each object's digest as verify will compute it (read back, not assumed)."""
    from sqlalchemy.orm import Session

    from comity.core.audit import digest
    from comity.integrity.objects import KINDS, states

    found: dict[str, list[str]] = {}
    with Session(engine) as session:
        for object_type, count in split.items():
            kind, out = KINDS[object_type], []
            for start in range(1, count + 1, CHUNK):
                ids = list(range(start, min(count, start + CHUNK - 1) + 1))
                rows = states(session, kind, ids)
                out += [digest(rows[i]) for i in ids]
            found[object_type] = out
    return found


def _insert_events(engine: Any, events: int, digests: dict[str, list[str]]) -> None:
    """`events` events round-robin over every object, hash-chained as `audit.record` does."""
    from sqlalchemy import insert

    from comity.core.audit import GENESIS, AuditEvent, AuditHead, _event_hash, digest

    objects = [(t, i) for t, ds in digests.items() for i in range(len(ds))]
    total = len(objects)
    prev, at = GENESIS, datetime(2026, 12, 1, tzinfo=UTC)
    with engine.begin() as conn:
        for start in range(0, events, CHUNK):
            rows = []
            for seq in range(start + 1, min(events, start + CHUNK) + 1):
                object_type, index = objects[(seq - 1) % total]
                last_round = seq > events - total
                fields: dict[str, Any] = {
                    "seq": seq,
                    "at": at + timedelta(milliseconds=seq),
                    "actor": "alice",
                    "action": f"{object_type}.change",
                    "object_type": object_type,
                    "object_id": str(index + 1),
                    "state_digest": digest({"seq": seq}),
                    "data": {"round": seq // total},
                    "prev_hash": prev,
                    # Earlier events recorded an earlier state; the last one the current.
                    "row_digest": digests[object_type][index] if last_round else digest(seq),
                }
                prev = fields["hash"] = _event_hash(**fields)
                rows.append(fields)
            conn.execute(insert(AuditEvent), rows)
        conn.execute(insert(AuditHead), [{"id": 1, "seq": events, "hash": prev}])


def build(url: str, home: Path, events: int, objects: int) -> dict[str, float]:
    from comity.core.db import _create
    from comity.core.migrate import upgrade

    engine = _create(url)
    upgrade(engine)
    split = _split(objects)
    timings = {}
    started = time.perf_counter()
    _insert_objects(engine, home, split)
    timings["objects_s"] = time.perf_counter() - started
    started = time.perf_counter()
    digests = _current_digests(engine, split)
    _insert_events(engine, events, digests)
    timings["events_s"] = time.perf_counter() - started
    if url.startswith("postgresql"):
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return timings


def _rss_mb() -> float:
    """This process's peak RSS since exec (VmHWM). Not ru_maxrss: on Linux a child's
    ru_maxrss starts from its parent's RSS at fork, which here holds the build."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_cli_here(url: str, home: Path) -> None:
    """`comity audit verify --json` in this process; its peak RSS last on stderr."""
    os.environ |= {"COMITY_HOME": str(home), "COMITY_DATABASE_URL": url}
    from comity.cli.main import app

    try:
        app(["audit", "verify", "--json"])
    except SystemExit as exc:
        sys.stderr.write(f"\nVmHWM_MB={_rss_mb():.1f}\n")
        raise SystemExit(exc.code) from None


def measure(url: str, home: Path) -> dict[str, Any]:
    """In this (child) process: the chain walk, then the data checks, each timed apart."""
    from sqlalchemy.orm import Session

    from comity.core import audit
    from comity.core.db import _create
    from comity.evidence.store import Store
    from comity.integrity.verify import verify_data

    engine = _create(url)
    baseline = _rss_mb()
    out: dict[str, Any] = {"rss_after_imports_mb": round(baseline, 1)}
    with Session(engine) as session:
        cpu, wall = time.process_time(), time.perf_counter()
        chain = audit.verify_chain(session)
        out["chain"] = {
            "seconds": round(time.perf_counter() - wall, 2),
            "cpu_seconds": round(time.process_time() - cpu, 2),
            "events": chain.events,
            "ok": chain.ok,
            "peak_rss_mb": round(_rss_mb(), 1),
        }
    with Session(engine) as session:
        cpu, wall = time.process_time(), time.perf_counter()
        data = verify_data(session=session, store=Store(home))
        out["data"] = {
            "seconds": round(time.perf_counter() - wall, 2),
            "cpu_seconds": round(time.process_time() - cpu, 2),
            "objects": data.objects,
            "covered": data.covered,
            "files": data.files,
            "differences": len(data.differences),
            "peak_rss_mb": round(_rss_mb(), 1),
        }
    engine.dispose()
    return out


def _child(args: list[str], env: dict[str, str]) -> tuple[bytes, bytes, int, Any, float]:
    """Run `args`; its output, exit code, resource usage (wait4) and wall seconds."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(args, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return out.read(), err.read(), child.returncode, usage, seconds


def run_cli(url: str, home: Path) -> dict[str, Any]:
    """`comity audit verify --json` end to end, as an operator runs it (the CLI's own
    entry point in a fresh process)."""
    load = os.getloadavg()[0]
    out, err, code, usage, seconds = _child(
        [sys.executable, __file__, "--cli", url, str(home)], dict(os.environ)
    )
    report = json.loads(out) if out else {}
    if code != 0:
        raise SystemExit(f"verify failed: {err.decode()[-2000:]} {json.dumps(report)[:2000]}")
    peak = float(err.decode().rsplit("VmHWM_MB=", 1)[1].split()[0])
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": peak,
        "events": report["events"],
        "objects": report["data"]["objects"],
        "load_average_1min_start_end": [round(load, 2), round(os.getloadavg()[0], 2)],
    }


def run_measure(url: str, home: Path) -> dict[str, Any]:
    out, err, code, _, _ = _child(
        [sys.executable, __file__, "--measure", url, str(home)], dict(os.environ)
    )
    if code != 0:
        raise SystemExit(f"measure failed: {err.decode()[-2000:]}")
    return dict(json.loads(out))


def bench_one(name: str, url: str, home: Path, events: int, objects: int) -> dict[str, Any]:
    print(f"{name}: building {events:,} events over {objects:,} objects", flush=True)
    built = build(url, home, events, objects)
    print(f"{name}: built in {built['objects_s'] + built['events_s']:.0f} s", flush=True)
    inside = run_measure(url, home)
    print(f"{name}: {json.dumps(inside)}", flush=True)
    cli = run_cli(url, home)
    print(f"{name}: comity audit verify {json.dumps(cli)}", flush=True)
    chain, data = inside["chain"], inside["data"]
    return {
        "build": {k: round(v, 1) for k, v in built.items()},
        "in_process": inside,
        "cli": cli,
        "chain_cpu_us_per_event": round(1e6 * chain["cpu_seconds"] / events, 1),
        "data_cpu_us_per_object": round(1e6 * data["cpu_seconds"] / objects, 1),
        "rss_growth_mb": round(data["peak_rss_mb"] - inside["rss_after_imports_mb"], 1),
    }


def write(results: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "audit.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    lines = [
        f"# Audit verify with data checks ({results['date']})",
        "",
        "Objects: 40% items, 40% proposals, 20% evidence rows with one stored file each "
        "(1.5 KB, re-hashed). Every object's last event carries its current digest, so "
        "nothing differs and every check runs.",
        "",
        "`comity audit verify --json`, end to end in a child process (wall, CPU and peak "
        "RSS as VmHWM; includes about 4 s of CPU importing the whole CLI):",
        "",
        "| database | events | objects | wall s | CPU s | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results["runs"]:
        c = r["cli"]
        lines.append(
            f"| {r['database']} | {r['events']:,} | {r['objects']:,} | {c['seconds']} | "
            f"{c['cpu_seconds']} | {c['peak_rss_mb']} |"
        )
    lines += [
        "",
        "The same walk in process, chain and data checks apart (CPU seconds: the machine "
        "was shared, wall seconds are inflated by other work):",
        "",
        "| database | events | objects | chain CPU s | µs per event | data CPU s | "
        "µs per object | RSS after imports → peak MB (growth) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["runs"]:
        i = r["in_process"]
        lines.append(
            f"| {r['database']} | {r['events']:,} | {r['objects']:,} | "
            f"{i['chain']['cpu_seconds']} | {r['chain_cpu_us_per_event']} | "
            f"{i['data']['cpu_seconds']} | {r['data_cpu_us_per_object']} | "
            f"{i['rss_after_imports_mb']} → {i['data']['peak_rss_mb']} ({r['rss_growth_mb']}) |"
        )
    lines += [
        "",
        "CPU seconds are Comity's process only: on PostgreSQL the server's own work is "
        "not in them (it shows in the wall seconds).",
        "",
        "Per object: the row read, its digest, the newest-event look-up, the file re-hash "
        "for evidence rows, and the deleted-row pass over the events' object ids. Memory "
        "stays bounded: both passes read in batches by key (2,000 objects, 5,000 events); "
        "on SQLite most of the growth is SQLite's own page cache, which Comity sets to "
        "64 MB (`PRAGMA cache_size=-65536` in comity.core.db) and which fills as more of "
        "the file is read, so it stops growing there.",
        "",
        "Building the database (bulk INSERTs, events chained in Python): "
        + "; ".join(
            f"{r['database']} {r['events']:,} events {_built_s(r):.0f} s" for r in results["runs"]
        )
        + ".",
        "",
        f"Whole benchmark (every size, both databases, builds included): "
        f"{results.get('total_minutes', '?')} minutes.",
        "",
        f"Machine: {results['machine']}; load average at the start of each run in audit.json.",
    ]
    (RESULTS / "audit.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _built_s(run: dict[str, Any]) -> float:
    return float(run["build"]["objects_s"] + run["build"]["events_s"])


def _sizes(text: str) -> list[tuple[int, int]]:
    return [(int(e), int(o)) for e, o in (part.split(":") for part in text.split(","))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--sizes",
        default="100000:10000,1000000:100000",
        help="events:objects,... (the small size shows that memory stays flat)",
    )
    parser.add_argument("--quick", action="store_true", help="only 100,000 events, 10,000 objects")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--measure", nargs=2, metavar=("URL", "HOME"), help=argparse.SUPPRESS)
    parser.add_argument("--cli", nargs=2, metavar=("URL", "HOME"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    if args.cli:
        run_cli_here(args.cli[0], Path(args.cli[1]))
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]))))
        return
    sizes = [(100_000, 10_000)] if args.quick else _sizes(args.sizes)
    started = time.perf_counter()
    runs: list[dict[str, Any]] = []
    for events, objects in sizes:
        work = Path(tempfile.mkdtemp(prefix="comity-bench-audit-"))
        try:
            targets = []
            if not args.skip_sqlite:
                targets.append(("SQLite", f"sqlite:///{work / 'sqlite' / 'comity.db'}"))
            pg = None if args.skip_pg else pg_database("comity_bench_audit")
            if pg:
                targets.append(("PostgreSQL", pg))
            elif not args.skip_pg:
                print("PostgreSQL skipped: COMITY_TEST_PG_URL not set (tools/services.sh start)")
            for name, url in targets:
                home = work / name.lower()
                result = bench_one(name, url, home, events, objects)
                runs.append({"database": name, "events": events, "objects": objects} | result)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    write(
        {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} "
            f"{platform.python_version()}",
            "runs": runs,
            "total_minutes": round((time.perf_counter() - started) / 60),
        }
    )


if __name__ == "__main__":
    main()
