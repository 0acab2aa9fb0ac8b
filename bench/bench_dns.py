"""DNS resolution throughput on loopback: comity.hosting.dns vs plain dnspython.

Resolves N names (default 10,000; --quick 2,000) against
  1. the demo's dnslib server (threaded, pure Python: the realistic test server), and
  2. a minimal asyncio UDP responder written here (to show the client's own ceiling),
each server in its own process: an in-process server thread competes with the
client for the GIL (5 ms switch interval) and measures the GIL, not DNS.
Clients: comity `resolve_many` (A + AAAA, and A + AAAA + NS),
dnspython's asyncio resolver (A only, gathered), and dnspython's sync resolver (A only).
Writes bench/results/dns.json and bench/results/dns.md.  Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import socket
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dns.asyncresolver
import dns.resolver

from comity.demo.dnsserver import LoopbackDnsServer, ZoneRecord, ZoneResolver
from comity.hosting.dns import ResolverConfig, resolve_many

RESULTS = Path(__file__).parent / "results"
GOAL = 1500.0


def names(n: int) -> list[str]:
    return [f"host{i}.bench.test" for i in range(n)]


class FastResponder:
    """Answers every A query with 192.0.2.1 and every other type with NODATA (raw UDP)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.sock.settimeout(0.2)
        answer_rr = struct.pack("!HHHLH4s", 0xC00C, 1, 1, 60, 4, bytes([192, 0, 2, 1]))
        while not self._stop:
            try:
                data, addr = self.sock.recvfrom(512)
            except TimeoutError:
                continue
            except OSError:
                return
            # question ends after the QNAME (zero label) + QTYPE + QCLASS
            end = data.index(b"\x00", 12) + 5
            qtype = struct.unpack("!H", data[end - 4 : end - 2])[0]
            ancount = 1 if qtype == 1 else 0
            header = data[:2] + struct.pack("!HHHHH", 0x8580, 1, ancount, 0, 0)
            reply = header + data[12:end] + (answer_rr if ancount else b"")
            self.sock.sendto(reply, addr)

    def close(self) -> None:
        self._stop = True
        self.thread.join(timeout=2)
        self.sock.close()


def _serve(kind: str, n: int, ports: Any, stop: Any) -> None:
    """Child process: run one server until `stop` is set."""
    if kind == "dnslib":
        hosts = names(n)
        zone = ZoneResolver([ZoneRecord(h, "A", "192.0.2.1", 60) for h in hosts], soa_name="test")
        server = LoopbackDnsServer(zone).start()
        ports.put(server.port)
        stop.wait()
        server.stop()
    else:
        fast = FastResponder()
        ports.put(fast.port)
        stop.wait()
        fast.close()


class ServerProcess:
    def __init__(self, kind: str, n: int) -> None:
        ctx = mp.get_context("spawn")
        self._ports, self._stop = ctx.Queue(), ctx.Event()
        self._proc = ctx.Process(
            target=_serve, args=(kind, n, self._ports, self._stop), daemon=True
        )
        self._proc.start()
        self.port: int = self._ports.get(timeout=60)

    def close(self) -> None:
        self._stop.set()
        self._proc.join(timeout=10)


def _timed(func: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def run_comity(port: int, hosts: list[str], *, ns: bool) -> tuple[float, int]:
    config = ResolverConfig(
        nameservers=("127.0.0.1",), port=port, timeout=5.0, concurrency=200, with_ns=ns
    )
    seconds, results = _timed(lambda: asyncio.run(resolve_many(hosts, config=config)))
    return seconds, sum(1 for r in results if r.status == "ok")


def run_dnspython_async(port: int, hosts: list[str]) -> tuple[float, int]:
    async def go() -> int:
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers, resolver.port, resolver.lifetime = ["127.0.0.1"], port, 5.0
        limit = asyncio.Semaphore(200)

        async def one(name: str) -> bool:
            async with limit:
                answer = await resolver.resolve(name, "A", raise_on_no_answer=False)
                return answer.rrset is not None

        return sum(await asyncio.gather(*(one(h) for h in hosts)))

    return _timed(lambda: asyncio.run(go()))


def run_dnspython_sync(port: int, hosts: list[str]) -> tuple[float, int]:
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers, resolver.port, resolver.lifetime = ["127.0.0.1"], port, 5.0

    def go() -> int:
        return sum(
            1 for h in hosts if resolver.resolve(h, "A", raise_on_no_answer=False).rrset is not None
        )

    return _timed(go)


def bench(n: int) -> dict[str, Any]:
    hosts = names(n)
    rows: list[dict[str, Any]] = []
    for server in ("dnslib", "fast-asyncio-udp"):
        proc = ServerProcess(server, n)
        port = proc.port
        try:
            cases = [
                ("comity resolve_many A+AAAA", lambda p=port: run_comity(p, hosts, ns=False)),
                ("comity resolve_many A+AAAA+NS", lambda p=port: run_comity(p, hosts, ns=True)),
                ("dnspython asyncresolver A", lambda p=port: run_dnspython_async(p, hosts)),
                ("dnspython sync resolver A", lambda p=port: run_dnspython_sync(p, hosts)),
            ]  # fmt: skip
            for label, case in cases:
                seconds, ok = case()
                rows.append({"server": server, "client": label, "names": n, "ok": ok,
                             "seconds": round(seconds, 3),
                             "names_per_second": round(n / seconds, 1)})  # fmt: skip
                print(f"{server:17} {label:32} {n / seconds:9.0f} names/s  ok={ok}")
        finally:
            proc.close()
    return {"names": n, "cpu_count": os.cpu_count(), "goal_names_per_second": GOAL, "rows": rows}


def write(result: dict[str, Any]) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dns.json").write_text(json.dumps(result, indent=2) + "\n")
    rows = result["rows"]

    def rate(server: str, client: str) -> float:
        return next(
            r["names_per_second"] for r in rows if r["server"] == server and r["client"] == client
        )

    lines = [
        f"# DNS resolution benchmark ({result['names']} names, loopback)",
        "",
        "| server | client | names/s | ok | seconds |",
        "|---|---|---:|---:|---:|",
        *(
            f"| {r['server']} | {r['client']} | {r['names_per_second']:.0f} | {r['ok']} | "
            f"{r['seconds']} |"
            for r in rows
        ),
        "",
        f"Goal: >= {GOAL:.0f} names/s on one core (comity resolve_many, A+AAAA).",
    ]
    for server in ("dnslib", "fast-asyncio-udp"):
        ours = rate(server, "comity resolve_many A+AAAA")
        ref = rate(server, "dnspython asyncresolver A")
        verdict = "met" if ours >= GOAL else "NOT met"
        lines.append(
            f"- {server}: comity A+AAAA {ours:.0f} names/s = {ours / ref:.2f}x dnspython async "
            f"(A only; comity sends 2 queries per name); goal {verdict}."
        )
    (RESULTS / "dns.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2,000 names instead of 10,000")
    parser.add_argument("--names", type=int, default=None)
    args = parser.parse_args()
    n = args.names or (2000 if args.quick else 10000)
    write(bench(n))


if __name__ == "__main__":
    main()
