"""National scale (issue 19): many analysts on a large database, through the product's servers.

Builds a data set of N items (bench_search's loader: one report each, notes and
captured text drawn from a skewed 30,000-word vocabulary, indexed by the
product's own triggers and indexes) and M tracked requests on the first M
items (dispatches, answers, monitor verdicts: bench_reports' loader), in a
fresh SQLite file or a fresh PostgreSQL database. Then it starts
`comity serve --workers W` (the supported multi-process server) with a Redis
queue when one is given (as a deployment shares the rate limit), and runs the
load from ANOTHER process (this script re-invoked with --drive), so the
client's CPU is not the server's: C concurrent clients for D seconds, closed
loop with a think time (each sends its next request a pause after the last one
answered; `--think-ms 0` is a closed loop with none), of which
`--writers` report new URLs through POST /api/v1/items and the others read:

- worklist page (HTML /items, random filters and pages);
- API item list (/api/v1/items, first page then up to three keyset pages);
- text search (HTML /items?q=..., a word of the vocabulary or a URL fragment);
- dashboard (/dashboard) and an item page (/items/ID).

Afterwards every write the clients saw acknowledged (201 with an id) is looked
up in the database: a "lost write" is an acknowledged item that is not there
with its URL. Figures per kind: count, p50, p95, max, errors (status >= 400 or
transport error), timeouts (no answer in 30 s); the machine's load average
before and after, the database's size and PostgreSQL's settings.

    python bench/bench_scale.py [--database sqlite|postgresql] [--items N]
        [--requests M] [--clients 50] [--writers 10] [--duration 300]
        [--web-workers 2] [--pg-url URL] [--redis-url URL] [--quick] [--no-search]
        [--keep DIR]

The PostgreSQL figures come from a server with docs/deployment.md's settings and
fsync on, started apart from the tests' own:

    COMITY_SERVICES_VAR=/work/benchvar COMITY_SERVICES_PG_OPTIONS="-c fsync=on
      -c shared_buffers=6GB -c effective_cache_size=16GB -c work_mem=16MB
      -c maintenance_work_mem=1GB -c max_wal_size=8GB" bash tools/services.sh start
    . /work/benchvar/test-services.env   # then --database postgresql

Writes bench/results/scale-<database>.json and bench/results/scale.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from bench_web import _cpu_seconds, _free_port  # noqa: E402 - the same helpers as bench_web

RESULTS = ROOT / "bench" / "results"
PASSWORD = "a long quiet passphrase for load"
TIMEOUT_S = 30.0
# Issue 19's goals; the item page's own goal is server time (bench_web), not listed here.
GOALS_MS = {"worklist": 300, "api": 300, "search": 500, "dashboard": 1000}
KINDS = ("worklist", "api", "search", "dashboard", "item", "write")
WRITE_HOST = "scale-writes.example"
PG_SETTINGS = (
    "max_connections",
    "fsync",
    "shared_buffers",
    "work_mem",
    "effective_cache_size",
    "maintenance_work_mem",
    "max_wal_size",
    "synchronous_commit",
    "random_page_cost",
    "jit",
)


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


# -- building the data set -----------------------------------------------------------


def _build(url: str, n_items: int, n_requests: int) -> dict[str, Any]:
    from sqlalchemy import text

    from bench_reports import load as load_requests
    from bench_search import _load as load_items
    from bench_search import _vocabulary
    from comity.core.db import get_engine, session_scope
    from comity.core.migrate import upgrade_if_needed
    from comity.users.service import add_user
    from comity.web.tokens import create_token

    engine = get_engine(url)
    upgrade_if_needed(engine)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    load_items(url, n_items, _vocabulary(random.Random(7)))
    timings["items_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    # The tracked requests go on the first M items: bench_reports' loader inserts its
    # own items, so it writes into a scratch id range that is then re-pointed.
    _requests_on_existing_items(engine, n_requests, load_requests)
    timings["requests_s"] = time.perf_counter() - t0
    _advance_sequences(engine)
    with session_scope(engine) as session:
        add_user(session=session, name="admin", role="admin", actor=None, password=PASSWORD)
        add_user(session=session, name="bench", role="analyst", actor="admin", password=PASSWORD)
        # The readers log in as a supervisor: the dashboard is for supervisors and auditors.
        add_user(session=session, name="chief", role="supervisor", actor="admin", password=PASSWORD)
        token = create_token(
            session=session, actor="bench", name="scale", scopes=["read", "intake"]
        ).token
    t0 = time.perf_counter()
    rebuilt = _rebuild_figures(url)
    timings["figures_rebuild_s"] = time.perf_counter() - t0 if rebuilt else 0.0
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
        counts = {
            "items": conn.execute(text("SELECT count(*) FROM items")).scalar(),
            "tracked_requests": conn.execute(
                text("SELECT count(*) FROM tracked_requests")
            ).scalar(),
        }
    engine.dispose()
    return {"token": token, "timings": {k: round(v, 1) for k, v in timings.items()}} | counts


def _requests_on_existing_items(engine: Any, n: int, load_requests: Any) -> None:
    """bench_reports' tracked requests (dispatches, answers, verdicts) on items 1..n."""
    from sqlalchemy import text

    load_requests(engine, n, with_items=False)
    with engine.begin() as conn:
        conn.execute(text("UPDATE items SET state = 'sent' WHERE id <= :n"), {"n": n})


