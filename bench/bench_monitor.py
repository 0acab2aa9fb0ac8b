"""Benchmark of the liveness monitor: URLs per second (wall and CPU) and memory.

A loopback HTTP server in a second process (asyncio, so it is not the
bottleneck) serves a mix: 200 pages (70 %), 404 (8 %), 410 (8 %), 451 (5 %),
slow 200 answers after 0.2 s (5 %) and connections closed without an answer
(4 %). URLs spread over 200 host names routed to that server; every check goes
through the monitor's guarded, polite prober (SSRF guard, per-host limit,
retries) and is classified (signatures, hashes).

Runs:
1. one worker in this process, checks in chunks of 2,000 as `monitor_items`
   does; the server pinned to one CPU, the worker to another
   (os.sched_setaffinity), so the worker's figure is one core's;
2. `monitor_items` end to end on SQLite (the same URLs imported as items):
   probing, classifying and storing checks and verdicts, with the time spent
   in the write transactions measured apart;
3. a bare `httpx.AsyncClient` fetching the same URLs with the same
   concurrency, no guard or classification (the comparison);
4. the job path, on SQLite: the same items checked through one `monitor` job
   each, then through the scheduler's `monitor_batch` jobs (handlers run in
   this process, as one worker thread would);
5. worker processes that share the URLs through a Redis list of batches
   (COMITY_TEST_REDIS_URL; skipped without it), first one, then two: each
   reports its CPU seconds and the time its Redis calls took, and the server's
   CPU seconds are read from /proc, so the scaling is stated per CPU-second as
   well as per wall second.

CPU figures are `time.process_time()` of the worker; the load average is
recorded because other work on the machine distorts wall figures.
Writes bench/results/monitor.json and bench/results/monitor.md.
Default 10,000 URLs; `--quick` runs 2,000.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import ipaddress
import json
import multiprocessing as mp
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from comity.evidence.guard import Guard
from comity.tracking.classify import classify
from comity.tracking.probe import Politeness, Prober, ProbeResult

RESULTS = Path(__file__).parent / "results"
HOSTS = 200
BODY = b"<html><body>" + b"bench page " * 200 + b"</body></html>"
POLITE = Politeness(rate=1e6, per_host=8, concurrency=128, timeout=2.0, retries=1, backoff=0.05)
MIX = [("/ok", 70), ("/nf", 8), ("/gone", 8), ("/legal", 5), ("/slow", 5), ("/fail", 4)]
CHUNK = 2_000  # as monitor_items
BATCH = 250  # URLs per Redis list entry
QUEUE = "comity:bench:monitor"
CPUS = sorted(os.sched_getaffinity(0))
SERVER_CPU = {CPUS[-1]}
WORKER_CPUS = set(CPUS[:-1]) or set(CPUS)


class _Proto(asyncio.Protocol):
    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while b"\r\n\r\n" in self.buf:
            head, _, self.buf = self.buf.partition(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode()
            kind = path.split("/")[1]
            if kind == "fail":
                self.transport.close()
                return
            if kind == "slow":
                asyncio.get_running_loop().call_later(0.2, self._answer, 200, BODY)
                continue
            status = {"ok": 200, "nf": 404, "gone": 410, "legal": 451}[kind]
            self._answer(status, BODY if status == 200 else b"<html>no</html>")

    def _answer(self, status: int, body: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(
                b"HTTP/1.1 %d X\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n"
                % (status, len(body))
                + body
            )


def _serve(port_queue: Any) -> None:
    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_Proto, "127.0.0.1", 0)
        port_queue.put(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(main())


def _urls(n: int) -> list[str]:
    rng = random.Random(7)
    paths = [p for p, w in MIX for _ in range(w)]
    return [f"http://h{rng.randrange(HOSTS)}.bench.test{rng.choice(paths)}/{i}" for i in range(n)]


def _rss_mb() -> float:
    """Peak RSS of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_now_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _hwm_mb() -> float:
    """Peak RSS of this process image (VmHWM; ru_maxrss would include a forking parent's)."""
    with open("/proc/self/status") as f:
        line = next(x for x in f if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) used so far by process `pid`."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _resolver(host: str, timeout: float) -> list[Any]:
    return [ipaddress.ip_address("127.0.0.1")]


