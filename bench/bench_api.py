"""Benchmark of the REST API against the HTML pages doing the same, and of webhook delivery.

Loads 100,000 items into a fresh SQLite database (bench_web's loader), starts
uvicorn servers on 127.0.0.1 (one process per core, requests spread round robin,
as bench_web does) and drives them from this process with 8 concurrent httpx
clients. Each read and write is measured twice in the same run: through
/api/v1 with a bearer token and through the page a person uses with a session
and its CSRF token. The API's rate limit is lifted for the run
(COMITY_API_RATE_LIMIT): the benchmark measures the work, not the guard.

Webhooks: a loopback HTTP receiver answers 204; `--deliveries` events fan out to
one subscription and the deliveries run through one huey worker loop (dequeue,
execute: the queue's own path), signed and logged; deliveries per second is
counted from the first dequeue to the last log row.

Writes bench/results/api.json and bench/results/api.md. `--quick`: 20,000 items.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from bench_web import CONDUCTS, _cpu_seconds, _free_port, _load, _log_in, _start_server

RESULTS = Path(__file__).parent / "results"

# (method, path, form or json body, expected status)
Request = tuple[str, str, dict[str, Any] | None, int]


def _token(url: str) -> str:
    from comity.core.db import get_engine, session_scope
    from comity.web.tokens import create_token

    engine = get_engine(url)
    with session_scope(engine) as session:
        token = create_token(
            session=session, actor="bench", name="bench", scopes=["read", "intake"]
        ).token
    engine.dispose()
    return token


def _csrf(base: str, cookies: httpx.Cookies) -> str:
    page = httpx.get(f"{base}/items", cookies=cookies).text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found[1]


def _api_cursor(base: str, token: str, depth: int) -> str:
    """The cursor of page `depth` of the filtered worklist (to time a deep page)."""
    headers = {"Authorization": f"Bearer {token}"}
    params: dict[str, Any] = {"state": "reported", "limit": 50}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for _ in range(depth - 1):
            params["cursor"] = client.get("/api/v1/items", params=params).json()["next_cursor"]
    return str(params["cursor"])


def _scenarios(
    count: int, rng: random.Random, n_items: int, cursor: str
) -> dict[str, tuple[list[Request], list[Request]]]:
    """name -> (through the API, through the pages)."""

    def conduct() -> str:
        return rng.choice(CONDUCTS)

    def ids() -> list[int]:
        return [rng.randint(1, n_items) for _ in range(count)]

    filtered = [(conduct(), rng.randint(1, 5)) for _ in range(count)]
    new_urls = [f"https://bench-new{rng.randint(0, 10**9)}.example/p" for _ in range(2 * count)]
    return {
        "read: worklist, state+conduct filter": (
            [
                ("GET", f"/api/v1/items?state=reported&conduct={c}&per_page=50", None, 200)
                for c, _ in filtered
            ],
            [("GET", f"/items?state=reported&conduct={c}", None, 200) for c, _ in filtered],
        ),
        "read: worklist, page 40 (cursor vs ?page=40)": (
            [("GET", f"/api/v1/items?state=reported&limit=50&cursor={cursor}", None, 200)] * count,
            [("GET", "/items?state=reported&page=40", None, 200)] * count,
        ),
        "read: one item": (
            [("GET", f"/api/v1/items/{i}", None, 200) for i in ids()],
            [("GET", f"/items/{i}", None, 200) for i in ids()],
        ),
        "write: report a URL": (
            [
                ("POST", "/api/v1/items", {"url": u, "conduct": "terrorism.threat"}, 201)
                for u in new_urls[:count]
            ],
            [
                ("POST", "/intake", {"url": u, "conduct": "terrorism.threat"}, 303)
                for u in new_urls[count:]
            ],
        ),
    }


async def _run(
    bases: list[str],
    requests: list[Request],
    *,
    headers: dict[str, str],
    cookies: httpx.Cookies | None,
    csrf: str | None,
    concurrency: int,
    limit_s: float,
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    queue = list(reversed(requests))
    deadline = time.perf_counter() + limit_s

    async def send(client: httpx.AsyncClient, request: Request) -> int:
        method, path, body, _ = request
        if method == "GET":
            return (await client.get(path)).status_code
        if csrf is not None:  # a page: a form with the session's CSRF token
            form = (body or {}) | {"csrf_token": csrf}
            return (await client.post(path, data=form)).status_code
        return (await client.post(path, json=body)).status_code

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while queue and time.perf_counter() < deadline:
            request = queue.pop()
            t0 = time.perf_counter()
            status = await send(client, request)
            latencies.append((time.perf_counter() - t0) * 1000)
            if status != request[3]:
                errors += 1

    clients = [
        httpx.AsyncClient(
            base_url=bases[n % len(bases)],
            headers=headers,
            cookies=cookies,
            timeout=60,
            follow_redirects=False,
        )
        for n in range(concurrency)
    ]
    try:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(c) for c in clients))
        wall = time.perf_counter() - t0
    finally:
        for c in clients:
            await c.aclose()
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "errors": errors,
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1),
        "requests_per_s": round(len(ordered) / wall, 1),
    }


class _Receiver:
    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _webhooks(home: Path, url: str, deliveries: int) -> dict[str, Any]:
    from sqlalchemy import func, select

    from comity.core.audit import Entry, record_many
    from comity.core.db import get_engine, read_session, session_scope
    from comity.core.settings import get_settings, override_settings
    from comity.jobs.queue import Queue
    from comity.webhooks.jobs import dispatch_pending
    from comity.webhooks.models import WebhookAttempt
    from comity.webhooks.service import subscribe

    receiver = _Receiver()
    settings = get_settings().model_copy(
        update={
            "home": home / "hooks",
            "database_url": url,
            "webhook_allow_loopback": True,
            "queue_url": f"sqlite:///{home / 'hooks-queue.db'}",
        }
    )
    with override_settings(settings):
        engine = get_engine(url)
        with session_scope(engine) as session:
            subscribe(session=session, actor="admin", url=receiver.url, events=["*"])
        entries = [Entry("report.add", "report", n, {"n": n}, {"n": n}) for n in range(deliveries)]
        with session_scope(engine) as session:
            record_many(session=session, actor="bench", entries=entries)
        queue = Queue(settings)
        t0 = time.perf_counter()
        queued = dispatch_pending(queue)
        fanned = time.perf_counter() - t0
        t1 = time.perf_counter()
        done = 0
        while (task := queue.huey.dequeue()) is not None:
            queue.huey.execute(task)
            done += 1
        wall = time.perf_counter() - t1
        with read_session(engine) as session:
            logged = session.scalar(select(func.count()).select_from(WebhookAttempt))
        receiver.server.shutdown()
    return {
        "deliveries": len(queued),
        "jobs_run": done,
        "attempts_logged": logged,
        "fan_out_s": round(fanned, 2),
        "deliver_s": round(wall, 2),
        "deliveries_per_s": round(len(queued) / wall, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn processes")
    parser.add_argument("--deliveries", type=int, default=2000)
    args = parser.parse_args()
    n_items = 20_000 if args.quick else 100_000
    count = 120 if args.quick else 300
    os.environ["COMITY_API_RATE_LIMIT"] = "10000000"
    with tempfile.TemporaryDirectory(prefix="comity-bench-api-") as folder:
        home = Path(folder)
        url = f"sqlite:///{home / 'comity.db'}"
        t0 = time.perf_counter()
        _load(url, n_items)
        load_s = time.perf_counter() - t0
        token = _token(url)
        ports = [_free_port() for _ in range(args.workers)]
        servers = [_start_server(home, url, port) for port in ports]
        results: dict[str, dict[str, Any]] = {}
        try:
            bases = [f"http://127.0.0.1:{port}" for port in ports]
            cookies = _log_in(bases[0])
            csrf = _csrf(bases[0], cookies)
            cursor = _api_cursor(bases[0], token, 40)
            scenarios = _scenarios(count, random.Random(5), n_items, cursor)
            for name, (api, pages) in scenarios.items():
                row: dict[str, Any] = {}
                for door, requests, kwargs in (
                    (
                        "api",
                        api,
                        {
                            "headers": {"Authorization": f"Bearer {token}"},
                            "cookies": None,
                            "csrf": None,
                        },
                    ),
                    ("pages", pages, {"headers": {}, "cookies": cookies, "csrf": csrf}),
                ):
                    before = sum(_cpu_seconds(s.pid) for s in servers)
                    row[door] = asyncio.run(
                        _run(bases, requests, concurrency=args.concurrency, limit_s=40, **kwargs)
                    )
                    spent = sum(_cpu_seconds(s.pid) for s in servers) - before
                    row[door]["server_cpu_ms_per_request"] = round(
                        spent * 1000 / max(1, row[door]["requests"]), 1
                    )
                    print(name, door, row[door], flush=True)
                results[name] = row
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)
        hooks = _webhooks(home, url, args.deliveries)
        print("webhooks", hooks, flush=True)
    _write(results, hooks, n_items=n_items, load_s=load_s, args=args)


def _write(
    results: dict[str, dict[str, Any]],
    hooks: dict[str, Any],
    *,
    n_items: int,
    load_s: float,
    args: argparse.Namespace,
) -> None:
    report = {
        "items": n_items,
        "load_seconds": round(load_s, 1),
        "database": "sqlite (WAL)",
        "server": f"{args.workers} single-process uvicorn servers, round robin",
        "concurrency": args.concurrency,
        "cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg()[0],
        "scenarios": results,
        "webhooks_one_worker": hooks,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "api.json").write_text(json.dumps(report, indent=2) + "\n")
    fmt: Callable[[dict[str, Any]], str] = lambda r: (  # noqa: E731
        f"{r['requests_per_s']} | {r['median_ms']} | {r['p95_ms']} | "
        f"{r['server_cpu_ms_per_request']} | {r['errors']}"
    )
    lines = [
        f"# API benchmark ({n_items:,} items, SQLite, {args.workers} uvicorn processes, "
        f"{args.concurrency} concurrent clients)",
        "",
        "Each scenario through /api/v1 (bearer token) and through the page a person uses "
        "(session + CSRF), same server, same run. Command: `python bench/bench_api.py`.",
        "",
        "| scenario | door | req/s | median ms | p95 ms | server CPU ms/req | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in results.items():
        for door in ("api", "pages"):
            lines.append(f"| {name} | {door} | {fmt(row[door])} |")
    lines += [
        "",
        f"Webhooks through one worker (huey dequeue + execute, SQLite queue, loopback "
        f"receiver answering 204): {hooks['deliveries']} deliveries in {hooks['deliver_s']} s, "
        f"**{hooks['deliveries_per_s']} deliveries/s** (each signed, sent, logged); fan-out "
        f"of the events to deliveries {hooks['fan_out_s']} s.",
        "",
        f"Machine: {os.cpu_count()} CPUs shared with other work; load average at the end "
        f"{report['load_average_at_end']:.1f}. Loading the items took {load_s:.0f} s.",
    ]
    (RESULTS / "api.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