def _advance_sequences(engine: Any) -> None:
    """The loaders write their own ids; PostgreSQL's id sequences must be moved past them
    (SQLite gives a new row the largest id plus one by itself), or the clients' new
    items clash with item 1 (the product then refuses them: intake._insert_rows)."""
    if engine.dialect.name != "postgresql":
        return
    from comity.core.models import metadata

    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if "id" not in table.c:
                continue
            conn.exec_driver_sql(
                f"SELECT setval(seq, (SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false) "
                f"FROM pg_get_serial_sequence('{table.name}', 'id') AS seq WHERE seq IS NOT NULL"
            )


def _refresh(url: str) -> None:
    """A kept data set brought to this release: its migrations, then its figures."""
    from comity.core.db import get_engine
    from comity.core.migrate import upgrade_if_needed

    engine = get_engine(url)
    upgrade_if_needed(engine)
    _advance_sequences(engine)
    engine.dispose()
    _rebuild_figures(url)


def _rebuild_figures(url: str) -> bool:
    """Where the product keeps figures incrementally, bulk-loaded rows need a rebuild."""
    env = os.environ | {"COMITY_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "comity", "stats", "rebuild", "--by", "admin"],
        env=env,
        capture_output=True,
    )
    if done.returncode == 0:
        return True
    if b"unexpected extra argument" in done.stderr:
        return False  # this version recomputes its figures on every view
    raise SystemExit(f"comity stats rebuild failed: {done.stderr.decode(errors='replace')}")


# -- the servers ---------------------------------------------------------------------


