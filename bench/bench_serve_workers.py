"""Latency of one request through `uvicorn --workers` with and without TCP_NODELAY.

Starts, on loopback, three servers of the same application (SQLite, empty
data folder) and times sequential keep-alive requests from one httpx client:

- `comity serve` (one process),
- `uvicorn --workers N` as shipped (worker processes share a socket whose
  protocol number is 0, so asyncio leaves Nagle's algorithm on),
- `comity serve --workers N` (sets TCP_NODELAY on every connection).

Run: `python bench/bench_serve_workers.py [--requests 300] [--rounds 3]`.
Writes bench/results/serve_workers.md.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PATHS = {"static file": "/static/favicon.svg", "log-in page": "/login"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Each process validates the knowledge base when its app is built (about 1 s of CPU
# on a quiet machine); with the machine loaded (load average 9.8, `make bench` beside
# test runs) the three servers took 56-75 s to answer when started together.
def _wait_up(port: int, proc: subprocess.Popen[bytes], seconds: float = 300.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server on {port} exited with {proc.returncode}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/static/favicon.svg", timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"server on {port} did not answer within {seconds:.0f} s")


def _time(port: int, path: str, count: int) -> list[float]:
    """Milliseconds per request, one keep-alive connection, one request at a time."""
    out: list[float] = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10.0) as client:
        for _ in range(5):
            client.get(path)
        for _ in range(count):
            start = time.perf_counter()
            client.get(path).raise_for_status()
            out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="50 requests, 1 round (make bench)")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.rounds = 50, 1
    comity = [sys.executable, "-m", "comity"]
    with tempfile.TemporaryDirectory() as home:
        env = os.environ | {"COMITY_HOME": home, "COMITY_DATABASE_URL": f"sqlite:///{home}/c.db"}
        env.pop("COMITY_CONFIG", None)
        subprocess.run([*comity, "db", "upgrade"], env=env, check=True, capture_output=True)
        ports = {name: _free_port() for name in ("one", "stock", "nodelay")}
        commands = {
            "comity serve (1 process)": [*comity, "serve", "--port", str(ports["one"])],
            f"uvicorn --workers {args.workers} (stock h11)": [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "comity.web.serving:app_from_environment",
                "--http",
                "h11",
                "--workers",
                str(args.workers),
                "--port",
                str(ports["stock"]),
                "--log-level",
                "warning",
            ],
            f"comity serve --workers {args.workers}": [
                *comity,
                "serve",
                "--workers",
                str(args.workers),
                "--port",
                str(ports["nodelay"]),
            ],
        }
        procs: dict[str, subprocess.Popen[bytes]] = {}
        try:
            # One at a time: a server starting does not slow the others' start.
            for (name, cmd), port in zip(commands.items(), ports.values(), strict=True):
                procs[name] = subprocess.Popen(
                    cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
                _wait_up(port, procs[name])
            rows: list[str] = []
            for name, port in zip(commands, ports.values(), strict=True):
                for label, path in PATHS.items():
                    medians = []
                    p95s = []
                    for _ in range(args.rounds):
                        times = sorted(_time(port, path, args.requests))
                        medians.append(statistics.median(times))
                        p95s.append(times[int(len(times) * 0.95) - 1])
                    rows.append(
                        f"| {name} | {label} | {min(medians):.1f}–{max(medians):.1f} "
                        f"| {min(p95s):.1f}–{max(p95s):.1f} |"
                    )
                    print(rows[-1], flush=True)
        finally:
            for proc in procs.values():
                proc.terminate()
            for proc in procs.values():
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    report = "\n".join(
        [
            f"# One request at a time over keep-alive, loopback ({args.requests} requests × "
            f"{args.rounds} rounds; spread of the per-round figures)",
            "",
            "| server | path | median ms | p95 ms |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
    )
    out = ROOT / "bench" / "results" / "serve_workers.md"
    out.write_text(report, encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