def _prober(port: int) -> Prober:
    routes = {f"h{i}.bench.test": ("127.0.0.1", port) for i in range(HOSTS)}
    return Prober(
        guard=Guard.from_entries(("127.0.0.1",)),
        resolver=_resolver,
        politeness=POLITE,
        routes=routes,
    )


def _count(verdicts: dict[str, int], probe: ProbeResult) -> None:
    verdict = classify(probe, baseline_sha256=None).verdict
    verdicts[verdict] = verdicts.get(verdict, 0) + 1


async def _monitor(urls: list[str], port: int, rss: list[float] | None = None) -> dict[str, int]:
    verdicts: dict[str, int] = {}
    async with _prober(port) as prober:
        for start in range(0, len(urls), CHUNK):  # chunks, as monitor_items does
            for probe in await prober.check_all(urls[start : start + CHUNK]):
                _count(verdicts, probe)
            if rss is not None:
                rss.append(round(_rss_now_mb(), 1))
    return verdicts


async def _bare_httpx(urls: list[str], port: int) -> None:
    semaphore = asyncio.Semaphore(POLITE.concurrency)
    limits = httpx.Limits(max_connections=POLITE.concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=2.0) as client:

        async def one(url: str) -> None:
            async with semaphore:
                path = url.split(".bench.test", 1)[1]
                with contextlib.suppress(httpx.HTTPError):
                    await client.get(f"http://127.0.0.1:{port}{path}")

        await asyncio.gather(*(one(u) for u in urls))


def _timed(run: Callable[[], Any], server_pid: int) -> tuple[Any, dict[str, float]]:
    wall, cpu, server = time.perf_counter(), time.process_time(), _cpu_of(server_pid)
    out = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return out, {"wall_s": wall, "cpu_s": cpu, "server_cpu_s": _cpu_of(server_pid) - server}


def _rates(n: int, t: dict[str, float]) -> dict[str, float]:
    return {
        "urls_per_second_wall": round(n / t["wall_s"], 1),
        "urls_per_cpu_second": round(n / t["cpu_s"], 1),
        "wall_s": round(t["wall_s"], 2),
        "cpu_s": round(t["cpu_s"], 2),
        "server_cpu_s": round(t["server_cpu_s"], 2),
    }


# -- monitor_items end to end (SQLite) ------------------------------------------


@contextlib.contextmanager
def _items_db(urls: list[str]) -> Iterator[tuple[Any, Any, int]]:
    """A fresh SQLite home holding `urls` as items: (settings, engine, items created)."""
    from comity.core.db import get_engine, reset_engines, session_scope
    from comity.core.settings import Settings, override_settings
    from comity.intake.service import import_file
    from comity.users.service import add_user

    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "urls.csv"
        with csv_path.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["url", "conduct", "note", "source"])
            writer.writerows([u, "terrorism.incitement", "", "bench"] for u in urls)
        settings = Settings(
            home=Path(tmp),
            database_url=f"sqlite:///{tmp}/bench.db",
            user="bench",
            fetch_allow=("127.0.0.1",),
        )
        reset_engines()
        try:
            with override_settings(settings):
                engine = get_engine()
                with session_scope(engine) as session:
                    add_user(session=session, name="bench", role="analyst", actor=None)
                imported = import_file(
                    engine=engine, path=csv_path, actor="bench", allow=("127.0.0.1",)
                )
                yield settings, engine, imported.items_created
        finally:
            reset_engines()