def _serve(home: Path, url: str, redis_url: str | None, workers: int) -> tuple[Any, int]:
    import httpx

    port = _free_port()
    env = os.environ | {
        "COMITY_HOME": str(home),
        "COMITY_DATABASE_URL": url,
        # 50 clients share two credentials here, where a real installation has one per
        # analyst: the per-credential rate limit would measure itself, not the server.
        "COMITY_API_RATE_LIMIT": "10000000",
    }
    env.pop("COMITY_CONFIG", None)
    if redis_url:
        env["COMITY_QUEUE_URL"] = redis_url
    server = subprocess.Popen(
        [sys.executable, "-m", "comity", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(home / "serve.log", "wb"),  # noqa: SIM115 - the server's lifetime
        start_new_session=True,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200:
                return server, port
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    os.killpg(server.pid, signal.SIGKILL)
    raise SystemExit(f"comity serve did not become ready: see {home / 'serve.log'}")


# -- the load (run in its own process) --------------------------------------------------


async def _drive(base: str, token: str, plan: dict[str, Any]) -> dict[str, Any]:
    import httpx

    rng = random.Random(plan["seed"])
    words: list[str] = plan["words"]
    n_items: int = plan["items"]
    deadline = 0.0  # set once logged in
    samples: dict[str, list[float]] = {k: [] for k in KINDS}
    errors: dict[str, int] = dict.fromkeys(samples, 0)
    why: Counter[str] = Counter()  # "kind: status or exception" -> count, to tell errors apart
    timeouts: dict[str, int] = dict.fromkeys(samples, 0)
    written: list[tuple[int, str]] = []
    failed_writes: list[str] = []

    async def timed(kind: str, call: Any) -> Any:
        t0 = time.perf_counter()
        try:
            answer = await call
        except httpx.TimeoutException:
            timeouts[kind] += 1
            return None
        except httpx.HTTPError as error:
            errors[kind] += 1
            why[f"{kind}: {type(error).__name__}"] += 1
            return None
        samples[kind].append((time.perf_counter() - t0) * 1000)
        if answer.status_code >= 400:
            errors[kind] += 1
            why[f"{kind}: {answer.status_code}"] += 1
            return None
        return answer

    async def log_in() -> httpx.Cookies:
        # One session shared by the readers (as bench_web does): each log-in costs an
        # argon2 hash, 50 of them would be the server's main work in a short run.
        async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT_S) as client:
            form = (await client.get("/login")).text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert csrf, "no log-in form"
            answer = await client.post(
                "/login", data={"username": "chief", "password": PASSWORD, "csrf_token": csrf[1]}
            )
            assert answer.status_code in (200, 303), answer.status_code
            return client.cookies

    async def pause() -> None:
        if plan["think_ms"]:
            # Exponential think time (mean think_ms): clients do not move in lock step.
            await asyncio.sleep(rng.expovariate(1000 / plan["think_ms"]))

    async def reader(client: httpx.AsyncClient) -> None:
        api = {"Authorization": f"Bearer {token}"}
        while time.monotonic() < deadline:
            await pause()
            roll = rng.random()
            if roll < 0.35:
                state = rng.choice(("", "state=reported&", "state=sent&"))
                await timed("worklist", client.get(f"/items?{state}page={rng.randint(1, 20)}"))
            elif roll < 0.60:
                answer = await timed("api", client.get("/api/v1/items?limit=50", headers=api))
                for _ in range(rng.randint(0, 3)):
                    cursor = answer.json().get("next_cursor") if answer is not None else None
                    if not cursor:
                        break
                    answer = await timed(
                        "api", client.get(f"/api/v1/items?limit=50&cursor={cursor}", headers=api)
                    )
            elif roll < 0.80 and not plan.get("searches", True):  # --no-search: the worklist
                await timed("worklist", client.get(f"/items?page={rng.randint(1, 20)}"))
            elif roll < 0.80:
                q = rng.choice(words) if rng.random() < 0.7 else f"host{rng.randint(1, 7918)}"
                await timed("search", client.get("/items", params={"q": q}))
            elif roll < 0.85:
                await timed("dashboard", client.get("/dashboard"))
            else:
                await timed("item", client.get(f"/items/{rng.randint(1, n_items)}"))

    async def writer(client: httpx.AsyncClient, number: int) -> None:
        api = {"Authorization": f"Bearer {token}"}
        sequence = 0
        while time.monotonic() < deadline:
            await pause()
            sequence += 1
            url = f"https://{WRITE_HOST}/w{number}/{sequence}"
            note = " ".join(rng.choice(words) for _ in range(5))
            body = {"url": url, "conduct": "terrorism.incitement", "note": note}
            answer = await timed("write", client.post("/api/v1/items", json=body, headers=api))
            if answer is not None and answer.status_code == 201:
                written.append((int(answer.json()["id"]), url))
            else:
                failed_writes.append(url)

    cookies = await log_in()
    # An idle connection is dropped by the client before the server (uvicorn closes
    # after 5 s, httpx's default is also 5 s): with both at 5 s a request sent as the
    # server closed failed (ReadError, RemoteProtocolError: 1-3 a run), which a browser
    # retries and is not an error of the server's.
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=4.0)
    clients = [
        httpx.AsyncClient(base_url=base, timeout=TIMEOUT_S, limits=limits, cookies=cookies)
        for _ in range(plan["clients"])
    ]
    deadline = time.monotonic() + plan["duration"]
    try:
        n_writers = plan["writers"]
        started = time.monotonic()
        await asyncio.gather(
            *(writer(c, i) for i, c in enumerate(clients[:n_writers])),
            *(reader(c) for c in clients[n_writers:]),
        )
        wall = time.monotonic() - started
    finally:
        for client in clients:
            await client.aclose()
    return {
        "wall_s": round(wall, 1),
        "kinds": {
            kind: {
                "requests": len(values),
                "p50_ms": round(statistics.median(values), 1) if values else None,
                "p95_ms": round(_pct(values, 95), 1) if values else None,
                "max_ms": round(max(values), 1) if values else None,
                "errors": errors[kind],
                "timeouts": timeouts[kind],
                "per_s": round(len(values) / wall, 1),
            }
            for kind, values in samples.items()
        },
        "written": written,
        "failed_writes": len(failed_writes),
        "errors_by_cause": dict(why),
    }


