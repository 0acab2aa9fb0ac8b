"""DNS resolution throughput on loopback: comity.hosting.dns vs plain dnspython.

Resolves N names (default 10,000; --quick 2,000) against
  1. a minimal raw-UDP responder written here, fast enough not to be the
     bottleneck (A and AAAA for every name, NS for bench.test, NODATA
     otherwise): this measures the clients, and
  2. the demo's dnslib server (pure Python, a thread per query: the realistic
     test server, but itself the bottleneck), on at most 2,000 names,
each server in its own process pinned to the second core while the client
(one asyncio thread) is pinned to the first: an in-process server thread would
compete with the client for the GIL and measure the GIL, not DNS.
Clients (64 names in flight each): comity `resolve_many` (A + AAAA, and
A + AAAA + NS walk), dnspython's asyncio resolver (A + AAAA gathered, and A
only) and dnspython's sync resolver (A only).
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
IN_FLIGHT = 64
DNSLIB_MAX = 2000  # the dnslib server is the bottleneck; more names only add minutes
_ADDRESSES = (("A", "192.0.2.1"), ("AAAA", "2001:db8::1"))


def names(n: int) -> list[str]:
    return [f"host{i}.bench.test" for i in range(n)]


class FastResponder:
    """A -> 192.0.2.1 and AAAA -> 2001:db8::1 for every name, NS of bench.test, else NODATA."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.sock.settimeout(0.2)
        # every answer's owner is the question name (compression pointer 0xC00C)
        v6 = bytes.fromhex("20010db8000000000000000000000001")
        by_type = {
            1: struct.pack("!HHHLH4s", 0xC00C, 1, 1, 60, 4, bytes([192, 0, 2, 1])),
            28: struct.pack("!HHHLH", 0xC00C, 28, 1, 60, 16) + v6,
        }
        ns_rdata = b"\x03ns1\xc0\x0c"
        ns_rr = struct.pack("!HHHLH", 0xC00C, 2, 1, 3600, len(ns_rdata)) + ns_rdata
        apex = b"\x05bench\x04test\x00"
        while not self._stop:
            try:
                data, addr = self.sock.recvfrom(512)
            except TimeoutError:
                continue
            except OSError:
                return
            # the question ends after the QNAME (zero label) + QTYPE + QCLASS
            end = data.index(b"\x00", 12) + 5
            qtype = struct.unpack("!H", data[end - 4 : end - 2])[0]
            answer = by_type.get(qtype, b"")
            if qtype == 2 and data[12 : end - 4].lower() == apex:
                answer = ns_rr
            header = data[:2] + struct.pack("!HHHHH", 0x8580, 1, 1 if answer else 0, 0, 0)
            self.sock.sendto(header + data[12:end] + answer, addr)

    def close(self) -> None:
        self._stop = True
        self.thread.join(timeout=2)
        self.sock.close()


