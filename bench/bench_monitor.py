"""Benchmark of the liveness monitor: URLs per second and peak memory.

A loopback HTTP server in a second process (asyncio, so it is not the
bottleneck) serves a mix: 200 pages (70 %), 404 (8 %), 410 (8 %), 451 (5 %),
slow 200 answers after 0.2 s (5 %) and connections closed without an answer
(4 %). URLs spread over 200 host names routed to that server; every check goes
through the monitor's guarded, polite prober (SSRF guard, per-host limit,
retries) and is classified (signatures, hashes).

Runs: (1) one worker process; (2) two worker processes sharing the work through
a Redis list of URL batches (COMITY_TEST_REDIS_URL; skipped without it); and,
as the comparison in the same process, a bare `httpx.AsyncClient` fetching the
same URLs with the same concurrency and no guard or classification.

Writes bench/results/monitor.json and bench/results/monitor.md.
Default 10,000 URLs; `--quick` runs 2,000.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from comity.evidence.guard import Guard
from comity.tracking.classify import classify
from comity.tracking.probe import Politeness, Prober

RESULTS = Path(__file__).parent / "results"
HOSTS = 200
BODY = b"<html><body>" + b"bench page " * 200 + b"</body></html>"
POLITE = Politeness(rate=1e6, per_host=8, concurrency=128, timeout=2.0, retries=1, backoff=0.05)
MIX = [("/ok", 70), ("/nf", 8), ("/gone", 8), ("/legal", 5), ("/slow", 5), ("/fail", 4)]


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
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _monitor(urls: list[str], port: int) -> dict[str, int]:
    routes = {f"h{i}.bench.test": ("127.0.0.1", port) for i in range(HOSTS)}

    def resolver(host: str, timeout: float) -> list[Any]:
        import ipaddress

        return [ipaddress.ip_address("127.0.0.1")]

    verdicts: dict[str, int] = {}
    async with Prober(guard=Guard.from_entries(("127.0.0.1",)), resolver=resolver,
                      politeness=POLITE, routes=routes) as prober:  # fmt: skip
        for start in range(0, len(urls), 2_000):  # chunks, as monitor_items does
            for probe in await prober.check_all(urls[start : start + 2_000]):
                verdict = classify(probe, baseline_sha256=None).verdict
                verdicts[verdict] = verdicts.get(verdict, 0) + 1
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


def _worker(redis_url: str, port: int, out: Any) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    done: dict[str, int] = {}
    started = time.perf_counter()
    while (batch := client.lpop("comity:bench:monitor")) is not None:
        for k, v in asyncio.run(_monitor(json.loads(batch), port)).items():
            done[k] = done.get(k, 0) + v
    out.put({"verdicts": done, "seconds": time.perf_counter() - started, "rss_mb": _rss_mb()})


def _two_workers(urls: list[str], port: int) -> dict[str, Any] | None:
    redis_url = os.environ.get("COMITY_TEST_REDIS_URL")
    if not redis_url:
        return None
    import redis

    client = redis.Redis.from_url(redis_url)
    client.delete("comity:bench:monitor")
    for start in range(0, len(urls), 500):
        client.rpush("comity:bench:monitor", json.dumps(urls[start : start + 500]))
    out: Any = mp.Queue()
    started = time.perf_counter()
    workers = [mp.Process(target=_worker, args=(redis_url, port, out)) for _ in range(2)]
    for w in workers:
        w.start()
    reports = [out.get() for _ in workers]
    for w in workers:
        w.join()
    seconds = time.perf_counter() - started
    return {"urls_per_second": round(len(urls) / seconds, 1), "seconds": round(seconds, 2),
            "peak_rss_mb_per_worker": [round(r["rss_mb"], 1) for r in reports]}  # fmt: skip


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
    try:
        urls = _urls(n)
        asyncio.run(_monitor(urls[:200], port))  # warm-up
        rss_before = _rss_mb()
        started = time.perf_counter()
        verdicts = asyncio.run(_monitor(urls, port))
        one = time.perf_counter() - started
        rss_after = _rss_mb()
        started = time.perf_counter()
        asyncio.run(_bare_httpx(urls, port))
        bare = time.perf_counter() - started
        two = _two_workers(urls, port)
    finally:
        server.terminate()
    result = {
        "urls": n,
        "one_worker": {"urls_per_second": round(n / one, 1), "seconds": round(one, 2),
                       "peak_rss_mb_after_warmup": round(rss_before, 1),
                       "peak_rss_mb_at_end": round(rss_after, 1)},
        "two_workers_redis": two,
        "bare_httpx": {"urls_per_second": round(n / bare, 1), "seconds": round(bare, 2)},
        "ratio_monitor_vs_bare_httpx": round(bare / one, 2),
        "verdicts": dict(sorted(verdicts.items())),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg()[0],
        "python": sys.version.split()[0],
    }  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "monitor.json").write_text(json.dumps(result, indent=2) + "\n")
    speed = result["one_worker"]["urls_per_second"]
    scale = (
        f"{two['urls_per_second']} URLs/s ({two['urls_per_second'] / speed:.2f}x one worker)"
        if two
        else "skipped (COMITY_TEST_REDIS_URL not set)"
    )
    (RESULTS / "monitor.md").write_text(
        f"# Monitor benchmark ({n} URLs, loopback server in a second process)\n\n"
        f"- one worker: {result['one_worker']['urls_per_second']} URLs/s; peak RSS "
        f"{rss_before:.0f} MB after warm-up, {rss_after:.0f} MB at the end\n"
        f"- two workers on Redis: {scale}\n"
        f"- bare httpx.AsyncClient, same URLs and concurrency: "
        f"{result['bare_httpx']['urls_per_second']} URLs/s (monitor/bare speed ratio "
        f"{result['ratio_monitor_vs_bare_httpx']})\n"
        f"- verdicts: {result['verdicts']}\n"
        f"- machine: {os.cpu_count()} CPUs, load average {result['load_average']:.1f} at the end\n"
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