def _lost_writes(url: str, written: list[tuple[int, str]]) -> int:
    from sqlalchemy import text

    from comity.core.db import get_engine

    engine = get_engine(url)
    with engine.connect() as conn:
        stored = dict(
            conn.execute(text("SELECT id, url FROM items WHERE host = :h"), {"h": WRITE_HOST}).all()
        )
    engine.dispose()
    return sum(1 for item_id, item_url in written if stored.get(item_id) != item_url)


def _pg_facts(url: str) -> dict[str, Any]:
    from sqlalchemy import text

    from comity.core.db import get_engine

    engine = get_engine(url)
    with engine.connect() as conn:
        settings = {name: conn.execute(text(f"SHOW {name}")).scalar() for name in PG_SETTINGS}
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
        version = conn.execute(text("SHOW server_version")).scalar()
    engine.dispose()
    return {"settings": settings, "database_mb": round(int(size) / 1e6), "version": version}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=None, help="default: items / 10")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--writers", type=int, default=10)
    parser.add_argument("--duration", type=int, default=300, help="seconds of load")
    parser.add_argument(
        "--think-ms", type=int, default=1000, help="mean pause between a client's requests"
    )
    parser.add_argument("--web-workers", type=int, default=2, help="comity serve --workers")
    parser.add_argument("--pg-url", default=os.environ.get("COMITY_TEST_PG_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("COMITY_TEST_REDIS_URL", ""))
    parser.add_argument("--quick", action="store_true", help="20,000 items, 30 s")
    parser.add_argument(
        "--no-search",
        action="store_true",
        help="a diagnosis: the searches' share of the reads goes to the worklist instead",
    )
    parser.add_argument(
        "--keep", help="build the data set in this folder and reuse it when run again"
    )
    parser.add_argument("--drive", help=argparse.SUPPRESS)  # internal: the load process
    args = parser.parse_args()
    if args.drive:
        plan = json.loads(Path(args.drive).read_text())
        out = asyncio.run(_drive(plan["base"], plan["token"], plan))
        Path(args.drive).with_suffix(".out.json").write_text(json.dumps(out))
        return
    sys.path.insert(0, str(ROOT / "src"))
    n_items = 20_000 if args.quick else args.items
    n_requests = args.requests if args.requests is not None else n_items // 10
    duration = 30 if args.quick else args.duration
    with tempfile.TemporaryDirectory(prefix="comity-bench-scale-") as folder:
        home = Path(args.keep or folder)
        home.mkdir(parents=True, exist_ok=True)
        kept = home / f"built-{args.database}-{n_items}.json"
        if args.database == "postgresql":
            if not args.pg_url:
                parser.error("--pg-url (or COMITY_TEST_PG_URL) is required for postgresql")
            from bench_tco import _pg_database

            url = args.pg_url.rsplit("/", 1)[0] + "/bench_scale"
            if not kept.exists():
                url = _pg_database(args.pg_url, "bench_scale")
        else:
            url = f"sqlite:///{home / 'scale.db'}"
        if kept.exists():  # --keep: the data set of an earlier run (its writes included)
            built = json.loads(kept.read_text())
            build_s = float(built["build_s"])
            _refresh(url)
        else:
            t0 = time.perf_counter()
            built = _build(url, n_items, n_requests)
            build_s = time.perf_counter() - t0
            if args.keep:
                kept.write_text(json.dumps(built | {"build_s": build_s}))
        print(f"built in {build_s:.0f} s: {built['items']:,} items", flush=True)
        from bench_search import _vocabulary

        vocabulary = _vocabulary(random.Random(7))
        server, port = _serve(home, url, args.redis_url or None, args.web_workers)
        try:
            plan = {
                "base": f"http://127.0.0.1:{port}",
                "token": built["token"],
                "seed": 11,
                "words": vocabulary[:5000],
                "items": n_items,
                "clients": args.clients,
                "writers": args.writers,
                "duration": duration,
                "think_ms": args.think_ms,
                "searches": not args.no_search,
            }
            plan_file = home / "plan.json"
            plan_file.write_text(json.dumps(plan))
            load_before = os.getloadavg()
            cpu_before = _cpu_seconds(server.pid)
            subprocess.run(
                [sys.executable, __file__, "--drive", str(plan_file)],
                check=True,
                env=os.environ | {"PYTHONPATH": str(ROOT / "src")},
            )
            server_cpu = _cpu_seconds(server.pid) - cpu_before
            load_after = os.getloadavg()
            result = json.loads(plan_file.with_suffix(".out.json").read_text())
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:  # a loaded machine: do not lose the figures
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=30)
        if any(row["errors"] for row in result["kinds"].values()):
            log = (home / "serve.log").read_text(errors="replace").splitlines()
            errors = [line for line in log if "Error" in line or "Traceback" in line]
            print("server errors (serve.log):", *errors[-20:], sep="\n", flush=True)
        written = [tuple(w) for w in result.pop("written")]
        lost = _lost_writes(url, written)  # type: ignore[arg-type]
        facts = (
            _pg_facts(url)
            if args.database == "postgresql"
            else {"database_mb": round((home / "scale.db").stat().st_size / 1e6)}
        )
    out = {
        "database": args.database,
        "measured_on": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_before": [round(x, 1) for x in load_before],
        "load_after": [round(x, 1) for x in load_after],
        "items": built["items"],
        "tracked_requests": built["tracked_requests"],
        "build": built["timings"] | {"total_s": round(build_s, 1)},
        "clients": args.clients,
        "writers": args.writers,
        "think_ms": args.think_ms,
        "searches": not args.no_search,
        "web_workers": args.web_workers,
        "redis": bool(args.redis_url),
        "duration_s": duration,
        "server_cpu_s": round(server_cpu, 1),
        "acknowledged_writes": len(written),
        "lost_writes": lost,
        **result,
        **facts,
    }
    print(json.dumps(out, indent=2), flush=True)
    _write(args.database + ("-no-search" if args.no_search else ""), out)


def _round(database: str, fig: dict[str, Any]) -> dict[str, Any]:
    """One run, in a line of scale-rounds.jsonl: a run replaces the last one's JSON, and
    the spread over runs (cold after a restart, warm, with or without other work on the
    machine) would be lost with it."""
    return {
        "database": database,
        "measured_on": fig["measured_on"],
        "items": fig["items"],
        "p95_ms": {kind: row["p95_ms"] for kind, row in fig["kinds"].items()},
        "errors": sum(row["errors"] + row["timeouts"] for row in fig["kinds"].values()),
        "lost_writes": fig["lost_writes"],
        "acknowledged_writes": fig["acknowledged_writes"],
        "load": [fig["load_before"][0], fig["load_after"][0]],
        "server_cpu_s": fig["server_cpu_s"],
        "database_mb": fig["database_mb"],
        "commit": fig.get("commit"),
    }


def _commit() -> str | None:
    """The code measured: HEAD of the clone, marked when the tree has changes."""
    here = str(Path(__file__).resolve().parent)

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", here, *args], capture_output=True, text=True, check=True, timeout=10
        )
        return done.stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        # The results this script writes are not the code measured.
        top, results = ":(top)", ":(top,exclude)bench/results"
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", top, results)
    except (OSError, subprocess.SubprocessError):
        return None  # not a git clone: the round is still recorded
    return head + ("+changes" if dirty else "")