def _pin(cpu: int) -> None:
    """Client on core 0, server on core 1: "names per second on one core"."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {cpu})


def _serve(kind: str, n: int, ports: Any, stop: Any) -> None:
    """Child process: run one server until `stop` is set."""
    _pin(1)
    if kind == "dnslib":
        records = [ZoneRecord(h, t, v, 60) for h in names(n) for t, v in _ADDRESSES]
        records.append(ZoneRecord("bench.test", "NS", "ns1.bench.test", 3600))
        server = LoopbackDnsServer(ZoneResolver(records, soa_name="test")).start()
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
        nameservers=("127.0.0.1",), port=port, timeout=5.0, concurrency=IN_FLIGHT, with_ns=ns
    )
    seconds, results = _timed(lambda: asyncio.run(resolve_many(hosts, config=config)))
    return seconds, sum(1 for r in results if r.status == "ok" and len(r.ips) == 2)


def run_dnspython_async(port: int, hosts: list[str], rtypes: tuple[str, ...]) -> tuple[float, int]:
    async def go() -> int:
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers, resolver.port, resolver.lifetime = ["127.0.0.1"], port, 5.0
        resolver.cache = None
        limit = asyncio.Semaphore(IN_FLIGHT)

        async def one(name: str) -> bool:
            async with limit:
                answers = await asyncio.gather(
                    *(resolver.resolve(name, t, raise_on_no_answer=False) for t in rtypes)
                )
                return all(a.rrset is not None for a in answers)

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


def _cases(port: int, hosts: list[str]) -> list[tuple[str, Callable[[], Any]]]:
    return [
        ("comity resolve_many A+AAAA", lambda: run_comity(port, hosts, ns=False)),
        ("comity resolve_many A+AAAA+NS", lambda: run_comity(port, hosts, ns=True)),
        ("dnspython asyncresolver A+AAAA", lambda: run_dnspython_async(port, hosts, ("A", "AAAA"))),
        ("dnspython asyncresolver A", lambda: run_dnspython_async(port, hosts, ("A",))),
        ("dnspython sync resolver A", lambda: run_dnspython_sync(port, hosts)),
    ]


def bench(n: int) -> dict[str, Any]:
    _pin(0)
    rows: list[dict[str, Any]] = []
    for server, count in (("fast-raw-udp", n), ("dnslib", min(n, DNSLIB_MAX))):
        hosts = names(count)
        proc = ServerProcess(server, count)
        try:
            for label, case in _cases(proc.port, hosts):
                seconds, ok = case()
                rows.append(
                    {
                        "server": server,
                        "client": label,
                        "names": count,
                        "ok": ok,
                        "seconds": round(seconds, 3),
                        "names_per_second": round(count / seconds, 1),
                    }
                )
                print(f"{server:13} {label:31} {count / seconds:7.0f} names/s  ok={ok}/{count}")
        finally:
            proc.close()
    return {
        "names": n,
        "cpu_count": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "goal_names_per_second": GOAL,
        "rows": rows,
    }


def write(result: dict[str, Any]) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dns.json").write_text(json.dumps(result, indent=2) + "\n")
    rows = result["rows"]

    def rate(server: str, client: str) -> float:
        return float(
            next(
                r["names_per_second"]
                for r in rows
                if r["server"] == server and r["client"] == client
            )
        )

    load = ", ".join(str(x) for x in result["load_average_at_end"])
    lines = [
        f"# DNS resolution benchmark ({result['names']} names, loopback)",
        "",
        f"{result['cpu_count']} cores; client (one asyncio thread) pinned to core 0, server "
        f"process to core 1; {IN_FLIGHT} names in flight. Load average at the end: {load} "
        "(other work on the machine slows every row alike). `ok` = names answered fully.",
        "",
        "| server | client | names | names/s | ok | seconds |",
        "|---|---|---:|---:|---:|---:|",
        *(
            f"| {r['server']} | {r['client']} | {r['names']} | {r['names_per_second']:.0f} | "
            f"{r['ok']} | {r['seconds']} |"
            for r in rows
        ),
        "",
        f"Goal: >= {GOAL:.0f} names/s on one core (comity resolve_many, A+AAAA).",
    ]
    for server in ("fast-raw-udp", "dnslib"):
        ours = rate(server, "comity resolve_many A+AAAA")
        ours_ns = rate(server, "comity resolve_many A+AAAA+NS")
        same = rate(server, "dnspython asyncresolver A+AAAA")
        sync = rate(server, "dnspython sync resolver A")
        verdict = "met" if ours >= GOAL else "NOT met"
        lines.append(
            f"- {server}: comity A+AAAA {ours:.0f} names/s = {ours / same:.1f}x dnspython async "
            f"doing the same A+AAAA work, {ours / sync:.1f}x dnspython sync (A only); "
            f"with the NS walk {ours_ns:.0f} names/s; goal {verdict}."
        )
    lines.append(
        "- dnslib rows are bound by the dnslib server (a Python thread per query), not the client."
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