def _end_to_end(urls: list[str], port: int, server_pid: int) -> dict[str, Any]:
    from comity.tracking import monitor
    from comity.tracking.monitor import Hooks, monitor_items

    stored = {"wall_s": 0.0, "cpu_s": 0.0, "transactions": 0}
    real_store = monitor._store

    def timed_store(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return real_store(*args, **kwargs)
        finally:
            stored["wall_s"] += time.perf_counter() - wall
            stored["cpu_s"] += time.process_time() - cpu
            stored["transactions"] += 1

    with _items_db(urls) as (_, engine, items):
        hooks = Hooks(prober=lambda: _prober(port))
        monitor._store = timed_store  # type: ignore[assignment]
        try:
            checks, t = _timed(
                lambda: monitor_items(engine=engine, actor="bench", hooks=hooks, everything=True),
                server_pid,
            )
        finally:
            monitor._store = real_store  # type: ignore[assignment]
    n = len(checks)
    return {
        "items": items,
        "checks": n,
        **_rates(n, t),
        "store_transactions": stored["transactions"],
        "store_wall_s": round(stored["wall_s"], 2),
        "store_cpu_s": round(stored["cpu_s"], 2),
        "store_share_of_cpu": round(stored["cpu_s"] / t["cpu_s"], 3),
    }


# -- the job path: one job per item against batch jobs --------------------------


def _job_path(port: int, n: int) -> dict[str, Any]:
    """CPU per check through the job handlers (ledger, hooks, monitor_items), run in
    this process as one worker thread would; items at the loopback server's 200 page."""
    from sqlalchemy import select

    from comity.core.db import session_scope
    from comity.jobs.handlers import schedule_due_monitoring
    from comity.jobs.models import JobRun
    from comity.jobs.queue import Queue

    out: dict[str, Any] = {"items": n}
    urls = [f"http://127.0.0.1:{port}/ok/{i}" for i in range(n)]
    for mode in ("one_job_per_item", "batch_jobs"):
        with _items_db(urls) as (settings, engine, _):
            queue = Queue(settings)
            wall, cpu = time.perf_counter(), time.process_time()
            if mode == "one_job_per_item":
                keys = [
                    queue.submit("monitor", i, "first", {"actor": "bench"})[0]
                    for i in range(1, n + 1)
                ]
            else:
                schedule_due_monitoring(queue)
                with session_scope(engine) as session:
                    keys = list(session.scalars(select(JobRun.key)))
            for key in keys:
                queue.run(key)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        out[mode] = {
            "jobs": len(keys),
            "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2),
            "urls_per_cpu_second": round(n / cpu, 1),
        }
    return out


# -- workers sharing a Redis list -------------------------------------------------


async def _drain(next_batch: Callable[[], list[str] | None], port: int) -> dict[str, int]:
    """Check URLs from `next_batch` until it runs dry, keeping the prober busy between batches."""
    verdicts: dict[str, int] = {}
    async with _prober(port) as prober:
        pending: set[asyncio.Task[ProbeResult]] = set()
        more = True
        while more or pending:
            while more and len(pending) < 2 * POLITE.concurrency:
                batch = next_batch()
                if batch is None:
                    more = False
                    break
                pending.update(asyncio.ensure_future(prober.check(u)) for u in batch)
            if pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    _count(verdicts, task.result())
    return verdicts


def _worker(redis_url: str, port: int, cpus: set[int], ready: Any, start: Any, out: Any) -> None:
    import redis

    os.sched_setaffinity(0, cpus)
    client = redis.Redis.from_url(redis_url)
    client.ping()
    ready.put(os.getpid())
    calls = {"n": 0, "wall_s": 0.0}

    def next_batch() -> list[str] | None:
        began = time.perf_counter()
        raw = client.lpop(QUEUE)
        calls["n"] += 1
        calls["wall_s"] += time.perf_counter() - began
        return None if raw is None else list(json.loads(raw))

    start.wait()
    wall, cpu = time.perf_counter(), time.process_time()
    verdicts = asyncio.run(_drain(next_batch, port))
    out.put(
        {
            "urls": sum(verdicts.values()),
            "wall_s": time.perf_counter() - wall,
            "cpu_s": time.process_time() - cpu,
            "redis_calls": calls["n"],
            "redis_wall_s": calls["wall_s"],
            "peak_rss_mb": _hwm_mb(),
        }
    )


def _redis_run(
    urls: list[str], port: int, server_pid: int, workers: int, cpus: set[int]
) -> dict[str, Any]:
    import redis

    redis_url = os.environ["COMITY_TEST_REDIS_URL"]
    client = redis.Redis.from_url(redis_url)
    client.delete(QUEUE)
    for start in range(0, len(urls), BATCH):
        client.rpush(QUEUE, json.dumps(urls[start : start + BATCH]))
    spawn = mp.get_context("spawn")  # fresh processes: their RSS is their own
    out: Any = spawn.Queue()
    ready: Any = spawn.Queue()
    go = spawn.Event()
    procs = [
        spawn.Process(target=_worker, args=(redis_url, port, cpus, ready, go, out))
        for _ in range(workers)
    ]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get()  # imported and connected: the clock starts now
    server, wall = _cpu_of(server_pid), time.perf_counter()
    go.set()
    reports = [out.get() for _ in procs]
    wall, server = time.perf_counter() - wall, _cpu_of(server_pid) - server
    for proc in procs:
        proc.join()
    worker_cpu = sum(r["cpu_s"] for r in reports)
    return {
        "workers": workers,
        "cpus_for_workers": sorted(cpus),
        "urls_per_second_wall": round(len(urls) / wall, 1),
        "wall_s": round(wall, 2),
        "urls_per_worker_cpu_second": round(len(urls) / worker_cpu, 1),
        "urls_per_cpu_second_with_server": round(len(urls) / (worker_cpu + server), 1),
        "server_cpu_s": round(server, 2),
        "server_cpu_share": round(server / (worker_cpu + server), 3),
        "per_worker": [
            {
                "urls": r["urls"],
                "cpu_s": round(r["cpu_s"], 2),
                "wall_s": round(r["wall_s"], 2),
                "cpu_busy": round(r["cpu_s"] / r["wall_s"], 2),
                "urls_per_cpu_second": round(r["urls"] / r["cpu_s"], 1),
                "redis_calls": r["redis_calls"],
                "redis_wall_ms": round(1000 * r["redis_wall_s"], 1),
                "peak_rss_mb": round(r["peak_rss_mb"], 1),
            }
            for r in reports
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("-n", type=int, default=None)
    args = parser.parse_args()
    n = args.n or (2_000 if args.quick else 10_000)
    port_queue: Any = mp.Queue()
    server = mp.Process(target=_serve, args=(port_queue,), daemon=True)
    server.start()
    port = port_queue.get()
    assert server.pid is not None
    pinned = len(CPUS) > 1
    if pinned:
        os.sched_setaffinity(server.pid, SERVER_CPU)
        os.sched_setaffinity(0, WORKER_CPUS)
    try:
        urls = _urls(n)
        asyncio.run(_monitor(urls[:200], port))  # warm-up
        rss_before = _rss_mb()
        rss_chunks: list[float] = []
        verdicts, t_one = _timed(lambda: asyncio.run(_monitor(urls, port, rss_chunks)), server.pid)
        rss_after = _rss_mb()
        _, t_bare = _timed(lambda: asyncio.run(_bare_httpx(urls, port)), server.pid)
        end_to_end = _end_to_end(urls, port, server.pid)
        job_path = _job_path(port, min(n, 1_000))
        redis_runs: list[dict[str, Any]] | None = None
        if os.environ.get("COMITY_TEST_REDIS_URL"):
            os.sched_setaffinity(0, set(CPUS))
            # one worker on its own core, as above; two workers get every CPU, the
            # server too: with two cores there is no third one to keep it apart
            redis_runs = [_redis_run(urls, port, server.pid, 1, WORKER_CPUS)]
            os.sched_setaffinity(server.pid, set(CPUS))
            redis_runs.append(_redis_run(urls, port, server.pid, 2, set(CPUS)))
    finally:
        server.terminate()
    one = _rates(n, t_one)
    result: dict[str, Any] = {
        "urls": n,
        "one_worker": one
        | {
            "pinned": {"worker_cpus": sorted(WORKER_CPUS), "server_cpus": sorted(SERVER_CPU)}
            if pinned
            else None,
            "peak_rss_mb_after_warmup": round(rss_before, 1),
            "peak_rss_mb_at_end": round(rss_after, 1),
            "rss_mb_after_each_chunk": rss_chunks,
        },
        "monitor_items_sqlite": end_to_end,
        "job_path_sqlite": job_path,
        "bare_httpx": _rates(n, t_bare),
        "ratio_monitor_vs_bare_httpx": round(t_bare["wall_s"] / t_one["wall_s"], 2),
        "redis_workers": redis_runs,
        "verdicts": dict(sorted(verdicts.items())),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg()[0],
        "python": sys.version.split()[0],
    }
    if redis_runs:
        one_r, two_r = redis_runs
        result["scaling_two_vs_one"] = {
            "wall": round(two_r["urls_per_second_wall"] / one_r["urls_per_second_wall"], 2),
            "per_worker_cpu_second": round(
                two_r["urls_per_worker_cpu_second"] / one_r["urls_per_worker_cpu_second"], 2
            ),
        }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "monitor.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "monitor.md").write_text(_markdown(result))
    print(json.dumps(result, indent=2))


def _markdown(r: dict[str, Any]) -> str:
    one, e2e, bare = r["one_worker"], r["monitor_items_sqlite"], r["bare_httpx"]
    lines = [
        f"# Monitor benchmark ({r['urls']} URLs, loopback server in a second process)",
        "",
        f"Machine: {r['cpus']} CPUs, load average {r['load_average']:.1f} at the end "
        "(other work shares the machine: CPU figures are the steadier ones).",
        "",
        "| run | URLs/s (wall) | URLs per CPU-second | wall s | worker CPU s | server CPU s |",
        "|---|---|---|---|---|---|",
        f"| one worker (pinned), prober + classify | {one['urls_per_second_wall']} "
        f"| {one['urls_per_cpu_second']} | {one['wall_s']} | {one['cpu_s']} "
        f"| {one['server_cpu_s']} |",
        f"| monitor_items on SQLite (probe, classify, store) | {e2e['urls_per_second_wall']} "
        f"| {e2e['urls_per_cpu_second']} | {e2e['wall_s']} | {e2e['cpu_s']} "
        f"| {e2e['server_cpu_s']} |",
        f"| bare httpx.AsyncClient (no guard, no classify) | {bare['urls_per_second_wall']} "
        f"| {bare['urls_per_cpu_second']} | {bare['wall_s']} | {bare['cpu_s']} "
        f"| {bare['server_cpu_s']} |",
        "",
        f"- memory, one worker: peak RSS {one['peak_rss_mb_after_warmup']:.0f} MB after warm-up, "
        f"{one['peak_rss_mb_at_end']:.0f} MB at the end; RSS after each chunk of {CHUNK}: "
        f"{one['rss_mb_after_each_chunk']} MB",
        f"- storing: {e2e['store_transactions']} write transactions took "
        f"{e2e['store_wall_s']} s wall, {e2e['store_cpu_s']} s CPU "
        f"({100 * e2e['store_share_of_cpu']:.1f} % of monitor_items' CPU)",
        f"- job path ({r['job_path_sqlite']['items']} items, handlers run in-process, SQLite, "
        "production politeness: 50 requests/s, 2 per host): one job per item "
        f"{r['job_path_sqlite']['one_job_per_item']['urls_per_cpu_second']} URLs per CPU-second "
        f"({r['job_path_sqlite']['one_job_per_item']['jobs']} jobs); scheduled batch jobs "
        f"{r['job_path_sqlite']['batch_jobs']['urls_per_cpu_second']} URLs per CPU-second "
        f"({r['job_path_sqlite']['batch_jobs']['jobs']} jobs)",
        f"- monitor/bare httpx wall speed ratio: {r['ratio_monitor_vs_bare_httpx']}",
        f"- verdicts: {r['verdicts']}",
        "",
    ]
    runs = r["redis_workers"]
    if not runs:
        return "\n".join([*lines, "Workers on Redis: skipped (COMITY_TEST_REDIS_URL not set).", ""])
    lines += [
        f"## Workers sharing a Redis list ({BATCH} URLs per entry)",
        "",
        "| workers | CPUs | URLs/s (wall) | URLs per worker CPU-second "
        "| per CPU-second incl. server | server share of CPU | per worker: CPU s, busy, Redis ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        per = "; ".join(
            f"{w['cpu_s']} s, {w['cpu_busy']:.0%}, {w['redis_wall_ms']} ms"
            for w in run["per_worker"]
        )
        lines.append(
            f"| {run['workers']} | {run['cpus_for_workers']} | {run['urls_per_second_wall']} "
            f"| {run['urls_per_worker_cpu_second']} | {run['urls_per_cpu_second_with_server']} "
            f"| {run['server_cpu_share']:.0%} | {per} |"
        )
    scaling = r["scaling_two_vs_one"]
    lines += [
        "",
        f"Two workers against one: {scaling['wall']}x in wall time, "
        f"{scaling['per_worker_cpu_second']}x in URLs per worker CPU-second "
        "(1.0 = no work lost to contention).",
        "",
        "What this machine can and cannot show: the loopback server, Redis and the workers "
        "share its CPUs, so two workers cannot run at a full core each while the server "
        "needs a share too; wall-clock scaling is bounded by the CPUs left over, not by the "
        "monitor. The CPU-second figures show whether a second worker costs more work per URL "
        "(contention in Redis or locks would show there and in the Redis call times); "
        "linear wall-clock scaling needs a machine with a core per worker plus the server's.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