def _rounds_table(database: str) -> list[str]:
    path = RESULTS / "scale-rounds.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    rows = [r for r in rows if r["database"] == database]
    if len(rows) < 2:
        return []
    kinds = [k for k in KINDS if k in rows[-1]["p95_ms"]]
    lines = [
        f"Every round recorded ({len(rows)}; p95 ms, goals in bold when met):",
        "",
        "| measured | code | items | " + " | ".join(kinds) + " | errors | lost | load | CPU s |",
        "|---|---|---|" + "---|" * len(kinds) + "---|---|---|---|",
    ]
    for r in rows:
        cells = []
        for kind in kinds:
            value, goal = r["p95_ms"].get(kind), GOALS_MS.get(kind)
            met = value is not None and goal is not None and value < goal
            cells.append(f"**{value}**" if met else str(value))
        lines.append(
            f"| {r['measured_on']} | {r.get('commit') or '?'} | {r['items']:,} | "
            + " | ".join(cells)
            + f" | {r['errors']} "
            f"| {r['lost_writes']} of {r['acknowledged_writes']:,} | {r['load'][0]} → "
            f"{r['load'][1]} | {r['server_cpu_s']} |"
        )
    return [*lines, ""]


def _write(database: str, out: dict[str, Any]) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"scale-{database}.json").write_text(json.dumps(out, indent=2) + "\n")
    with (RESULTS / "scale-rounds.jsonl").open("a", encoding="utf-8") as rounds:
        rounds.write(json.dumps(_round(database, out), ensure_ascii=False) + "\n")
    _render()


def _render() -> None:
    lines = [
        "# National scale: many clients on a large database (`bench/bench_scale.py`)",
        "",
        "Each client sends its next request a think time (exponential, mean given) after",
        "the last one answered; 0 is a closed loop. Servers: `comity serve --workers W`;",
        "the load runs in another process. Goals (issue 19): worklist and API p95 < 300 ms,",
        "text search p95 < 500 ms, dashboard < 1 s, no error, no lost write.",
        "",
    ]
    for name in ("sqlite", "postgresql", "postgresql-no-search"):
        path = RESULTS / f"scale-{name}.json"
        if not path.exists():
            continue
        fig = json.loads(path.read_text())
        lines += [
            f"## {name}: {fig['items']:,} items, {fig['tracked_requests']:,} tracked requests "
            f"({fig['measured_on']})"
            + ("" if fig.get("searches", True) else ", a diagnosis: no searches"),
            "",
            f"{fig['clients']} clients ({fig['writers']} writing, think time "
            f"{fig.get('think_ms', 0)} ms) for {fig['duration_s']} s "
            f"against `comity serve --workers {fig['web_workers']}`"
            f"{' with Redis' if fig['redis'] else ''}; machine {fig['machine']}, load average "
            f"{fig['load_before'][0]} before, {fig['load_after'][0]} after; server CPU "
            f"{fig['server_cpu_s']} s; database {fig['database_mb']:,} MB; build "
            f"{fig['build']['total_s']:,} s.",
            "",
            "| kind | requests | per s | p50 ms | p95 ms | max ms | errors | timeouts | goal |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for kind, row in fig["kinds"].items():
            goal = GOALS_MS.get(kind)
            verdict = "—"
            if goal is not None and row["p95_ms"] is not None:
                verdict = f"{'met' if row['p95_ms'] < goal else 'NOT met'} (< {goal} ms)"
            lines.append(
                f"| {kind} | {row['requests']:,} | {row['per_s']} | {row['p50_ms']} | "
                f"{row['p95_ms']} | {row['max_ms']} | {row['errors']} | {row['timeouts']} | "
                f"{verdict} |"
            )
        lines += [
            "",
            f"Writes acknowledged: {fig['acknowledged_writes']:,}; lost: {fig['lost_writes']}; "
            f"refused or failed: {fig['failed_writes']}."
            + (
                " Errors by cause: "
                + ", ".join(f"{k} × {v}" for k, v in sorted(fig["errors_by_cause"].items()))
                + "."
                if fig.get("errors_by_cause")
                else ""
            ),
        ]
        if "settings" in fig:
            shown = ", ".join(f"{k}={v}" for k, v in fig["settings"].items())
            lines.append(f"PostgreSQL {fig['version']}: {shown}.")
        lines.append("")
        lines += _rounds_table(name)
    (RESULTS / "scale.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
